"""The building blocks of a screening instrument: typed answer keys, bands, results, errors.

An instrument is a versioned definition (code, version, citation, answer keys, bands) plus a pure
scoring function. Answers are checked strictly before anything is scored: a missing, mistyped,
out-of-range or unknown key raises `IncompleteAnswers` naming every offending key, so no score
is ever computed from partial answers.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext

Number = int | float
Answer = bool | int | float | None
Label = str | Promise


class AnswerType(StrEnum):
    BOOLEAN = "bool"
    INTEGER = "int"
    NUMBER = "number"


class InvalidThresholds(ValueError):
    """A hospital's threshold configuration does not fit the instrument (a set-up error)."""


class IncompleteAnswers(ValueError):
    """Answers that cannot be scored: every missing, invalid and unknown key is named."""

    def __init__(
        self,
        *,
        instrument: str,
        missing: tuple[str, ...] = (),
        invalid: tuple[str, ...] = (),
        unknown: tuple[str, ...] = (),
    ) -> None:
        self.instrument = instrument
        self.missing = missing
        self.invalid = invalid
        self.unknown = unknown
        super().__init__(self.message)

    @property
    def keys(self) -> tuple[str, ...]:
        return self.missing + self.invalid + self.unknown

    @property
    def message(self) -> str:
        """The message in the active language."""
        return gettext(
            "The answers to %(instrument)s are incomplete or invalid; check: %(keys)s."
        ) % {"instrument": self.instrument, "keys": ", ".join(self.keys)}


class _Rejected(Exception):
    """One answer value does not fit its key."""


@dataclass(frozen=True)
class Choice:
    """One allowed value of an answer, with a stable code and a short label."""

    value: int
    code: str
    label: Label


@dataclass(frozen=True)
class AnswerKey:
    """One answer: a stable key, a strict type, bounds, and a translated label."""

    key: str
    type: AnswerType
    label: Label
    minimum: Number | None = None
    exclusive_minimum: bool = False
    maximum: Number | None = None
    nullable: bool = False
    unit: str = ""
    choices: tuple[Choice, ...] = ()

    def clean(self, value: object) -> Answer:
        if value is None:
            if self.nullable:
                return None
            raise _Rejected
        if self.type is AnswerType.BOOLEAN:
            if type(value) is not bool:
                raise _Rejected
            return value
        # bool is a subclass of int: a checkbox answer is never a count or a measure.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Rejected
        if isinstance(value, float) and not math.isfinite(value):
            raise _Rejected
        number: Number = value
        if self.type is AnswerType.INTEGER and isinstance(value, float):
            if not value.is_integer():
                raise _Rejected
            number = int(value)
        self._check_bounds(number)
        return number

    def _check_bounds(self, number: Number) -> None:
        below = self.minimum is not None and (
            number < self.minimum or (self.exclusive_minimum and number == self.minimum)
        )
        if below:
            raise _Rejected
        if self.maximum is not None and number > self.maximum:
            raise _Rejected
        if self.choices and number not in {choice.value for choice in self.choices}:
            raise _Rejected


def boolean(key: str, label: Label) -> AnswerKey:
    return AnswerKey(key=key, type=AnswerType.BOOLEAN, label=label)


def count(key: str, label: Label, *, unit: str = "") -> AnswerKey:
    """A whole number of events or days, 0 or more."""
    return AnswerKey(key=key, type=AnswerType.INTEGER, label=label, minimum=0, unit=unit)


@dataclass(frozen=True)
class Band:
    code: str
    label: Label


@dataclass(frozen=True)
class Result:
    """A scored administration: what a stay records next to the raw answers."""

    instrument: str
    version: str
    validated: bool
    score: Number
    band: str
    band_label: Label
    positive: bool
    details: Mapping[str, Any] = field(default_factory=dict)
    answers: Mapping[str, Answer] = field(default_factory=dict)
    thresholds: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What an instrument's scoring function computes from clean answers."""

    score: Number
    band: str
    positive: bool
    details: Mapping[str, Any] = field(default_factory=dict)


class Instrument(ABC):
    """A versioned screening instrument. Subclasses declare the definition and `compute`.

    `validated` is False when `standards.md` marks a value that matters for the result as
    partially verified [P] or unverified [U]: the UI then shows "scoring pending validation".
    """

    code: ClassVar[str]
    name: ClassVar[Label]
    version: ClassVar[str]
    citation: ClassVar[str]
    validated: ClassVar[bool]
    answer_keys: ClassVar[tuple[AnswerKey, ...]]
    bands: ClassVar[tuple[Band, ...]]
    score_range: ClassVar[tuple[Number, Number]]
    # Cut-offs a hospital may change, in increasing order, with their defaults.
    default_thresholds: ClassVar[Mapping[str, int]] = MappingProxyType({})

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code} {self.version}>"

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(answer.key for answer in self.answer_keys)

    def band(self, code: str) -> Band:
        return next(band for band in self.bands if band.code == code)

    def clean(self, answers: Mapping[str, object]) -> dict[str, Answer]:
        """The answers checked and normalised, or `IncompleteAnswers` naming every bad key."""
        if not isinstance(answers, Mapping):
            raise TypeError("answers must be a mapping of answer keys to values")
        clean: dict[str, Answer] = {}
        missing: list[str] = []
        invalid: list[str] = []
        for answer in self.answer_keys:
            if answer.key not in answers:
                missing.append(answer.key)
                continue
            try:
                clean[answer.key] = answer.clean(answers[answer.key])
            except _Rejected:
                invalid.append(answer.key)
        known = set(self.keys)
        unknown = sorted(str(key) for key in answers if key not in known)
        if missing or invalid or unknown:
            raise IncompleteAnswers(
                instrument=self.code,
                missing=tuple(missing),
                invalid=tuple(invalid),
                unknown=tuple(unknown),
            )
        return clean

    def thresholds(self, overrides: Mapping[str, int] | None = None) -> dict[str, int]:
        """The defaults with a hospital's overrides, checked: whole, in range, increasing."""
        merged = dict(self.default_thresholds)
        for name, value in (overrides or {}).items():
            if name not in merged:
                raise InvalidThresholds(f"{self.code} has no configurable threshold {name!r}")
            merged[name] = value
        low, high = self.score_range
        previous = low
        for name, value in merged.items():
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidThresholds(f"{self.code} threshold {name!r} must be an integer")
            if not previous < value <= high:
                raise InvalidThresholds(
                    f"{self.code} threshold {name!r} must be above {previous} and at most {high}"
                )
            previous = value
        return merged

    def score(
        self, answers: Mapping[str, object], thresholds: Mapping[str, int] | None = None
    ) -> Result:
        cut_offs = self.thresholds(thresholds)
        clean = self.clean(answers)
        outcome = self.compute(clean, cut_offs)
        return Result(
            instrument=self.code,
            version=self.version,
            validated=self.validated,
            score=outcome.score,
            band=outcome.band,
            band_label=self.band(outcome.band).label,
            positive=outcome.positive,
            details=MappingProxyType(dict(outcome.details)),
            answers=MappingProxyType(clean),
            thresholds=MappingProxyType(cut_offs),
        )

    @abstractmethod
    def compute(self, answers: Mapping[str, Any], thresholds: Mapping[str, int]) -> Outcome:
        """The score from clean, complete answers."""


def count_true(answers: Mapping[str, Any]) -> int:
    return sum(1 for value in answers.values() if value is True)
