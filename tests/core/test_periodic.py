"""The worker's periodic jobs: each runs once per period; a failing job does not stop the others."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from parcours.core.periodic import PeriodicJob, Scheduler

CALLS: list[tuple[str, datetime]] = []


def record(*, now: datetime) -> int:
    CALLS.append(("record", now))
    return 1


def fail(*, now: datetime) -> None:
    CALLS.append(("fail", now))
    raise RuntimeError("broken job")


def test_jobs_run_once_per_period_and_failures_are_contained() -> None:
    CALLS.clear()
    now = [timezone.now()]
    scheduler = Scheduler(
        [
            PeriodicJob("fail", "tests.core.test_periodic.fail", every=timedelta(minutes=1)),
            PeriodicJob("record", "tests.core.test_periodic.record", every=timedelta(minutes=5)),
        ],
        clock=lambda: now[0],
    )
    assert scheduler.tick() == 1  # what the jobs did: "fail" failed, "record" did one thing
    assert scheduler.tick() == 0
    now[0] += timedelta(minutes=1)
    assert scheduler.tick() == 0
    now[0] += timedelta(minutes=4)
    assert scheduler.tick() == 1
    assert [name for name, _at in CALLS] == ["fail", "record", "fail", "fail", "record"]
