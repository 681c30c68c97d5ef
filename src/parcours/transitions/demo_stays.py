"""Story 1 on the demo stays (after the demo patients): Marie Peeters' stay in geriatrics is
screened (ISAR 4, psychosocial "lives alone", ICOPE mobility and nutrition positive), her
complex-pathway referent is named and her discharge is planned for Friday 17:00. Idempotent:
a stay that already has screenings is left alone.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from parcours.demo import DemoContext
from parcours.patients.access import Purpose, access_patient
from parcours.patients.models import PatientIdentifier
from parcours.transitions.actions import (
    screening_record,
    stay_expected_discharge_set,
    stay_plan_item_set_status,
    stay_referent_assign,
)
from parcours.transitions.models import PlanItemStatus, Stay, StayStatus

FRIDAY = 4

ANSWERS: dict[str, dict[str, object]] = {
    "isar": {
        "help_before": True,
        "help_since": True,
        "hospitalized_6m": False,
        "vision_impaired": True,
        "memory_problems": False,
        "polypharmacy": True,
    },
    "psychosocial": {
        "lives_alone": True,
        "no_regular_contact": False,
        "psychosocial_vulnerability": False,
        "cannot_mobilise_network": False,
        "refused_help_before": False,
        "caregiver_exhausted": False,
        "housing_unsuitable": True,
    },
    "icope_step1": {
        "recall_all_three_words": True,
        "orientation_correct": True,
        "chair_rise_seconds": 19.5,
        "weight_loss_3kg_3m": True,
        "appetite_loss": True,
        "vision_problem": False,
        "whisper_test_failed": False,
        "feeling_down": False,
        "little_interest": False,
    },
}


def next_friday_afternoon() -> datetime:
    now = timezone.localtime()
    days = (FRIDAY - now.weekday()) % 7 or 7
    day = now.date() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(17, 0)))


def load(context: DemoContext) -> None:
    identifier = PatientIdentifier.objects.filter(
        system="be-niss", patient__family_name="Peeters", patient__given_name="Marie"
    ).first()
    stay = (
        Stay.objects.filter(patient_id=identifier.patient_id, status=StayStatus.OPEN).first()
        if identifier
        else None
    )
    if stay is None or stay.screenings.exists():
        context.log("  story 1 stay: nothing to do")
        return
    nurse = context.get("user:demo-liaison")
    access = access_patient(nurse, stay.patient_id, purpose=Purpose.TREATMENT)
    for code, answers in ANSWERS.items():
        screening_record(access=access, stay=stay, instrument=code, answers=answers)
    stay_referent_assign(access=access, stay=stay, referent=context.get("user:demo-referent"))
    stay_expected_discharge_set(
        stay=stay, expected_discharge_at=next_friday_afternoon(), actor=access.actor
    )
    for item in stay.plan_items.filter(code__in=["fragility-screening", "gp-informed"]):
        stay_plan_item_set_status(access=access, item=item, status=PlanItemStatus.DONE)
    context.log(f"  story 1 stay: {stay.plan_items.count()} plan items")
