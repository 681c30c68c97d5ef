"""Geriatric screening at the emergency department or on admission: ISAR, TRST, ICOPE, CFS."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from django.utils.translation import gettext_lazy as _

from parcours.transitions.screening.base import (
    AnswerKey,
    AnswerType,
    Band,
    Choice,
    Instrument,
    Outcome,
    boolean,
    count_true,
)


class Isar(Instrument):
    """ISAR, Identification of Seniors At Risk: six yes/no items, one point each.

    Validated: True. Items, 0–6 scoring and the ≥ 2 cut-off are [V] in standards.md §1.1. What
    is only [P] (English wording, item order) does not change the score: items are stored by
    stable key and vision is asked as "impaired" so that yes always scores a point. The licence
    of the exact wording is unclear (see docs/screening.md); it does not affect scoring.
    """

    code = "isar"
    name = _("ISAR (Identification of Seniors At Risk)")
    version = "1.0"
    citation = "McCusker J et al. J Am Geriatr Soc 1999;47(10):1229-37."
    validated = True
    answer_keys = (
        boolean(
            "help_before",
            _(
                "Before this admission to the emergency department, did you need help at home "
                "on a regular basis?"
            ),
        ),
        boolean(
            "help_since",
            _(
                "Since the symptoms that brought you to the emergency department began, have you "
                "needed more help than usual?"
            ),
        ),
        boolean(
            "hospitalized_6m",
            _(
                "Have you been hospitalised for one or more nights during the past 6 months "
                "(excluding the emergency department)?"
            ),
        ),
        boolean("vision_impaired", _("Do you have problems with your eyesight?")),
        boolean("memory_problems", _("In general, do you have serious problems with your memory?")),
        boolean("polypharmacy", _("Do you take more than three different medications every day?")),
    )
    bands = (Band("low", _("Low risk")), Band("at_risk", _("At risk")))
    score_range = (0, 6)
    default_thresholds = MappingProxyType({"at_risk": 2})

    def compute(self, answers: Mapping[str, Any], thresholds: Mapping[str, int]) -> Outcome:
        score = count_true(answers)
        positive = score >= thresholds["at_risk"]
        return Outcome(score=score, band="at_risk" if positive else "low", positive=positive)


class Trst(Instrument):
    """TRST, Triage Risk Screening Tool: six risk factors; cognitive impairment alone is enough.

    Validated: False. The high-risk rule (cognitive impairment or ≥ 2 factors) is [V], but the
    item definitions — what counts as a recent ED visit or hospitalisation (30 / 90 days), the
    five-medication cut, what a professional concern covers — are [P] in standards.md §1.8
    (recalled, consistent with the abstracts), and they decide which items score.
    """

    code = "trst"
    name = _("TRST (Triage Risk Screening Tool)")
    version = "1.0"
    citation = (
        "Meldon SW et al. Acad Emerg Med 2003;10:224-232; "
        "high-risk rule: Hustey FM et al. J Am Geriatr Soc 2007;55:1269-74."
    )
    validated = False
    answer_keys = (
        boolean(
            "cognitive_impairment",
            _("Cognitive impairment (disorientation, diagnosed dementia or delirium)"),
        ),
        boolean("lives_alone_no_caregiver", _("Lives alone, or no caregiver available or able")),
        boolean(
            "walking_or_falls",
            _("Difficulty walking or with transfers, or fall(s) in the past 6 months"),
        ),
        boolean(
            "recent_ed_or_hospital",
            _(
                "Emergency department visit in the previous 30 days or hospitalisation in the "
                "previous 90 days"
            ),
        ),
        boolean("five_plus_medications", _("Takes five or more medications")),
        boolean(
            "professional_concern",
            _(
                "Professional concern (suspected abuse or neglect, substance abuse, medication "
                "non-adherence, problems with daily activities, other)"
            ),
        ),
    )
    bands = (Band("low", _("Low risk")), Band("high", _("High risk")))
    score_range = (0, 6)
    default_thresholds = MappingProxyType({"high": 2})

    def compute(self, answers: Mapping[str, Any], thresholds: Mapping[str, int]) -> Outcome:
        score = count_true(answers)
        positive = answers["cognitive_impairment"] or score >= thresholds["high"]
        return Outcome(score=score, band="high" if positive else "low", positive=positive)


ICOPE_DOMAINS = ("cognition", "mobility", "nutrition", "vision", "hearing", "depression")
CHAIR_RISE_LIMIT_SECONDS = 14


class IcopeStep1(Instrument):
    """WHO ICOPE step 1: six domains screened independently; any positive domain → step 2.

    Validated: False. The domains, tests and positive rules are [V] (standards.md §1.3), but the
    question wording and the "more than 3 kg over 3 months" weight-loss threshold are [P]
    (recalled from the WHO handbook, not read), and the threshold decides the nutrition domain.
    """

    code = "icope_step1"
    name = _("WHO ICOPE step 1 screening")
    version = "1.0"
    citation = "World Health Organization. Integrated Care for Older People (ICOPE) handbook, 2019."
    validated = False
    answer_keys = (
        boolean(
            "recall_all_three_words",
            _("Recalls all three words (e.g. flower, door, rice) at the end of the test"),
        ),
        boolean(
            "orientation_correct",
            _("Answers both orientation questions correctly (full date today, where they are now)"),
        ),
        AnswerKey(
            key="chair_rise_seconds",
            type=AnswerType.NUMBER,
            label=_(
                "Seconds taken to rise from a chair five times without using the arms "
                "(empty if unable)"
            ),
            minimum=0,
            exclusive_minimum=True,
            nullable=True,
            unit="s",
        ),
        boolean(
            "weight_loss_3kg_3m",
            _("Has unintentionally lost more than 3 kg over the last three months"),
        ),
        boolean("appetite_loss", _("Has experienced loss of appetite")),
        boolean(
            "vision_problem",
            _(
                "Has problems with the eyes: difficulty seeing far or reading, eye disease, or "
                "currently under medical treatment (e.g. diabetes, high blood pressure)"
            ),
        ),
        boolean("whisper_test_failed", _("Fails the whispered-voice test")),
        boolean(
            "feeling_down",
            _("Over the past two weeks, has been bothered by feeling down, depressed or hopeless"),
        ),
        boolean(
            "little_interest",
            _(
                "Over the past two weeks, has been bothered by little interest or pleasure in "
                "doing things"
            ),
        ),
    )
    bands = (
        Band("no_domain", _("No domain to assess further")),
        Band("refer_step2", _("Refer to step 2 (person-centred assessment)")),
    )
    score_range = (0, len(ICOPE_DOMAINS))

    def compute(self, answers: Mapping[str, Any], thresholds: Mapping[str, int]) -> Outcome:
        seconds = answers["chair_rise_seconds"]
        domains = {
            "cognition": not (answers["recall_all_three_words"] and answers["orientation_correct"]),
            "mobility": seconds is None or seconds > CHAIR_RISE_LIMIT_SECONDS,
            "nutrition": answers["weight_loss_3kg_3m"] or answers["appetite_loss"],
            "vision": answers["vision_problem"],
            "hearing": answers["whisper_test_failed"],
            "depression": answers["feeling_down"] or answers["little_interest"],
        }
        score = sum(domains.values())
        positive = score > 0
        return Outcome(
            score=score,
            band="refer_step2" if positive else "no_domain",
            positive=positive,
            details={domain: bool(domains[domain]) for domain in ICOPE_DOMAINS},
        )


# Level names of the classic 9-point scale ([V]); the scale's descriptions are copyrighted
# (Dalhousie University) and are deliberately not reproduced.
CFS_LEVELS = (
    Choice(1, "very_fit", _("Very fit")),
    Choice(2, "well", _("Well")),
    Choice(3, "managing_well", _("Managing well")),
    Choice(4, "vulnerable", _("Vulnerable")),
    Choice(5, "mildly_frail", _("Mildly frail")),
    Choice(6, "moderately_frail", _("Moderately frail")),
    Choice(7, "severely_frail", _("Severely frail")),
    Choice(8, "very_severely_frail", _("Very severely frail")),
    Choice(9, "terminally_ill", _("Terminally ill")),
)
CFS_FRAIL_FROM = 5


class ClinicalFrailtyScale(Instrument):
    """Clinical Frailty Scale (9 levels): the clinician's rating of the baseline state.

    Only the level and its short name are stored, never the copyrighted level descriptions.
    Validated: False. The level names are [V], but the decision rule "CFS ≥ 5 = frail", which
    sets `positive`, is [P] in standards.md §1.4 ("usual cut-off").
    """

    code = "cfs"
    name = _("Clinical Frailty Scale")
    version = "1.0"
    citation = (
        "Rockwood K et al. CMAJ 2005;173(5):489 (9-point version); "
        "Rockwood K, Theou O. Can Geriatr J 2020;23(3):210-215. "
        "© Dalhousie University, used with permission only."
    )
    validated = False
    answer_keys = (
        AnswerKey(
            key="level",
            type=AnswerType.INTEGER,
            label=_(
                "Clinical Frailty Scale level (1 to 9), baseline state before the acute illness"
            ),
            minimum=1,
            maximum=9,
            choices=CFS_LEVELS,
        ),
    )
    bands = (
        Band("fit", _("Fit")),
        Band("vulnerable", _("Vulnerable")),
        Band("frail", _("Frail")),
        Band("terminally_ill", _("Terminally ill")),
    )
    score_range = (1, 9)

    def compute(self, answers: Mapping[str, Any], thresholds: Mapping[str, int]) -> Outcome:
        level: int = answers["level"]
        if level <= 3:
            band = "fit"
        elif level == 4:
            band = "vulnerable"
        elif level <= 8:
            band = "frail"
        else:
            band = "terminally_ill"
        name = next(choice.code for choice in CFS_LEVELS if choice.value == level)
        return Outcome(
            score=level, band=band, positive=level >= CFS_FRAIL_FROM, details={"level_name": name}
        )
