"""The worker's periodic jobs: each runs once per period; a failing job does not stop the others."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from parcours.core.periodic import PeriodicJob, Scheduler

CALLS: list[tuple[str, datetime]] = []


def record(*, now: datetime) -> None:
    CALLS.append(("record", now))


def fail(*, now: datetime) -> None:
    CALLS.append(("fail", now))
    raise RuntimeError("broken job")


def test_jobs_run_once_per_period_and_failures_are_contained() -> None:
    CALLS.clear()
    now = [timezone.now()]
    scheduler = Scheduler(
        [
            PeriodicJob("fail", timedelta(minutes=1), "tests.core.test_periodic.fail"),
            PeriodicJob("record", timedelta(minutes=5), "tests.core.test_periodic.record"),
        ],
        clock=lambda: now[0],
    )
    assert scheduler.run_due() == 2
    assert scheduler.run_due() == 0
    now[0] += timedelta(minutes=1)
    assert scheduler.run_due() == 1
    now[0] += timedelta(minutes=4)
    assert scheduler.run_due() == 2
    assert [name for name, _at in CALLS] == ["fail", "record", "fail", "fail", "record"]
