"""Screening instruments: the worked examples of standards.md §1, strict answers, thresholds."""

from __future__ import annotations

import math
from typing import Any

import pytest
from django.utils import translation

from parcours.transitions.screening import (
    INSTRUMENTS,
    IncompleteAnswers,
    InvalidThresholds,
    ScreeningConfig,
)


def answers_for(code: str, value: bool = False, **overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = dict.fromkeys(INSTRUMENTS[code].keys, value)
    answers.update(overrides)
    return answers


def score(code: str, answers: dict[str, Any], **kwargs: Any):  # type: ignore[no-untyped-def]
    return INSTRUMENTS[code].score(answers, **kwargs)


LACE_EXAMPLE = {
    "length_of_stay_days": 8,
    "emergent_admission": True,
    "charlson_index": 2,
    "ed_visits_6m": 1,
}
HOSPITAL_NONE = {
    "hemoglobin_g_dl": 13.5,
    "oncology_discharge": False,
    "sodium_mmol_l": 140,
    "procedure_during_stay": False,
    "urgent_admission": False,
    "admissions_12m": 0,
    "length_of_stay_days": 2,
}
ICOPE_NONE = {
    "recall_all_three_words": True,
    "orientation_correct": True,
    "chair_rise_seconds": 10.2,
    "weight_loss_3kg_3m": False,
    "appetite_loss": False,
    "vision_problem": False,
    "whisper_test_failed": False,
    "feeling_down": False,
    "little_interest": False,
}
EPICES_FAVOURABLE = {
    "q1": False,
    "q2": True,
    "q3": True,
    "q4": True,
    "q5": False,
    **{f"q{n}": True for n in range(6, 12)},
}


# ISAR


def test_isar_counts_yes_answers_and_is_at_risk_from_two() -> None:
    assert (score("isar", answers_for("isar")).score, score("isar", answers_for("isar")).band) == (
        0,
        "low",
    )
    one = score("isar", answers_for("isar", memory_problems=True))
    assert (one.score, one.band, one.positive) == (1, "low", False)
    two = score("isar", answers_for("isar", help_before=True, polypharmacy=True))
    assert (two.score, two.band, two.positive) == (2, "at_risk", True)
    every = score("isar", answers_for("isar", True))
    assert (every.score, every.band) == (6, "at_risk")


def test_isar_threshold_is_configurable_per_hospital() -> None:
    two = answers_for("isar", help_before=True, vision_impaired=True)
    assert score("isar", two, thresholds={"at_risk": 3}).band == "low"
    result = score("isar", answers_for("isar", True, help_since=False), thresholds={"at_risk": 3})
    assert (result.band, result.positive, dict(result.thresholds)) == (
        "at_risk",
        True,
        {"at_risk": 3},
    )


# TRST


def test_trst_cognitive_impairment_alone_is_high_risk() -> None:
    result = score("trst", answers_for("trst", cognitive_impairment=True))
    assert (result.score, result.band, result.positive) == (1, "high", True)


def test_trst_other_factors_need_two() -> None:
    one = score("trst", answers_for("trst", five_plus_medications=True))
    assert (one.score, one.band, one.positive) == (1, "low", False)
    two = score("trst", answers_for("trst", lives_alone_no_caregiver=True, walking_or_falls=True))
    assert (two.score, two.band, two.positive) == (2, "high", True)
    assert score("trst", answers_for("trst", True)).score == 6


def test_trst_threshold_is_configurable_but_cognition_still_wins() -> None:
    two = answers_for("trst", recent_ed_or_hospital=True, professional_concern=True)
    assert score("trst", two, thresholds={"high": 3}).band == "low"
    cognition = answers_for("trst", cognitive_impairment=True)
    assert score("trst", cognition, thresholds={"high": 3}).positive


# ICOPE step 1


def test_icope_no_domain() -> None:
    result = score("icope_step1", ICOPE_NONE)
    assert (result.score, result.band, result.positive) == (0, "no_domain", False)
    assert dict(result.details) == dict.fromkeys(
        ("cognition", "mobility", "nutrition", "vision", "hearing", "depression"), False
    )


@pytest.mark.parametrize(
    ("changes", "domain"),
    [
        ({"recall_all_three_words": False}, "cognition"),
        ({"orientation_correct": False}, "cognition"),
        ({"chair_rise_seconds": None}, "mobility"),
        ({"chair_rise_seconds": 14.01}, "mobility"),
        ({"weight_loss_3kg_3m": True}, "nutrition"),
        ({"appetite_loss": True}, "nutrition"),
        ({"vision_problem": True}, "vision"),
        ({"whisper_test_failed": True}, "hearing"),
        ({"feeling_down": True}, "depression"),
        ({"little_interest": True}, "depression"),
    ],
)
def test_icope_each_domain(changes: dict[str, Any], domain: str) -> None:
    result = score("icope_step1", {**ICOPE_NONE, **changes})
    assert (result.score, result.band, result.positive) == (1, "refer_step2", True)
    assert [name for name, positive in result.details.items() if positive] == [domain]


def test_icope_fourteen_seconds_is_still_normal() -> None:
    assert not score("icope_step1", {**ICOPE_NONE, "chair_rise_seconds": 14}).details["mobility"]


def test_icope_every_domain() -> None:
    worst = {key: not value for key, value in ICOPE_NONE.items() if key != "chair_rise_seconds"}
    result = score("icope_step1", {**worst, "chair_rise_seconds": None})
    assert (result.score, result.band) == (6, "refer_step2")
    assert all(result.details.values())


# Clinical Frailty Scale


@pytest.mark.parametrize(
    ("level", "band", "positive", "name"),
    [
        (1, "fit", False, "very_fit"),
        (3, "fit", False, "managing_well"),
        (4, "vulnerable", False, "vulnerable"),
        (5, "frail", True, "mildly_frail"),
        (8, "frail", True, "very_severely_frail"),
        (9, "terminally_ill", True, "terminally_ill"),
    ],
)
def test_cfs_levels(level: int, band: str, positive: bool, name: str) -> None:
    result = score("cfs", {"level": level})
    assert (result.score, result.band, result.positive) == (level, band, positive)
    assert dict(result.details) == {"level_name": name}


def test_cfs_keeps_short_labels_only() -> None:
    (level,) = INSTRUMENTS["cfs"].answer_keys
    assert [choice.value for choice in level.choices] == list(range(1, 10))
    with translation.override("en"):
        assert all(len(str(choice.label)) <= 20 for choice in level.choices)


# LACE


def test_lace_worked_example_is_eleven_high() -> None:
    result = score("lace", LACE_EXAMPLE)
    assert (result.score, result.band, result.positive) == (11, "high", True)
    assert dict(result.details) == {
        "length_of_stay": 5,
        "acuity": 3,
        "comorbidity": 2,
        "emergency_visits": 1,
    }


def test_lace_maximum_is_nineteen() -> None:
    result = score(
        "lace",
        {
            "length_of_stay_days": 30,
            "emergent_admission": True,
            "charlson_index": 9,
            "ed_visits_6m": 12,
        },
    )
    assert (result.score, result.band) == (19, "high")


@pytest.mark.parametrize(
    ("days", "points"),
    [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (6, 4), (7, 5), (13, 5), (14, 7), (90, 7)],
)
def test_lace_length_of_stay_points(days: int, points: int) -> None:
    answers = {**LACE_EXAMPLE, "length_of_stay_days": days}
    assert score("lace", answers).details["length_of_stay"] == points


@pytest.mark.parametrize(("charlson", "points"), [(0, 0), (3, 3), (4, 5), (11, 5)])
def test_lace_comorbidity_points(charlson: int, points: int) -> None:
    answers = {**LACE_EXAMPLE, "charlson_index": charlson}
    assert score("lace", answers).details["comorbidity"] == points


@pytest.mark.parametrize(
    ("days", "emergent", "charlson", "total", "band"),
    [
        (3, False, 1, 4, "low"),
        (4, False, 1, 5, "moderate"),
        (6, True, 2, 9, "moderate"),
        (6, True, 3, 10, "high"),
    ],
)
def test_lace_bands(days: int, emergent: bool, charlson: int, total: int, band: str) -> None:
    answers = {
        "length_of_stay_days": days,
        "emergent_admission": emergent,
        "charlson_index": charlson,
        "ed_visits_6m": 0,
    }
    result = score("lace", answers)
    assert (result.score, result.band, result.positive) == (total, band, band == "high")


def test_lace_thresholds_are_configurable() -> None:
    result = score("lace", LACE_EXAMPLE, thresholds={"high": 12})
    assert (result.band, result.positive) == ("moderate", False)
    assert score("lace", LACE_EXAMPLE, thresholds={"moderate": 3, "high": 11}).positive


# HOSPITAL


def test_hospital_no_point() -> None:
    result = score("hospital", HOSPITAL_NONE)
    assert (result.score, result.band, result.positive) == (0, "low", False)


def test_hospital_maximum_is_thirteen() -> None:
    result = score(
        "hospital",
        {
            "hemoglobin_g_dl": 11.9,
            "oncology_discharge": True,
            "sodium_mmol_l": 134.9,
            "procedure_during_stay": True,
            "urgent_admission": True,
            "admissions_12m": 6,
            "length_of_stay_days": 5,
        },
    )
    assert (result.score, result.band, result.positive) == (13, "high", True)
    assert dict(result.details) == {
        "hemoglobin": 1,
        "oncology": 2,
        "sodium": 1,
        "procedure": 1,
        "index_admission_type": 1,
        "admissions": 5,
        "length_of_stay": 2,
    }


@pytest.mark.parametrize(
    ("changes", "points"),
    [
        ({"hemoglobin_g_dl": 12}, 0),
        ({"hemoglobin_g_dl": 11.99}, 1),
        ({"sodium_mmol_l": 135}, 0),
        ({"sodium_mmol_l": 134}, 1),
        ({"admissions_12m": 1}, 0),
        ({"admissions_12m": 2}, 2),
        ({"admissions_12m": 5}, 2),
        ({"admissions_12m": 6}, 5),
        ({"length_of_stay_days": 4}, 0),
        ({"length_of_stay_days": 5}, 2),
        ({"oncology_discharge": True}, 2),
    ],
)
def test_hospital_item_edges(changes: dict[str, Any], points: int) -> None:
    assert score("hospital", {**HOSPITAL_NONE, **changes}).score == points


@pytest.mark.parametrize(
    ("changes", "band"),
    [
        ({"admissions_12m": 2, "length_of_stay_days": 5}, "low"),  # 4
        ({"admissions_12m": 2, "length_of_stay_days": 5, "urgent_admission": True}, "intermediate"),
        ({"admissions_12m": 6, "urgent_admission": True}, "intermediate"),  # 6
        ({"admissions_12m": 6, "oncology_discharge": True}, "high"),  # 7
    ],
)
def test_hospital_bands(changes: dict[str, Any], band: str) -> None:
    assert score("hospital", {**HOSPITAL_NONE, **changes}).band == band


def test_hospital_thresholds_are_configurable() -> None:
    seven = {**HOSPITAL_NONE, "admissions_12m": 6, "oncology_discharge": True}
    assert score("hospital", seven, thresholds={"high": 8}).band == "intermediate"


# EPICES


@pytest.mark.parametrize(
    ("answers", "expected", "band"),
    [
        (EPICES_FAVOURABLE, 0.00, "not_precarious"),
        ({key: not yes for key, yes in EPICES_FAVOURABLE.items()}, 100.00, "precarious"),
        (answers_for("epices", False), 75.14, "precarious"),
        (answers_for("epices", True), 24.86, "not_precarious"),
        (
            answers_for("epices", False, q2=True, q5=True, q9=True, q10=True),
            59.17,
            "precarious",
        ),
    ],
)
def test_epices_vectors(answers: dict[str, bool], expected: float, band: str) -> None:
    result = score("epices", answers)
    assert isinstance(result.score, float)
    assert result.score == expected
    assert result.band == band
    assert result.positive is (band == "precarious")


def test_epices_just_above_the_threshold_is_precarious() -> None:
    # 75.14 − 11.83 − 8.28 − 8.28 − 6.51 − 9.47 = 30.77
    answers = answers_for("epices", False, q2=True, q3=True, q4=True, q6=True, q9=True)
    result = score("epices", answers)
    assert (result.score, result.positive) == (30.77, True)


# Psychosocial checklist


def test_psychosocial_any_item_is_fragile() -> None:
    assert score("psychosocial", answers_for("psychosocial")).band == "none"
    result = score("psychosocial", answers_for("psychosocial", caregiver_exhausted=True))
    assert (result.score, result.band, result.positive) == (1, "fragile", True)


# Strict answers


def test_incomplete_answers_name_every_missing_invalid_and_unknown_key() -> None:
    with pytest.raises(IncompleteAnswers) as raised:
        INSTRUMENTS["isar"].score({"help_before": 1, "help_since": True, "age": 80, "zz": None})
    error = raised.value
    assert isinstance(error, ValueError)
    assert error.missing == (
        "hospitalized_6m",
        "vision_impaired",
        "memory_problems",
        "polypharmacy",
    )
    assert error.invalid == ("help_before",)
    assert error.unknown == ("age", "zz")
    for key in error.keys:
        assert key in str(error)


@pytest.mark.parametrize("value", [1, 0, "yes", "true", None, 1.0, [True]])
def test_bool_answers_are_strict(value: object) -> None:
    with pytest.raises(IncompleteAnswers) as raised:
        score("isar", answers_for("isar", polypharmacy=value))
    assert raised.value.invalid == ("polypharmacy",)


@pytest.mark.parametrize("value", [True, False, 2.5, "3", -1, math.nan, math.inf, None])
def test_int_answers_are_strict(value: object) -> None:
    with pytest.raises(IncompleteAnswers) as raised:
        score("lace", {**LACE_EXAMPLE, "charlson_index": value})
    assert raised.value.invalid == ("charlson_index",)


def test_int_answers_accept_whole_floats() -> None:
    result = score("lace", {**LACE_EXAMPLE, "length_of_stay_days": 8.0})
    assert result.score == 11
    assert type(result.answers["length_of_stay_days"]) is int


@pytest.mark.parametrize("value", [True, "11.5", None, math.nan, -math.inf, 0, 120])
def test_number_answers_are_strict(value: object) -> None:
    # 120 is a haemoglobin in g/L, not g/dL: rejected rather than scored as normal.
    with pytest.raises(IncompleteAnswers) as raised:
        score("hospital", {**HOSPITAL_NONE, "hemoglobin_g_dl": value})
    assert raised.value.invalid == ("hemoglobin_g_dl",)


@pytest.mark.parametrize("value", [0, -3, True, "12"])
def test_chair_rise_needs_a_positive_time_or_null(value: object) -> None:
    with pytest.raises(IncompleteAnswers):
        score("icope_step1", {**ICOPE_NONE, "chair_rise_seconds": value})


@pytest.mark.parametrize("level", [0, 10, -1, 4.5, True, None, "5"])
def test_cfs_level_is_one_to_nine(level: object) -> None:
    with pytest.raises(IncompleteAnswers) as raised:
        score("cfs", {"level": level})
    assert raised.value.invalid == ("level",)


def test_answers_must_be_a_mapping() -> None:
    with pytest.raises(TypeError):
        INSTRUMENTS["cfs"].score([("level", 3)])  # type: ignore[arg-type]


# Thresholds


@pytest.mark.parametrize(
    ("code", "thresholds"),
    [
        ("isar", {"high": 3}),
        ("isar", {"at_risk": 0}),
        ("isar", {"at_risk": 7}),
        ("isar", {"at_risk": True}),
        ("isar", {"at_risk": 2.5}),
        ("lace", {"moderate": 10}),
        ("lace", {"moderate": 12, "high": 11}),
        ("hospital", {"high": 14}),
        ("trst", {"high": "2"}),
        ("icope_step1", {"any": 1}),
        ("epices", {"precarious": 30}),
        ("cfs", {"frail": 4}),
    ],
)
def test_bad_thresholds_are_refused(code: str, thresholds: dict[str, Any]) -> None:
    with pytest.raises(InvalidThresholds):
        INSTRUMENTS[code].thresholds(thresholds)


def test_screening_config_holds_a_hospitals_thresholds() -> None:
    config = ScreeningConfig({"isar": {"at_risk": 3}, "lace": {"high": 12}})
    two = answers_for("isar", help_before=True, help_since=True)
    assert config.score("isar", two).band == "low"
    assert config.score("lace", LACE_EXAMPLE).band == "moderate"
    assert config.score("trst", answers_for("trst", True)).band == "high"


@pytest.mark.parametrize(
    "thresholds", [{"brass": {"high": 10}}, {"isar": {"at_risk": 9}}, {"cfs": {"frail": 4}}]
)
def test_screening_config_fails_when_created(thresholds: dict[str, Any]) -> None:
    with pytest.raises(InvalidThresholds):
        ScreeningConfig(thresholds)


# Definitions


def test_the_instruments_of_the_interface() -> None:
    assert set(INSTRUMENTS) == {
        "isar",
        "trst",
        "icope_step1",
        "cfs",
        "lace",
        "hospital",
        "epices",
        "psychosocial",
    }
    assert "brass" not in INSTRUMENTS


def test_validated_flags() -> None:
    flags = {code: instrument.validated for code, instrument in INSTRUMENTS.items()}
    assert flags == {
        "isar": True,
        "trst": False,
        "icope_step1": False,
        "cfs": False,
        "lace": True,
        "hospital": True,
        "epices": False,
        "psychosocial": False,
    }


@pytest.mark.parametrize("code", sorted(INSTRUMENTS))
def test_definition_is_complete(code: str) -> None:
    instrument = INSTRUMENTS[code]
    assert instrument.code == code
    assert instrument.version
    assert instrument.citation
    assert len(set(instrument.keys)) == len(instrument.keys)
    assert instrument.bands
    assert "validated" in (type(instrument).__doc__ or "").lower()


@pytest.mark.usefixtures("transitions_catalogue")
@pytest.mark.parametrize("language", ["fr", "nl"])
@pytest.mark.parametrize("code", sorted(INSTRUMENTS))
def test_labels_are_translated(code: str, language: str) -> None:
    instrument = INSTRUMENTS[code]
    labels = [instrument.name]
    labels += [answer.label for answer in instrument.answer_keys]
    labels += [choice.label for answer in instrument.answer_keys for choice in answer.choices]
    labels += [band.label for band in instrument.bands]
    with translation.override("en"):
        english = [str(label) for label in labels]
    with translation.override(language):
        translated = [str(label) for label in labels]
    untranslated = [
        text for text, original in zip(translated, english, strict=True) if text == original
    ]
    # Proper names (ISAR, TRST, LACE, HOSPITAL, EPICES) read the same in every language.
    assert all(text.split(" ")[0].isupper() for text in untranslated), untranslated


@pytest.mark.usefixtures("transitions_catalogue")
def test_french_labels_use_the_official_wording() -> None:
    with translation.override("fr"):
        isar = {answer.key: str(answer.label) for answer in INSTRUMENTS["isar"].answer_keys}
        epices = {answer.key: str(answer.label) for answer in INSTRUMENTS["epices"].answer_keys}
    assert isar["memory_problems"] == "En général, avez-vous de sérieux problèmes de mémoire ?"
    assert epices["q1"] == "Rencontrez-vous parfois un travailleur social ?"
    assert epices["q4"] == "Êtes-vous propriétaire de votre logement ?"
