"""Periodic jobs run by `parcours worker` between two polls.

Each job is a dotted path to a function taking `now=` (keyword) and is run at most once per
`every` by each worker. Jobs must be idempotent: with several workers each runs them, and a
worker that restarts runs them again at once. Areas add their job to JOBS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    target: str  # dotted path of a callable(*, now: datetime)


JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob(
        "transmission-deadlines",
        timedelta(minutes=1),
        "parcours.messaging.transmission_actions.transmission_check_deadlines",
    ),
)


class Scheduler:
    def __init__(
        self,
        jobs: Sequence[PeriodicJob] = JOBS,
        *,
        clock: Callable[[], datetime] = timezone.now,
    ) -> None:
        self.jobs = tuple(jobs)
        self.clock = clock
        self.next_run: dict[str, datetime] = {}

    def run_due(self) -> int:
        """Run every job whose time has come; a failing job is logged and retried next time."""
        ran = 0
        for job in self.jobs:
            now = self.clock()
            if self.next_run.get(job.name, now) > now:
                continue
            self.next_run[job.name] = now + job.every
            try:
                import_string(job.target)(now=now)
            except Exception:
                logger.exception("periodic job %s failed", job.name)
            ran += 1
        return ran
