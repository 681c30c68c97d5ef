"""Story 5 personas: Nadia after detox, the liaison nurse, three saturated post-cure services."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from parcours.accounts.models import Role
from parcours.directory.documents import services_reindex
from parcours.directory.models import Service
from parcours.patients.access import Purpose, access_patient
from parcours.patients.actions import IdentifierInput, PatientData, patient_create
from parcours.patients.demo import niss
from parcours.patients.models import Patient
from tests.factories import OrganisationFactory, UserFactory

POSTCURES = [
    ("postcure-les-tilleuls", "Post-cure Les Tilleuls", "waiting_list", 18, 60),
    ("postcure-horizon", "Post-cure Horizon", "full", 30, None),
    ("postcure-la-source", "Post-cure La Source", "waiting_list", 7, 21),
]


def _service(code: str, name: str, status: str, waiting: int, days: int | None) -> Service:
    organisation = OrganisationFactory(code=code, type="cure_post_cure", name={"fr": name})
    return Service.objects.create(
        organisation=organisation,
        code=f"{code}-sejour",
        name={"fr": name, "nl": name},
        category="cure_post_cure",
        target_groups=["addiction"],
        capacity_status=status,
        waiting_list_length=waiting,
        typical_wait_days=days,
        capacity_updated_at=timezone.now() - timedelta(days=2),
    )


@pytest.fixture
def postcures(db) -> list[Service]:  # type: ignore[no-untyped-def]
    services = [_service(*row) for row in POSTCURES]
    services_reindex([s.pk for s in services])
    return services


@pytest.fixture
def postcure_staff(postcures):  # type: ignore[no-untyped-def]
    """One social worker per post-cure service: Anouk (Tilleuls), Bart (Horizon), Chloé (Source)."""
    names = ["anouk", "bart", "chloe"]
    return [
        UserFactory(
            username=name,
            role=Role.SOCIAL_WORKER,
            organisation=service.organisation,
            first_name=name.capitalize(),
        )
        for name, service in zip(names, postcures, strict=True)
    ]


@pytest.fixture
def nadia(claire) -> Patient:  # type: ignore[no-untyped-def]
    """Nadia Haddou, 35, registered by Claire, the liaison nurse (the circle's referent)."""
    return patient_create(
        user=claire,
        data=PatientData(
            given_name="Nadia",
            family_name="Haddou",
            birth_date=date(1991, 11, 30),
            administrative_sex="female",
            languages=["fr"],
        ),
        identifiers=[IdentifierInput("be-niss", niss(date(1991, 11, 30), 164))],
    )


@pytest.fixture
def nadia_access(claire, nadia):  # type: ignore[no-untyped-def]
    return access_patient(claire, nadia.pk, purpose=Purpose.COORDINATION)


@pytest.fixture
def outsider(db):  # type: ignore[no-untyped-def]
    """Pieter, pharmacist with no link to Nadia or the post-cure services."""
    pharmacy = OrganisationFactory(code="pharma-other", type="pharmacy")
    return UserFactory(username="pieter", role=Role.PHARMACIST, organisation=pharmacy)
