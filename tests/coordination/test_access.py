"""Who sees a referral: the requesting side through patients.access, the receiving service's
care roles for that task only, nobody else; every call audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parcours.audit.models import AuditEvent
from parcours.coordination.access import RECEIVER, REQUESTER, TaskNotFound, access_task
from parcours.coordination.actions import referral_send
from parcours.patients.access import PatientNotFound, Purpose, access_patient
from parcours.patients.actions import consent_record, exclusion_add
from tests.patients.conftest import professional_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(nadia_access, postcures, postcure_staff):  # type: ignore[no-untyped-def]
    return referral_send(
        access=nadia_access,
        services=[postcures[0]],
        need="Post-cure",
        due_at=timezone.now() + timedelta(days=2),
    )[0]


def _last() -> AuditEvent:
    return AuditEvent.objects.order_by("-seq").first()  # type: ignore[return-value]


def test_requester_side_goes_through_patient_access(referral, claire) -> None:  # type: ignore[no-untyped-def]
    access = access_task(claire, referral.pk)
    assert access.side == REQUESTER
    assert access.patient_access is not None
    assert _last().what == "referral"


def test_receiving_service_sees_the_referral_but_not_the_record(  # type: ignore[no-untyped-def]
    referral, postcure_staff
):
    anouk = postcure_staff[0]
    access = access_task(anouk, referral.pk)
    assert access.side == RECEIVER
    event = _last()
    assert (event.what, event.outcome, event.reason) == ("referral", "success", "receiving-service")
    with pytest.raises(PatientNotFound):
        access_patient(anouk, referral.patient_id, purpose=Purpose.TREATMENT)


def test_another_post_cure_service_does_not_see_it(referral, postcure_staff) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TaskNotFound):
        access_task(postcure_staff[1], referral.pk)


def test_an_unrelated_professional_gets_not_found(referral, outsider) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TaskNotFound):
        access_task(outsider, referral.pk)
    assert _last().outcome == "denied"


def test_unknown_and_refused_look_the_same(outsider) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TaskNotFound):
        access_task(outsider, 999999)
    with pytest.raises(TaskNotFound):
        access_task(outsider, "not-a-number")


def test_withdrawn_consent_wins_over_the_receiving_side(  # type: ignore[no-untyped-def]
    referral, postcure_staff, claire, nadia
):
    manage = access_patient(claire, nadia.pk, purpose=Purpose.CONSENT, manage=True)
    consent_record(access=manage, status="withdrawn", method="oral")
    with pytest.raises(TaskNotFound):
        access_task(postcure_staff[0], referral.pk)
    assert _last().reason == "consent-withdrawn"


def test_an_excluded_professional_of_the_service_is_refused(  # type: ignore[no-untyped-def]
    referral, postcure_staff, claire, nadia
):
    anouk = postcure_staff[0]
    professional = professional_for(anouk, "social_worker", referral.owner_service.organisation)
    manage = access_patient(claire, nadia.pk, purpose=Purpose.COORDINATION, manage=True)
    exclusion_add(access=manage, professional=professional, reason="Demande de la patiente")
    with pytest.raises(TaskNotFound):
        access_task(anouk, referral.pk)


def test_the_inbox_follows_the_same_rules(referral, postcure_staff, claire, nadia) -> None:  # type: ignore[no-untyped-def]
    from parcours.coordination.selectors import inbox

    anouk, bart, _chloe = postcure_staff
    assert [t.pk for t in inbox(anouk)] == [referral.pk]
    assert inbox(bart) == []
    manage = access_patient(claire, nadia.pk, purpose=Purpose.CONSENT, manage=True)
    consent_record(access=manage, status="given", method="oral")
    assert [t.pk for t in inbox(anouk)] == [referral.pk]
    consent_record(access=manage, status="withdrawn", method="oral")
    assert inbox(anouk) == []
