"""Story 1 (scenarios.md), the part this area carries, through the public actions: Marie is
admitted to geriatrics, screened positive, gets a referent, her Friday 17:00 discharge is flagged,
and the day-2 call is planned from her discharge."""

from __future__ import annotations

from datetime import timedelta

import pytest

from parcours.messaging.models import Notification
from parcours.transitions.actions import (
    screening_record,
    stay_admit,
    stay_discharge,
    stay_expected_discharge_set,
    stay_plan_item_set_status,
    stay_referent_assign,
)
from parcours.transitions.models import Destination, PlanItemStatus
from tests.transitions.conftest import ADMITTED, EXPECTED, FEED

pytestmark = pytest.mark.django_db


def test_story_1_discharge_plan(  # type: ignore[no-untyped-def]
    marie, hospital, ward, ward_protocol, manage, referent_nadia
) -> None:
    # Tuesday: the HL7 feed opens the stay in geriatrics.
    stay = stay_admit(patient=marie, hospital=hospital, ward=ward, admitted_at=ADMITTED, actor=FEED)
    assert stay.plan_items.filter(code="geriatric-assessment").exists()  # the ward's protocol
    # Wednesday: ISAR 4, psychosocial "lives alone", ICOPE mobility and nutrition positive.
    wednesday = ADMITTED + timedelta(days=1)
    isar, _ = screening_record(
        access=manage,
        stay=stay,
        instrument="isar",
        recorded_at=wednesday,
        answers={
            "help_before": True,
            "help_since": True,
            "hospitalized_6m": False,
            "vision_impaired": True,
            "memory_problems": False,
            "polypharmacy": True,
        },
    )
    assert isar.score == 4 and isar.positive
    _, added = screening_record(
        access=manage,
        stay=stay,
        instrument="psychosocial",
        recorded_at=wednesday,
        answers={
            "lives_alone": True,
            "no_regular_contact": False,
            "psychosocial_vulnerability": False,
            "cannot_mobilise_network": False,
            "refused_help_before": False,
            "caregiver_exhausted": False,
            "housing_unsuitable": False,
        },
    )
    assert {item.code for item in added} == {"home-help-referral", "day-2-call"}
    # The geriatric ward's complex-pathway referent is named and told.
    stay_referent_assign(access=manage, stay=stay, referent=referent_nadia)
    assert Notification.objects.filter(recipient=referent_nadia).exists()
    # Discharge planned for Friday 17:00: the weekend guard rises.
    stay = stay_expected_discharge_set(stay=stay, expected_discharge_at=EXPECTED, actor=FEED)
    assert stay.is_weekend_or_friday_afternoon_discharge
    home_help = stay.plan_items.get(code="home-help-referral")
    assert home_help.due_at == EXPECTED - timedelta(days=2)  # Wednesday, before the weekend
    stay_plan_item_set_status(access=manage, item=home_help, status=PlanItemStatus.DONE)
    # She leaves Friday 17:00; the day-2 call falls on Sunday, one task only.
    stay = stay_discharge(
        stay=stay, actor=FEED, discharged_at=EXPECTED, destination=Destination.HOME_WITH_SERVICES
    )
    day2 = stay.plan_items.get(code="day-2-call", status=PlanItemStatus.TODO)
    assert day2.due_at == EXPECTED + timedelta(days=2)
    assert day2.responsible_role == "home_care_coordinator"
    assert stay.plan_items.filter(phase="after_discharge", code="gp-visit-7d").exists()
