"""Public-holiday calendars of Belgium and France (the `holidays` package)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _calendar(country: str, year: int) -> dict[date, str]:
    if country not in {"BE", "FR"}:
        return {}
    return dict(holidays.country_holidays(country, years=year, language="fr"))


def is_public_holiday(country: str, day: date) -> bool:
    return day in _calendar(country, day.year)


def holiday_name(country: str, day: date) -> str:
    return _calendar(country, day.year).get(day, "")
