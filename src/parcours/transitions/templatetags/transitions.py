"""Template helpers of the stay page: band labels and screening answers in the reader's language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils.translation import gettext as _

from parcours.transitions.models import ScreeningRecord
from parcours.transitions.screening import Instrument

register = template.Library()


@register.simple_tag
def band_label(instrument: Instrument, code: str) -> str:
    band = next((band for band in instrument.bands if band.code == code), None)
    return str(band.label) if band else code


def _value(value: Any) -> str:
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if value is None:
        return "—"
    return str(value)


@register.simple_tag
def answer_rows(instrument: Instrument | None, record: ScreeningRecord) -> list[tuple[str, str]]:
    """(label, answer) pairs in the instrument's order; unknown keys last, by their key."""
    answers = dict(record.answers)
    rows: list[tuple[str, str]] = []
    if instrument is not None:
        for answer in instrument.answer_keys:
            if answer.key in answers:
                value = answers.pop(answer.key)
                label = next(
                    (str(c.label) for c in answer.choices if c.value == value), _value(value)
                )
                rows.append((str(answer.label), label if answer.choices else _value(value)))
    rows.extend((key, _value(value)) for key, value in answers.items())
    return rows


@register.filter
def from_iso(value: object) -> datetime | None:
    """An ISO 8601 timestamp kept in an event's detail, as a datetime for the `date` filter."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
