"""Readmission risk at discharge: LACE index and HOSPITAL score."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from django.utils.translation import gettext_lazy as _

from parcours.transitions.screening.base import (
    AnswerKey,
    AnswerType,
    Band,
    Instrument,
    Outcome,
    boolean,
    count,
)


def three_bands(score: int, thresholds: Mapping[str, int], names: tuple[str, str, str]) -> str:
    low, middle, high = names
    if score >= thresholds[high]:
        return high
    if score >= thresholds[middle]:
        return middle
    return low


def lace_length_of_stay_points(days: int) -> int:
    if days < 4:
        return days  # < 1 → 0, 1 → 1, 2 → 2, 3 → 3
    if days <= 6:
        return 4
    if days <= 13:
        return 5
    return 7


def lace_comorbidity_points(charlson: int) -> int:
    return 5 if charlson >= 4 else charlson


class Lace(Instrument):
    """LACE index (original CMAJ 2010 version, 0–19): death or unplanned readmission at 30 days.

    Validated: True. The L, A, C and E point tables, the 0–19 range, the bands and the ≥ 10
    cut-off are [V] in standards.md §1.5. The Charlson weights ([P], AIDS [U]) are not used
    here: the Charlson index is an answer, computed by the clinician or the hospital system.
    This is the original version (L = 7 for ≥ 14 days, C = 5 for ≥ 4), not the "modified LACE".
    """

    code = "lace"
    name = _("LACE index")
    version = "1.0"
    citation = "van Walraven C et al. CMAJ 2010;182(6):551-557."
    validated = True
    answer_keys = (
        count(
            "length_of_stay_days",
            _("Length of stay in days, counting the admission and discharge days"),
            unit="d",
        ),
        boolean(
            "emergent_admission",
            _("Emergent admission (not elective, through the emergency department)"),
        ),
        count("charlson_index", _("Charlson comorbidity index")),
        count(
            "ed_visits_6m",
            _(
                "Emergency department visits in the 6 months before admission (not counting "
                "the visit that led to this admission)"
            ),
        ),
    )
    bands = (
        Band("low", _("Low risk")),
        Band("moderate", _("Moderate risk")),
        Band("high", _("High risk")),
    )
    score_range = (0, 19)
    default_thresholds = MappingProxyType({"moderate": 5, "high": 10})

    def compute(self, answers: Mapping[str, Any], thresholds: Mapping[str, int]) -> Outcome:
        details = {
            "length_of_stay": lace_length_of_stay_points(answers["length_of_stay_days"]),
            "acuity": 3 if answers["emergent_admission"] else 0,
            "comorbidity": lace_comorbidity_points(answers["charlson_index"]),
            "emergency_visits": min(answers["ed_visits_6m"], 4),
        }
        score = sum(details.values())
        band = three_bands(score, thresholds, ("low", "moderate", "high"))
        return Outcome(score=score, band=band, positive=band == "high", details=details)


HEMOGLOBIN_LOW_G_DL = 12
SODIUM_LOW_MMOL_L = 135


def hospital_admission_points(admissions: int) -> int:
    if admissions <= 1:
        return 0
    if admissions <= 5:
        return 2
    return 5


class Hospital(Instrument):
    """HOSPITAL score (0–13): potentially avoidable readmission at 30 days, medical patients.

    Validated: True. Items, points and bands are [V] in standards.md §1.6 (admissions 0–1 / 2–5
    / > 5, length of stay ≥ 5 days as in the original). Haemoglobin must be in g/dL and sodium
    in mmol/L: values outside plausible limits (haemoglobin above 25 g/dL — likely g/L —,
    sodium outside 80–200 mmol/L) are rejected rather than scored.
    """

    code = "hospital"
    name = _("HOSPITAL score")
    version = "1.0"
    citation = (
        "Donzé J et al. JAMA Intern Med 2013;173(8):632-638; "
        "validation: JAMA Intern Med 2016;176(4):496-502."
    )
    validated = True
    answer_keys = (
        AnswerKey(
            key="hemoglobin_g_dl",
            type=AnswerType.NUMBER,
            label=_("Haemoglobin at discharge (g/dL)"),
            minimum=0,
            exclusive_minimum=True,
            maximum=25,
            unit="g/dL",
        ),
        boolean("oncology_discharge", _("Discharge from an oncology service")),
        AnswerKey(
            key="sodium_mmol_l",
            type=AnswerType.NUMBER,
            label=_("Sodium at discharge (mmol/L)"),
            minimum=80,
            maximum=200,
            unit="mmol/L",
        ),
        boolean("procedure_during_stay", _("Procedure (any coded procedure) during the stay")),
        boolean("urgent_admission", _("Urgent or emergent (non-elective) index admission")),
        count("admissions_12m", _("Hospital admissions in the previous 12 months")),
        count("length_of_stay_days", _("Length of stay in days"), unit="d"),
    )
    bands = (
        Band("low", _("Low risk")),
        Band("intermediate", _("Intermediate risk")),
        Band("high", _("High risk")),
    )
    score_range = (0, 13)
    default_thresholds = MappingProxyType({"intermediate": 5, "high": 7})

    def compute(self, answers: Mapping[str, Any], thresholds: Mapping[str, int]) -> Outcome:
        details = {
            "hemoglobin": 1 if answers["hemoglobin_g_dl"] < HEMOGLOBIN_LOW_G_DL else 0,
            "oncology": 2 if answers["oncology_discharge"] else 0,
            "sodium": 1 if answers["sodium_mmol_l"] < SODIUM_LOW_MMOL_L else 0,
            "procedure": 1 if answers["procedure_during_stay"] else 0,
            "index_admission_type": 1 if answers["urgent_admission"] else 0,
            "admissions": hospital_admission_points(answers["admissions_12m"]),
            "length_of_stay": 2 if answers["length_of_stay_days"] >= 5 else 0,
        }
        score = sum(details.values())
        band = three_bands(score, thresholds, ("low", "intermediate", "high"))
        return Outcome(score=score, band=band, positive=band == "high", details=details)
