"""Personas around one patient: circle members, the hospital team, outsiders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parcours.accounts.models import Role
from parcours.audit.models import AuditEvent
from parcours.directory.models import Organisation, Professional
from parcours.patients.access import Purpose, access_patient
from parcours.patients.actions import (
    IdentifierInput,
    MemberInput,
    PatientData,
    circle_member_add,
    patient_create,
)
from parcours.patients.models import MemberRole, Patient
from tests.factories import OrganisationFactory, UserFactory


def professional_for(user, profession: str, organisation: Organisation) -> Professional:  # type: ignore[no-untyped-def]
    from parcours.directory.models import ProfessionalRole

    professional = Professional.objects.create(
        given_name=user.first_name, family_name=user.last_name, profession=profession, user=user
    )
    ProfessionalRole.objects.create(professional=professional, organisation=organisation)
    return professional


@pytest.fixture
def ward(hospital):  # type: ignore[no-untyped-def]
    return OrganisationFactory(code="chu-test-ger", type="ward", parent=hospital)


@pytest.fixture
def nurse_claire(claire):  # type: ignore[no-untyped-def]
    """Claire, hospital liaison nurse at CHU Test (the `claire` persona)."""
    return claire


@pytest.fixture
def ward_nurse(db, ward):  # type: ignore[no-untyped-def]
    """Sophie, hospital liaison nurse attached to the geriatric ward of CHU Test."""
    return UserFactory(
        username="sophie", role=Role.HOSPITAL_LIAISON_NURSE, organisation=ward, first_name="Sophie"
    )


@pytest.fixture
def other_hospital_nurse(db):  # type: ignore[no-untyped-def]
    """Bram, liaison nurse in another hospital."""
    other = OrganisationFactory(code="uz-other", type="hospital")
    return UserFactory(username="bram", role=Role.HOSPITAL_LIAISON_NURSE, organisation=other)


@pytest.fixture
def gp_luc(luc):  # type: ignore[no-untyped-def]
    """Dr Luc Martin (the `luc` persona) with his directory entry."""
    professional_for(luc, "gp", luc.memberships.first().organisation)
    return luc


@pytest.fixture
def home_nurse(db):  # type: ignore[no-untyped-def]
    """Fatima, home nurse in a home-nursing service."""
    service = OrganisationFactory(code="soins-test", type="home_nursing")
    user = UserFactory(
        username="fatima",
        role=Role.HOME_NURSE,
        organisation=service,
        first_name="Fatima",
        last_name="El Amrani",
    )
    professional_for(user, "nurse", service)
    return user


@pytest.fixture
def outsider(db):  # type: ignore[no-untyped-def]
    """Pieter, pharmacist in an organisation with no link to the patient."""
    pharmacy = OrganisationFactory(code="pharma-other", type="pharmacy")
    return UserFactory(username="pieter", role=Role.PHARMACIST, organisation=pharmacy)


@pytest.fixture
def marie(nurse_claire) -> Patient:  # type: ignore[no-untyped-def]
    """Marie Peeters, 82, registered by Claire (who becomes the circle's referent)."""
    return patient_create(
        user=nurse_claire,
        data=PatientData(
            given_name="Marie",
            family_name="Peeters",
            birth_date=timezone.localdate().replace(year=1944),
            administrative_sex="female",
            pronouns="elle",
            languages=["fr"],
        ),
        identifiers=[IdentifierInput("be-niss", "48021408235")],
    )


@pytest.fixture
def manage(nurse_claire, marie):  # type: ignore[no-untyped-def]
    return access_patient(nurse_claire, marie.pk, purpose=Purpose.COORDINATION, manage=True)


@pytest.fixture
def marie_circle(manage, gp_luc, home_nurse):  # type: ignore[no-untyped-def]
    circle_member_add(
        access=manage, member=MemberInput(role=MemberRole.GP, professional=gp_luc.professional)
    )
    circle_member_add(
        access=manage,
        member=MemberInput(
            role=MemberRole.HOME_NURSE,
            professional=home_nurse.professional,
            visibility="care_instructions",
        ),
    )
    return manage.patient


def last_audit() -> AuditEvent:
    return AuditEvent.objects.order_by("-seq").first()  # type: ignore[return-value]


@pytest.fixture
def yesterday():  # type: ignore[no-untyped-def]
    return timezone.localdate() - timedelta(days=1)
