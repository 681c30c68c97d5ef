"""The small condition language of screening triggers, parsed and checked against the instrument.

    positive                  the instrument's own positive rule
    band=<code>               the band is <code> (one of the instrument's bands)
    score>=<number>           the score is at least <number>
    answer:<key>=<value>      the answer <key> equals <value> (true, false or a number)
    detail:<key>=<value>      the per-domain result <key> equals <value> (e.g. ICOPE mobility)

Nothing else is accepted: a trigger that cannot be parsed is refused when it is saved, not when a
patient is screened.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from parcours.transitions.screening import INSTRUMENTS, AnswerType

_BAND = re.compile(r"^band=(?P<code>[a-z0-9_]+)$")
_SCORE = re.compile(r"^score>=(?P<number>-?\d+(\.\d+)?)$")
_KEYED = re.compile(
    r"^(?P<kind>answer|detail):(?P<key>[a-z0-9_]+)=(?P<value>true|false|-?\d+(\.\d+)?)$"
)


class InvalidCondition(ValueError):
    def __init__(self, message: object) -> None:
        self.message = message
        super().__init__(str(message))


@dataclass(frozen=True)
class Condition:
    kind: str  # positive | band | score | answer | detail
    key: str = ""
    value: Any = None

    def matches(
        self,
        *,
        score: float,
        band: str,
        positive: bool,
        answers: Mapping[str, Any],
        details: Mapping[str, Any],
    ) -> bool:
        if self.kind == "positive":
            return positive
        if self.kind == "band":
            return band == self.value
        if self.kind == "score":
            return score >= self.value
        source = answers if self.kind == "answer" else details
        if self.key not in source:
            return False
        found = source[self.key]
        if isinstance(self.value, bool) or isinstance(found, bool):
            return found is self.value
        return found is not None and float(found) == float(self.value)


def _value(text: str) -> bool | float:
    if text == "true":
        return True
    if text == "false":
        return False
    return float(text)


def parse_condition(instrument_code: str, condition: str) -> Condition:
    """The parsed condition, or InvalidCondition with a translated message."""
    instrument = INSTRUMENTS.get(instrument_code)
    if instrument is None:
        raise InvalidCondition(
            _("There is no screening instrument with the code “%(code)s”.")
            % {"code": instrument_code}
        )
    text = (condition or "").strip().replace(" ", "")
    if text == "positive":
        return Condition("positive")
    if match := _BAND.match(text):
        code = match["code"]
        if code not in {band.code for band in instrument.bands}:
            raise InvalidCondition(
                _("%(instrument)s has no band “%(band)s”.")
                % {"instrument": instrument.code, "band": code}
            )
        return Condition("band", value=code)
    if match := _SCORE.match(text):
        return Condition("score", value=float(match["number"]))
    if match := _KEYED.match(text):
        key, value = match["key"], _value(match["value"])
        if match["kind"] == "answer":
            answer = next((a for a in instrument.answer_keys if a.key == key), None)
            if answer is None:
                raise InvalidCondition(
                    _("%(instrument)s has no answer “%(key)s”.")
                    % {"instrument": instrument.code, "key": key}
                )
            if (answer.type is AnswerType.BOOLEAN) != isinstance(value, bool):
                raise InvalidCondition(
                    _("The value does not fit the answer “%(key)s”.") % {"key": key}
                )
        return Condition(match["kind"], key=key, value=value)
    raise InvalidCondition(
        _(
            "Write the condition as positive, band=<band>, score>=<number>, "
            "answer:<key>=<value> or detail:<key>=<value>."
        )
    )
