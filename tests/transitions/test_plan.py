"""The discharge plan: protocol items and their due dates, expected-discharge changes, the
follow-up created at discharge, status changes and the referent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from parcours.messaging.models import Notification
from parcours.patients.access import PatientNotFound, Purpose, access_patient
from parcours.transitions.actions import (
    StayError,
    StayForbidden,
    stay_admit,
    stay_cancel,
    stay_discharge,
    stay_expected_discharge_set,
    stay_plan_item_add,
    stay_plan_item_set_status,
    stay_referent_assign,
    stay_reopen,
    stay_start,
    stay_transfer,
)
from parcours.transitions.models import (
    Destination,
    PlanItemSource,
    PlanItemStatus,
    StayEventKind,
    StayStatus,
)
from tests.transitions.conftest import ADMITTED, EXPECTED, FEED

pytestmark = pytest.mark.django_db


def items_by_code(stay):  # type: ignore[no-untyped-def]
    return {item.code: item for item in stay.plan_items.exclude(status=PlanItemStatus.CANCELLED)}


def test_admission_plans_the_hospital_protocol_with_due_dates(  # type: ignore[no-untyped-def]
    marie, hospital, hospital_protocol
) -> None:
    stay = stay_admit(
        patient=marie,
        hospital=hospital,
        admitted_at=ADMITTED,
        expected_discharge_at=EXPECTED,
        actor=FEED,
    )
    items = items_by_code(stay)
    assert set(items) == {
        "fragility-screening",
        "gp-informed",
        "home-needs",
        "discharge-medication",
        "liaison-letter",
    }
    assert items["fragility-screening"].due_at == ADMITTED + timedelta(days=1)
    # Negative offsets count back from the expected discharge.
    assert items["home-needs"].due_at == EXPECTED - timedelta(days=3)
    assert items["liaison-letter"].due_at == EXPECTED - timedelta(days=1)
    assert all(item.source == PlanItemSource.PROTOCOL for item in items.values())
    assert all(item.protocol_item is not None for item in items.values())
    assert list(stay.events.values_list("kind", flat=True)) == [StayEventKind.ADMITTED]


def test_ward_protocol_wins_over_the_hospital_protocol(  # type: ignore[no-untyped-def]
    marie, hospital, ward, ward_protocol
) -> None:
    in_ward = stay_admit(patient=marie, hospital=hospital, ward=ward, actor=FEED)
    assert "geriatric-assessment" in items_by_code(in_ward)
    assert all(i.protocol_item.protocol_id == ward_protocol.pk for i in in_ward.plan_items.all())


def test_no_protocol_no_items(marie, hospital) -> None:  # type: ignore[no-untyped-def]
    stay = stay_admit(patient=marie, hospital=hospital, actor=FEED)
    assert not stay.plan_items.exists()


def test_expected_discharge_moves_open_items_only(  # type: ignore[no-untyped-def]
    marie, hospital, hospital_protocol, manage
) -> None:
    stay = stay_admit(patient=marie, hospital=hospital, admitted_at=ADMITTED, actor=FEED)
    items = items_by_code(stay)
    assert items["home-needs"].due_at is None  # the anchor is not known yet
    stay_plan_item_set_status(access=manage, item=items["liaison-letter"], status="done")
    stay_expected_discharge_set(stay=stay, expected_discharge_at=EXPECTED, actor=FEED)
    items = items_by_code(stay)
    assert items["home-needs"].due_at == EXPECTED - timedelta(days=3)
    assert items["liaison-letter"].due_at is None  # done: left as it was
    later = EXPECTED + timedelta(days=2)
    stay_expected_discharge_set(stay=stay, expected_discharge_at=later, actor=FEED)
    assert items_by_code(stay)["home-needs"].due_at == later - timedelta(days=3)
    assert items_by_code(stay)["fragility-screening"].due_at == ADMITTED + timedelta(days=1)
    event = stay.events.filter(kind=StayEventKind.EXPECTED_DISCHARGE).last()
    assert event is not None and event.detail["to"] == later.isoformat()
    with pytest.raises(StayError):
        stay_expected_discharge_set(
            stay=stay, expected_discharge_at=ADMITTED - timedelta(days=1), actor=FEED
        )


def test_discharge_creates_the_follow_up(marie, hospital, hospital_protocol) -> None:  # type: ignore[no-untyped-def]
    stay = stay_admit(
        patient=marie,
        hospital=hospital,
        admitted_at=ADMITTED,
        expected_discharge_at=EXPECTED,
        actor=FEED,
    )
    assert "day-2-call" not in items_by_code(stay)
    left = EXPECTED + timedelta(hours=1)
    stay = stay_discharge(
        stay=stay,
        actor=FEED,
        discharged_at=left,
        destination=Destination.HOME_WITH_SERVICES,
        discharge_disposition="01",
    )
    assert stay.status == StayStatus.DISCHARGED
    assert stay.destination == "home_with_services" and stay.discharge_disposition == "01"
    items = items_by_code(stay)
    assert items["day-2-call"].due_at == left + timedelta(days=2)
    assert items["first-nurse-visit"].due_at == left + timedelta(days=1)
    assert items["gp-visit-7d"].due_at == left + timedelta(days=7)
    assert items["medication-reconciliation"].due_at == left + timedelta(days=3)
    assert items["day-30-check"].due_at == left + timedelta(days=30)
    assert items["day-2-call"].phase == "after_discharge"
    # Reopening cancels the follow-up; a new discharge plans it again, once.
    stay = stay_reopen(stay=stay, actor=FEED)
    assert "day-2-call" not in items_by_code(stay)
    stay = stay_discharge(stay=stay, actor=FEED, discharged_at=left + timedelta(days=1))
    assert stay.plan_items.filter(code="day-2-call", status=PlanItemStatus.TODO).count() == 1
    kinds = list(stay.events.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["admitted", "discharged", "reopened", "discharged"]


def test_death_plans_no_follow_up(marie, hospital, hospital_protocol) -> None:  # type: ignore[no-untyped-def]
    stay = stay_admit(patient=marie, hospital=hospital, admitted_at=ADMITTED, actor=FEED)
    stay = stay_discharge(stay=stay, actor=FEED, destination=Destination.DECEASED)
    assert not stay.plan_items.filter(phase="after_discharge").exists()
    with pytest.raises(StayError):
        stay_discharge(stay=stay, actor=FEED)


def test_planned_admission_starts_later(marie, hospital, ward, hospital_protocol) -> None:  # type: ignore[no-untyped-def]
    stay = stay_admit(
        patient=marie, hospital=hospital, admitted_at=ADMITTED, planned=True, actor=FEED
    )
    assert stay.status == StayStatus.PLANNED
    assert items_by_code(stay)["gp-informed"].due_at == ADMITTED + timedelta(days=1)
    real = ADMITTED + timedelta(days=2)
    stay = stay_start(stay=stay, actor=FEED, admitted_at=real, ward=ward)
    assert stay.status == StayStatus.OPEN and stay.ward == ward
    assert items_by_code(stay)["gp-informed"].due_at == real + timedelta(days=1)
    stay_transfer(stay=stay, ward=None, actor=FEED)
    stay = stay_cancel(stay=stay, actor=FEED)
    assert not stay.plan_items.filter(status=PlanItemStatus.TODO).exists()
    kinds = list(stay.events.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["planned", "admitted", "transferred", "cancelled"]


def test_status_changes(marie, hospital, hospital_protocol, manage, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    stay = stay_admit(patient=marie, hospital=hospital, actor=FEED)
    item = items_by_code(stay)["gp-informed"]
    item = stay_plan_item_set_status(access=manage, item=item, status="done", note="Appelé")
    assert item.status == PlanItemStatus.DONE and item.done_by == nurse_claire
    assert item.done_at is not None and item.note == "Appelé"
    item = stay_plan_item_set_status(access=manage, item=item, status="not_applicable")
    assert item.done_at is None and item.done_by is None and item.note == "Appelé"
    item = stay_plan_item_set_status(access=manage, item=item, status="todo")
    assert item.is_open
    with pytest.raises(StayError):
        stay_plan_item_set_status(access=manage, item=item, status="finished")


def test_manual_item(marie, hospital, manage, referent_nadia) -> None:  # type: ignore[no-untyped-def]
    stay = stay_admit(patient=marie, hospital=hospital, actor=FEED)
    item = stay_plan_item_add(
        access=manage, stay=stay, label="Commander un lit médicalisé", owner=referent_nadia
    )
    assert item.source == PlanItemSource.MANUAL and item.display_label
    assert Notification.objects.filter(recipient=referent_nadia, kind="stay.plan_item_assigned")
    with pytest.raises(StayError):
        stay_plan_item_add(access=manage, stay=stay, label="  ")


def test_referent_assignment_notifies_the_referent(  # type: ignore[no-untyped-def]
    marie, hospital, manage, referent_nadia, other_hospital_nurse
) -> None:
    stay = stay_admit(patient=marie, hospital=hospital, actor=FEED)
    stay = stay_referent_assign(access=manage, stay=stay, referent=referent_nadia)
    assert stay.referent == referent_nadia
    notification = Notification.objects.get(recipient=referent_nadia)
    assert notification.kind == "stay.referent_assigned"
    assert notification.link == f"/stays/{stay.pk}/"
    assert notification.patient_id == marie.pk
    assert stay.events.filter(kind=StayEventKind.REFERENT).count() == 1
    # Assigning the same referent again changes nothing and tells nobody twice.
    stay_referent_assign(access=manage, stay=stay, referent=referent_nadia)
    assert Notification.objects.filter(recipient=referent_nadia).count() == 1
    with pytest.raises(StayError):
        stay_referent_assign(access=manage, stay=stay, referent=other_hospital_nurse)


def test_other_hospital_cannot_reach_the_stay(  # type: ignore[no-untyped-def]
    marie, hospital, hospital_protocol, other_hospital_nurse, outsider
) -> None:
    stay_admit(patient=marie, hospital=hospital, actor=FEED)
    for user in (other_hospital_nurse, outsider):
        with pytest.raises(PatientNotFound):
            access_patient(user, marie.pk, purpose=Purpose.TREATMENT)


def test_circle_member_cannot_change_the_hospital_plan(  # type: ignore[no-untyped-def]
    marie, hospital, hospital_protocol, manage, luc
) -> None:
    from parcours.patients.actions import MemberInput, circle_member_add
    from parcours.patients.models import MemberRole
    from tests.patients.conftest import professional_for

    professional = professional_for(luc, "gp", luc.memberships.first().organisation)
    circle_member_add(
        access=manage, member=MemberInput(role=MemberRole.GP, professional=professional)
    )
    stay = stay_admit(patient=marie, hospital=hospital, actor=FEED)
    gp = access_patient(luc, marie.pk, purpose=Purpose.TREATMENT)
    with pytest.raises(StayForbidden):
        stay_plan_item_set_status(
            access=gp, item=items_by_code(stay)["liaison-letter"], status="done"
        )
    # The GP visit after discharge is the GP's to tick.
    stay = stay_discharge(stay=stay, actor=FEED)
    item = stay_plan_item_set_status(
        access=gp, item=items_by_code(stay)["gp-visit-7d"], status="done"
    )
    assert item.done_by == luc
