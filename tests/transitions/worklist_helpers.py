"""Shared helpers of the worklist tests: synthetic patients and stays in CHU Test."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from parcours.audit.actions import Actor
from parcours.directory.models import Organisation
from parcours.patients.models import Patient
from parcours.transitions.actions import stay_admit
from parcours.transitions.models import Stay

BRUSSELS = ZoneInfo("Europe/Brussels")
FEED = Actor(user_id=None, username="adt-feed")
# Tuesday 10 March 2026, 11:00 in Brussels: an ordinary weekday discharge.
TUESDAY = datetime(2026, 3, 10, 11, 0, tzinfo=BRUSSELS)
# Friday 13 March 2026, 15:00: a Friday-afternoon discharge.
FRIDAY_AFTERNOON = datetime(2026, 3, 13, 15, 0, tzinfo=BRUSSELS)
ADMITTED = datetime(2026, 3, 2, 9, 0, tzinfo=BRUSSELS)
_numbers = count(1)


def patient(family_name: str = "") -> Patient:
    number = next(_numbers)
    return Patient.objects.create(
        given_name=f"Test{number}", family_name=family_name or f"Synthetic{number:04d}"
    )


def admit(
    hospital: Organisation,
    *,
    ward: Organisation | None = None,
    expected: datetime | None = TUESDAY,
    family_name: str = "",
    admitted: datetime = ADMITTED,
    planned: bool = False,
) -> Stay:
    return stay_admit(
        patient=patient(family_name),
        hospital=hospital,
        ward=ward,
        admitted_at=admitted,
        expected_discharge_at=expected,
        actor=FEED,
        planned=planned,
    )


def days(n: int) -> timedelta:
    return timedelta(days=n)
