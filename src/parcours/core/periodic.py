"""Periodic jobs run by `parcours worker` between task polls.

Each job is a dotted path to a function taking `now=` and returning how many things it did. A
job runs when the worker starts and then every `every`; the schedule lives in the worker's
memory, so each job must be idempotent (several workers may run it, a restart runs it again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, is_dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    function: str  # dotted path; called with now=
    every: timedelta


JOBS = [
    PeriodicJob(
        "broken-follow-up",
        "parcours.transitions.aftercare_actions.broken_followup_check",
        every=timedelta(hours=1),
    ),
    PeriodicJob(
        "referrals-due",
        "parcours.coordination.actions.tasks_check_due",
        every=timedelta(minutes=1),
    ),
    PeriodicJob(
        "transmission-deadlines",
        "parcours.messaging.transmission_actions.transmission_check_deadlines",
        every=timedelta(minutes=1),
    ),
]


def _count(report: object) -> int:
    """What a job did: an int, None, or a dataclass of counts (summed)."""
    if report is None:
        return 0
    if isinstance(report, int):
        return report
    if is_dataclass(report) and not isinstance(report, type):
        return sum(
            v for v in asdict(report).values() if isinstance(v, int) and not isinstance(v, bool)
        )
    return 1


class Scheduler:
    def __init__(
        self,
        jobs: list[PeriodicJob] | None = None,
        *,
        clock: Callable[[], datetime] = timezone.now,
    ) -> None:
        self.jobs = JOBS if jobs is None else jobs
        self.clock = clock
        self.next_run: dict[str, datetime] = {}

    def tick(self) -> int:
        """Run the jobs that are due; returns the total they report. A failing job is logged
        and retried at its next period, without stopping the worker."""
        done = 0
        for job in self.jobs:
            now = self.clock()
            if self.next_run.get(job.name, now) > now:
                continue
            self.next_run[job.name] = now + job.every
            try:
                done += _count(import_string(job.function)(now=now))
            except Exception:
                logger.exception("periodic job %s failed", job.name)
        return done
