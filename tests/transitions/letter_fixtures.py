"""Fixtures for the liaison letter: Marie's stay (story 1) with a draft and screenings, and the
circle of the transmissions tests (GP, home nurse, home-help service, Jan, an excluded GP).

Test modules import them with `from tests.transitions.letter_fixtures import *`.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parcours.patients.access import Purpose, access_patient
from parcours.transitions.actions import screening_record, stay_admit
from parcours.transitions.letter_actions import liaison_letter_draft_save
from parcours.transitions.protocols import liaison_protocol_install_default
from tests.messaging.transmission_fixtures import (
    circle,
    excluded_gp,
    gp_luc,
    home_help,
    home_nurse,
    manage,
    marie,
    marie_circle,
    nurse_claire,
    outsider,
)
from tests.transitions.conftest import FEED

__all__ = [
    "CARE",
    "DIAGNOSIS",
    "MEDICATION",
    "PLAIN_SUMMARY",
    "PRACTICAL",
    "circle",
    "deadline",
    "excluded_gp",
    "gp_luc",
    "home_help",
    "home_nurse",
    "manage",
    "marie",
    "marie_circle",
    "nurse_claire",
    "outsider",
    "stay",
    "team_access",
]

DIAGNOSIS = "Fracture du col du fémur gauche"
MEDICATION = "Furosémide 40 mg arrêté"
CARE = "Pansement de la cicatrice tous les deux jours"
PRACTICAL = "Les clés sont chez la voisine du 2e étage"
PLAIN_SUMMARY = "Vous êtes tombée chez vous; la hanche a été opérée"


@pytest.fixture
def team_access(nurse_claire, marie, circle):  # type: ignore[no-untyped-def]
    return access_patient(nurse_claire, marie.pk, purpose=Purpose.TREATMENT)


@pytest.fixture
def stay(hospital, nurse_claire, marie, circle):  # type: ignore[no-untyped-def]
    """Marie's open stay: admitted three days ago, going home in two, screened, with a draft."""
    liaison_protocol_install_default(hospital=hospital, actor=FEED, name="CHU Test")
    now = timezone.now()
    stay = stay_admit(
        patient=marie,
        hospital=hospital,
        admitted_at=now - timedelta(days=3),
        expected_discharge_at=now + timedelta(days=2),
        actor=FEED,
        admitting_physician_name="Dr Anne Lefèvre",
    )
    access = access_patient(nurse_claire, marie.pk, purpose=Purpose.TREATMENT)
    screening_record(
        access=access,
        stay=stay,
        instrument="isar",
        answers={
            "help_before": True,
            "help_since": True,
            "hospitalized_6m": False,
            "vision_impaired": True,
            "memory_problems": False,
            "polypharmacy": True,
        },
    )
    liaison_letter_draft_save(
        access=access,
        stay=stay,
        reason=DIAGNOSIS,
        care_instructions=CARE,
        medication_changes=MEDICATION,
        non_medical_notes=PRACTICAL,
        plain_summary=PLAIN_SUMMARY,
    )
    stay.refresh_from_db()
    return stay


@pytest.fixture
def deadline():  # type: ignore[no-untyped-def]
    return timezone.now() + timedelta(days=1)
