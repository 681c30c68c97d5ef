"""The Friday-afternoon, weekend and public-holiday discharge rule, in the hospital's country."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parcours.directory.models import Organisation
from parcours.transitions.calendar import is_friday_afternoon_weekend_or_holiday
from parcours.transitions.models import Stay
from tests.transitions.conftest import BRUSSELS


def stay_leaving(moment: datetime | None, country: str = "BE", *, actual: bool = False) -> Stay:
    hospital = Organisation(code="h", type="hospital", country=country)
    if actual:
        return Stay(hospital=hospital, discharged_at=moment)
    return Stay(hospital=hospital, expected_discharge_at=moment)


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BRUSSELS)


@pytest.mark.parametrize(
    ("moment", "country", "flagged"),
    [
        (at(2026, 3, 6, 13, 59), "BE", False),  # Friday morning
        (at(2026, 3, 6, 14, 0), "BE", True),  # Friday from 14:00
        (at(2026, 3, 6, 17, 0), "FR", True),
        (at(2026, 3, 7, 9, 0), "BE", True),  # Saturday
        (at(2026, 3, 8, 11, 0), "FR", True),  # Sunday
        (at(2026, 3, 5, 16, 0), "BE", False),  # Thursday afternoon
        (at(2026, 3, 9, 8, 0), "BE", False),  # Monday
        (at(2026, 7, 21, 10, 0), "BE", True),  # Belgian National Day (a Tuesday)
        (at(2026, 7, 21, 10, 0), "FR", False),
        (at(2026, 7, 14, 10, 0), "FR", True),  # French Fête nationale (a Tuesday)
        (at(2026, 7, 14, 10, 0), "BE", False),
        (at(2026, 4, 6, 10, 0), "BE", True),  # Easter Monday 2026
        (at(2026, 4, 6, 10, 0), "FR", True),
        (at(2027, 3, 29, 10, 0), "BE", True),  # Easter Monday 2027
        (at(2026, 5, 14, 10, 0), "BE", True),  # Ascension Day 2026
        (at(2026, 5, 8, 10, 0), "FR", True),  # Victoire 1945 (France only)
        (at(2026, 5, 8, 10, 0), "BE", False),
    ],
)
def test_weekend_or_friday_afternoon_discharge(
    moment: datetime, country: str, flagged: bool
) -> None:
    assert stay_leaving(moment, country).is_weekend_or_friday_afternoon_discharge is flagged


def test_the_hospital_clock_decides() -> None:
    # Friday 13:30 UTC is 14:30 in Brussels in winter.
    friday = datetime(2026, 3, 6, 13, 30, tzinfo=UTC)
    assert stay_leaving(friday).is_weekend_or_friday_afternoon_discharge


def test_actual_discharge_wins_over_expected() -> None:
    stay = stay_leaving(at(2026, 3, 6, 17, 0))  # expected Friday evening
    stay.discharged_at = at(2026, 3, 5, 11, 0)  # left Thursday morning
    assert not stay.is_weekend_or_friday_afternoon_discharge
    assert stay_leaving(at(2026, 3, 7, 9, 0), actual=True).is_weekend_or_friday_afternoon_discharge


def test_no_date_no_flag() -> None:
    assert not stay_leaving(None).is_weekend_or_friday_afternoon_discharge


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31)))
def test_every_weekend_moment_is_flagged(naive: datetime) -> None:
    moment = naive.replace(tzinfo=BRUSSELS)
    if moment.weekday() >= 5 or (moment.weekday() == 4 and moment.hour >= 14):
        assert is_friday_afternoon_weekend_or_holiday(moment, "BE")
