"""Social screening: EPICES deprivation score and the Parcours psychosocial checklist."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from parcours.transitions.screening.base import Band, Instrument, Outcome, boolean, count_true

EPICES_INTERCEPT = Decimal("75.14")
EPICES_THRESHOLD = Decimal("30.17")
# Added to the intercept when the question is answered "oui" ([P]: see Epices).
EPICES_COEFFICIENTS = {
    "q1": Decimal("10.06"),
    "q2": Decimal("-11.83"),
    "q3": Decimal("-8.28"),
    "q4": Decimal("-8.28"),
    "q5": Decimal("14.80"),
    "q6": Decimal("-6.51"),
    "q7": Decimal("-7.10"),
    "q8": Decimal("-7.10"),
    "q9": Decimal("-9.47"),
    "q10": Decimal("-9.47"),
    "q11": Decimal("-7.10"),
}


class Epices(Instrument):
    """EPICES: 11 yes/no questions, a continuous deprivation score from 0.00 to 100.00.

    Validated: False. The questions, the 0–100 range and the 30.17 threshold are [V], but the
    coefficients are [P] in standards.md §1.7: recalled, not read in the BEH 2006 table. They
    pass the range checks (the favourable set gives 0.00, the unfavourable one 100.00), yet a
    swap inside a group of equal coefficients would go unnoticed. Computed in decimal and
    rounded to 2 decimals, so the published vectors come out exactly.
    """

    code = "epices"
    name = _("EPICES deprivation score")
    version = "1.0"
    citation = (
        "Sass C et al. Bull Epidémiol Hebd 2006;(14) — CETAF, Centres d'examens de santé "
        "de l'Assurance Maladie."
    )
    validated = False
    answer_keys = (
        boolean("q1", _("Do you sometimes meet a social worker?")),
        boolean("q2", _("Do you have complementary health insurance?")),
        boolean("q3", _("Do you live as a couple?")),
        boolean("q4", _("Do you own your home?")),
        boolean(
            "q5",
            _(
                "Are there times in the month when you have real financial difficulty meeting "
                "your needs (food, rent, electricity…)?"
            ),
        ),
        boolean("q6", _("Have you played any sport in the last 12 months?")),
        boolean("q7", _("Have you been to a show or performance in the last 12 months?")),
        boolean("q8", _("Have you been on holiday in the last 12 months?")),
        boolean(
            "q9",
            _(
                "In the last 6 months, have you been in contact with members of your family "
                "other than your parents or children?"
            ),
        ),
        boolean(
            "q10",
            _(
                "If you were in difficulty, is there anyone around you whom you could count on "
                "to put you up for a few days if needed?"
            ),
        ),
        boolean(
            "q11",
            _(
                "If you were in difficulty, is there anyone around you whom you could count on "
                "for material help?"
            ),
        ),
    )
    bands = (
        Band("not_precarious", _("Not precarious")),
        Band("precarious", _("Precarious")),
    )
    score_range = (0.0, 100.0)

    def compute(self, answers: Mapping[str, Any], thresholds: Mapping[str, int]) -> Outcome:
        total = EPICES_INTERCEPT + sum(
            (EPICES_COEFFICIENTS[key] for key, yes in answers.items() if yes), Decimal(0)
        )
        positive = total >= EPICES_THRESHOLD
        return Outcome(
            score=float(round(total, 2)),
            band="precarious" if positive else "not_precarious",
            positive=positive,
        )


class Psychosocial(Instrument):
    """The Parcours psychosocial checklist: fragility if any item is present.

    Validated: False. It is not a published instrument and is absent from standards.md: a
    project checklist of situations that call for a social worker's assessment, with no
    validated score or cut-off behind it.
    """

    code = "psychosocial"
    name = _("Psychosocial checklist")
    version = "1.0"
    citation = "Parcours project checklist (not a published, validated instrument)."
    validated = False
    answer_keys = (
        boolean("lives_alone", _("Lives alone")),
        boolean("no_regular_contact", _("No regular contact with family, friends or neighbours")),
        boolean(
            "psychosocial_vulnerability",
            _("Psychosocial vulnerability (isolation, mental health, addiction, insecurity)"),
        ),
        boolean("cannot_mobilise_network", _("Cannot mobilise a support network")),
        boolean("refused_help_before", _("Has refused help or care before")),
        boolean("caregiver_exhausted", _("Caregiver exhausted or at risk of exhaustion")),
        boolean("housing_unsuitable", _("Housing unsuitable for a return home")),
    )
    bands = (Band("none", _("No fragility found")), Band("fragile", _("Psychosocial fragility")))
    score_range = (0, 7)

    def compute(self, answers: Mapping[str, Any], thresholds: Mapping[str, int]) -> Outcome:
        score = count_true(answers)
        return Outcome(score=score, band="fragile" if score else "none", positive=score > 0)
