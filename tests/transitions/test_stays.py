"""The minimal stay life cycle: admit, discharge, cancel; each audited."""

from __future__ import annotations

import pytest

from parcours.audit.actions import Actor
from parcours.audit.models import AuditEvent
from parcours.transitions.actions import StayError, stay_admit, stay_cancel, stay_discharge
from parcours.transitions.models import StayStatus
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

FEED = Actor(user_id=None, username="adt-feed")


def test_stay_life_cycle(marie, hospital, ward) -> None:  # type: ignore[no-untyped-def]
    stay = stay_admit(patient=marie, hospital=hospital, ward=ward, actor=FEED)
    assert stay.is_open
    stay = stay_discharge(stay=stay, actor=FEED)
    assert stay.status == StayStatus.DISCHARGED and stay.discharged_at is not None
    with pytest.raises(StayError):
        stay_discharge(stay=stay, actor=FEED)
    with pytest.raises(StayError):
        stay_cancel(stay=stay, actor=FEED)
    whats = list(AuditEvent.objects.filter(patient_id=marie.pk).values_list("what", flat=True))
    assert "stay" in whats and "stay-discharge" in whats


def test_cancel_and_wrong_places(marie, hospital) -> None:  # type: ignore[no-untyped-def]
    stay = stay_cancel(stay=stay_admit(patient=marie, hospital=hospital, actor=FEED), actor=FEED)
    assert stay.status == StayStatus.CANCELLED
    other_ward = OrganisationFactory(code="other-ward", type="ward")
    with pytest.raises(StayError):
        stay_admit(patient=marie, hospital=hospital, ward=other_ward, actor=FEED)
    with pytest.raises(StayError):
        stay_admit(patient=marie, hospital=other_ward, actor=FEED)
