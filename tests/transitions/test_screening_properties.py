"""Property tests of every instrument: bounds, monotonicity, strict and complete answers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parcours.transitions.screening import (
    INSTRUMENTS,
    AnswerKey,
    AnswerType,
    IncompleteAnswers,
    Instrument,
)
from parcours.transitions.screening.social import EPICES_COEFFICIENTS

PROPERTIES = settings(max_examples=150, deadline=None)

POSITIVE_BANDS = {
    "isar": {"at_risk"},
    "trst": {"high"},
    "icope_step1": {"refer_step2"},
    "cfs": {"frail", "terminally_ill"},
    "lace": {"high"},
    "hospital": {"high"},
    "epices": {"precarious"},
    "psychosocial": {"fragile"},
}
# Answer keys whose True value is the protective one (the risk is False).
PROTECTIVE_BOOLEANS = {"recall_all_three_words", "orientation_correct"}


def valid_value(answer: AnswerKey) -> st.SearchStrategy[Any]:
    if answer.type is AnswerType.BOOLEAN:
        values: st.SearchStrategy[Any] = st.booleans()
    elif answer.choices:
        values = st.sampled_from([choice.value for choice in answer.choices])
    elif answer.type is AnswerType.INTEGER:
        low = int(answer.minimum or 0)
        values = st.integers(low, int(answer.maximum) if answer.maximum is not None else low + 400)
    else:
        values = st.floats(
            min_value=answer.minimum,
            max_value=answer.maximum if answer.maximum is not None else 1000.0,
            exclude_min=answer.exclusive_minimum,
            allow_nan=False,
            allow_infinity=False,
        )
    return values | st.none() if answer.nullable else values


def valid_answers(instrument: Instrument) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {answer.key: valid_value(answer) for answer in instrument.answer_keys}
    )


instruments = st.sampled_from(sorted(INSTRUMENTS.values(), key=lambda i: i.code))


@st.composite
def instrument_and_answers(draw: st.DrawFn) -> tuple[Instrument, dict[str, Any]]:
    instrument = draw(instruments)
    return instrument, draw(valid_answers(instrument))


@PROPERTIES
@given(instrument_and_answers())
def test_scores_stay_within_bounds(case: tuple[Instrument, dict[str, Any]]) -> None:
    instrument, answers = case
    result = instrument.score(answers)
    low, high = instrument.score_range
    assert low <= result.score <= high
    assert result.band in {band.code for band in instrument.bands}
    assert result.positive is (result.band in POSITIVE_BANDS[instrument.code])
    assert round(result.score, 2) == result.score


def riskier(answer: AnswerKey, value: Any, bump: int) -> Any:
    """A value of the same answer that is at least as risky, or None when there is none."""
    if answer.type is AnswerType.BOOLEAN:
        risky = answer.key not in PROTECTIVE_BOOLEANS
        return risky if value is not risky else None
    if answer.key == "chair_rise_seconds":  # slower, or unable (None) on odd bumps
        return None if value is None or bump % 2 else value + bump
    if answer.key in {"hemoglobin_g_dl", "sodium_mmol_l"}:  # lower is riskier
        lowered = value - bump
        return lowered if lowered > answer.minimum else None  # type: ignore[operator]
    if answer.maximum is not None:
        return min(value + 1, answer.maximum)
    return value + bump


MONOTONE = sorted(code for code in INSTRUMENTS if code != "epices")


@PROPERTIES
@given(st.sampled_from(MONOTONE), st.data(), st.integers(1, 20))
def test_a_riskier_answer_never_lowers_the_result(
    code: str, data: st.DataObject, bump: int
) -> None:
    instrument = INSTRUMENTS[code]
    answers = data.draw(valid_answers(instrument))
    answer = data.draw(st.sampled_from(instrument.answer_keys))
    worse = riskier(answer, answers[answer.key], bump)
    if worse is None and not (answer.nullable and answers[answer.key] is not None):
        return  # already at its riskiest
    before = instrument.score(answers)
    after = instrument.score({**answers, answer.key: worse})
    assert after.score >= before.score
    assert after.positive >= before.positive


@pytest.mark.parametrize(("key", "coefficient"), sorted(EPICES_COEFFICIENTS.items()))
@settings(max_examples=40, deadline=None)
@given(answers=valid_answers(INSTRUMENTS["epices"]))
def test_epices_yes_moves_the_score_by_the_sign_of_its_coefficient(
    key: str, coefficient: Decimal, answers: dict[str, bool]
) -> None:
    epices = INSTRUMENTS["epices"]
    no = epices.score({**answers, key: False})
    yes = epices.score({**answers, key: True})
    if coefficient > 0:
        assert yes.score > no.score and yes.positive >= no.positive
    else:
        assert yes.score < no.score and yes.positive <= no.positive
    assert Decimal(str(yes.score)) - Decimal(str(no.score)) == coefficient


@PROPERTIES
@given(instrument_and_answers(), st.data())
def test_any_missing_key_is_named(
    case: tuple[Instrument, dict[str, Any]], data: st.DataObject
) -> None:
    instrument, answers = case
    removed = data.draw(st.sets(st.sampled_from(instrument.keys), min_size=1))
    kept = {key: value for key, value in answers.items() if key not in removed}
    with pytest.raises(IncompleteAnswers) as raised:
        instrument.score(kept)
    assert set(raised.value.missing) == removed
    assert raised.value.invalid == raised.value.unknown == ()


@PROPERTIES
@given(instrument_and_answers(), st.data())
def test_unknown_keys_are_named(
    case: tuple[Instrument, dict[str, Any]], data: st.DataObject
) -> None:
    instrument, answers = case
    extra = data.draw(
        st.dictionaries(
            st.text(min_size=1, max_size=12).filter(lambda key: key not in instrument.keys),
            st.booleans() | st.integers(),
            min_size=1,
            max_size=3,
        )
    )
    with pytest.raises(IncompleteAnswers) as raised:
        instrument.score({**answers, **extra})
    assert set(raised.value.unknown) == set(extra)
    assert raised.value.missing == raised.value.invalid == ()


def wrong_value(answer: AnswerKey) -> st.SearchStrategy[Any]:
    anything_else = st.text(max_size=5) | st.lists(st.booleans(), max_size=2)
    if answer.type is AnswerType.BOOLEAN:
        wrong = anything_else | st.integers() | st.floats() | st.none()
    elif answer.type is AnswerType.INTEGER:
        fractions = st.floats(allow_nan=False, allow_infinity=False).filter(
            lambda number: not number.is_integer()
        )
        below = st.integers(max_value=int(answer.minimum or 0) - 1)
        wrong = anything_else | st.booleans() | fractions | below | st.none()
        if answer.maximum is not None:
            wrong = wrong | st.integers(min_value=int(answer.maximum) + 1)
    else:
        wrong = anything_else | st.booleans() | st.just(float("nan")) | st.just(float("inf"))
        if answer.minimum is not None:
            wrong = wrong | st.floats(
                max_value=answer.minimum, exclude_max=not answer.exclusive_minimum
            )
        if not answer.nullable:
            wrong = wrong | st.none()
    return wrong


@PROPERTIES
@given(instrument_and_answers(), st.data())
def test_wrong_types_are_named(
    case: tuple[Instrument, dict[str, Any]], data: st.DataObject
) -> None:
    instrument, answers = case
    answer = data.draw(st.sampled_from(instrument.answer_keys))
    value = data.draw(wrong_value(answer))
    with pytest.raises(IncompleteAnswers) as raised:
        instrument.score({**answers, answer.key: value})
    assert raised.value.invalid == (answer.key,)
