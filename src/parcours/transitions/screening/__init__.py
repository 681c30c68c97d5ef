"""Screening instruments (transitions issue #5, item 4): pure, versioned scoring functions.

    from parcours.transitions.screening import INSTRUMENTS

    result = INSTRUMENTS["isar"].score({"help_before": True, ...})
    result.score, result.band, result.positive, result.details

Thresholds a hospital may change (ISAR, TRST, LACE, HOSPITAL) are passed per call
(`score(answers, thresholds={"at_risk": 3})`) or held in a `ScreeningConfig`.
See `docs/screening.md` for sources, licences and what is pending validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from parcours.transitions.screening.base import (
    Answer,
    AnswerKey,
    AnswerType,
    Band,
    Choice,
    IncompleteAnswers,
    Instrument,
    InvalidThresholds,
    Result,
)
from parcours.transitions.screening.geriatric import (
    ClinicalFrailtyScale,
    IcopeStep1,
    Isar,
    Trst,
)
from parcours.transitions.screening.readmission import Hospital, Lace
from parcours.transitions.screening.social import Epices, Psychosocial

INSTRUMENTS: Mapping[str, Instrument] = MappingProxyType(
    {
        instrument.code: instrument
        for instrument in (
            Isar(),
            Trst(),
            IcopeStep1(),
            ClinicalFrailtyScale(),
            Lace(),
            Hospital(),
            Epices(),
            Psychosocial(),
        )
    }
)


@dataclass(frozen=True)
class ScreeningConfig:
    """One hospital's thresholds, e.g. `ScreeningConfig({"isar": {"at_risk": 3}})`.

    Checked when created, so a bad configuration fails at start-up, not on a patient.
    """

    thresholds: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for code, overrides in self.thresholds.items():
            if code not in INSTRUMENTS:
                raise InvalidThresholds(f"no screening instrument has the code {code!r}")
            INSTRUMENTS[code].thresholds(overrides)

    def score(self, code: str, answers: Mapping[str, object]) -> Result:
        return INSTRUMENTS[code].score(answers, self.thresholds.get(code))


__all__ = [
    "INSTRUMENTS",
    "Answer",
    "AnswerKey",
    "AnswerType",
    "Band",
    "Choice",
    "IncompleteAnswers",
    "Instrument",
    "InvalidThresholds",
    "Result",
    "ScreeningConfig",
]
