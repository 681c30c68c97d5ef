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


def test_a_planned_stay_begins_with_its_admitting_physician(  # type: ignore[no-untyped-def]
    marie, hospital, ward
) -> None:
    from parcours.directory.models import Professional
    from parcours.transitions.actions import stay_start

    doctor = Professional.objects.create(
        given_name="Sophie", family_name="Lambert", profession="specialist", riziv="11234567004"
    )
    planned = stay_admit(
        patient=marie, hospital=hospital, actor=FEED, planned=True, admitting_physician_name="Dr X"
    )
    started = stay_start(stay=planned, actor=FEED, ward=ward, admitting_physician=doctor)
    started.refresh_from_db()
    assert started.is_open and started.admitting_physician == doctor
    assert started.admitting_physician_name == ""
    kept = stay_start(
        stay=stay_admit(
            patient=marie, hospital=hospital, actor=FEED, planned=True, admitting_physician=doctor
        ),
        actor=FEED,
    )
    kept.refresh_from_db()
    assert kept.admitting_physician == doctor  # none given: the planned one stays


def test_admitting_physician_set_leaves_an_event(marie, hospital) -> None:  # type: ignore[no-untyped-def]
    from parcours.transitions.actions import stay_admitting_physician_set

    stay = stay_admit(patient=marie, hospital=hospital, actor=FEED, admitting_physician_name="Dr A")
    stay = stay_admitting_physician_set(stay=stay, actor=FEED, admitting_physician_name="Dr B")
    assert stay.admitting_physician_name == "Dr B"
    stay_admitting_physician_set(stay=stay, actor=FEED, admitting_physician_name="Dr B")  # same
    events = list(stay.events.filter(kind="physician").values_list("detail", flat=True))
    assert events == [{"from": "Dr A", "to": "Dr B"}]
    assert AuditEvent.objects.filter(what="stay-admitting-physician").count() == 1
    stay_discharge(stay=stay, actor=FEED)
    with pytest.raises(StayError):
        stay_admitting_physician_set(stay=stay, actor=FEED, admitting_physician_name="Dr C")


def test_transfer_detail_and_reopen_clears_the_destination(  # type: ignore[no-untyped-def]
    marie, hospital, ward
) -> None:
    from parcours.transitions.actions import stay_reopen, stay_transfer

    stay = stay_admit(patient=marie, hospital=hospital, actor=FEED)
    stay_transfer(stay=stay, ward=ward, actor=FEED, detail={"cancels_transfer": True})
    event = stay.events.get(kind="transferred")
    assert event.detail == {"cancels_transfer": True, "from": None}
    stay = stay_discharge(
        stay=stay, actor=FEED, destination="nursing_home", discharge_disposition="03"
    )
    stay = stay_reopen(stay=stay, actor=FEED)
    stay.refresh_from_db()
    assert stay.is_open and (stay.destination, stay.discharge_disposition) == ("", "")
    reopened = stay.events.get(kind="reopened")
    assert reopened.detail == {"destination": "nursing_home", "disposition": "03"}
