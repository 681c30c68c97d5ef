"""The discharge-timing rule: Friday from 14:00, the weekend, or a public holiday.

Those discharges are the ones the seeds describe going wrong: community services are closed or
short-staffed until the next working day. Public holidays come from the `holidays` package
through `parcours.directory.calendars` (Belgium and France), so the worklist and the directory's
opening hours agree on which days are holidays. Times are read in the hospital's time zone.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from parcours.directory.calendars import is_public_holiday

FRIDAY = 4
SATURDAY = 5
FRIDAY_AFTERNOON_FROM_HOUR = 14
TIME_ZONES = {"BE": "Europe/Brussels", "FR": "Europe/Paris"}


def local_time(moment: datetime, country: str) -> datetime:
    return timezone.localtime(moment, ZoneInfo(TIME_ZONES.get(country, settings.TIME_ZONE)))


def is_friday_afternoon_weekend_or_holiday(moment: datetime, country: str) -> bool:
    """True for Friday ≥ 14:00, Saturday, Sunday, or a public holiday of `country`."""
    local = local_time(moment, country)
    if local.weekday() >= SATURDAY:
        return True
    if local.weekday() == FRIDAY and local.hour >= FRIDAY_AFTERNOON_FROM_HOUR:
        return True
    return is_public_holiday(country, local.date())
