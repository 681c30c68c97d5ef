"""`parcours worker`: background tasks (Django Tasks, database backend), the notification
outbox and periodic jobs (core/periodic.py), in one process. Between two task polls the worker
relays due outbox rows and runs the periodic jobs that are due; SIGTERM lets
the task or message in hand finish, gives back any lease still held, then exits."""

from __future__ import annotations

import logging
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.db.utils import OperationalError
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from parcours.core.periodic import Scheduler
from parcours.messaging.delivery import Relay, default_worker_id

logger = logging.getLogger(__name__)


class TasksAndOutboxWorker(Worker):
    """django_tasks_db's worker loop with the outbox relay run between task polls."""

    def __init__(
        self,
        *,
        relay: Relay | None,
        run_tasks: bool,
        scheduler: Scheduler | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.relay = relay
        self.run_tasks = run_tasks
        self.scheduler = scheduler

    def claim_task(self) -> DBTaskResult | None:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    raise
                return None
        return task_result

    def relay_outbox(self) -> int:
        if self.relay is None:
            return 0
        self.running_task = True  # a signal now only asks to stop after the current message
        try:
            return self.relay.tick(limit=50, should_stop=lambda: not self.running)
        finally:
            self.running_task = False

    def run(self) -> None:
        logger.info("worker %s started", self.worker_id)
        try:
            while self.running:
                close_old_connections()
                worked = 0
                if self.run_tasks:
                    task_result = self.claim_task()
                    if task_result is not None:
                        self.run_task(task_result)
                        worked += 1
                if self.running and self.scheduler is not None:
                    self.scheduler.run_due()
                if self.running:
                    worked += self.relay_outbox()
                close_old_connections()
                if self.batch and not worked:
                    return
                if self.running and not worked:
                    time.sleep(self.interval)
        finally:
            if self.relay is not None:
                self.relay.release_leases()


class Command(BaseCommand):
    help = "Run background tasks and deliver notifications until stopped."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--queue", default="*", help="Queue names, comma-separated, or *")
        parser.add_argument("--interval", type=float, default=1.0, help="Polling interval (s)")
        parser.add_argument("--batch", action="store_true", help="Exit when nothing is left")
        parser.add_argument(
            "--outbox-only", action="store_true", help="Deliver notifications, run no task"
        )
        parser.add_argument(
            "--no-outbox", action="store_true", help="Run tasks, deliver no notification"
        )
        parser.add_argument(
            "--no-periodic", action="store_true", help="Run no periodic job (core/periodic.py)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = default_worker_id()
        worker = TasksAndOutboxWorker(
            relay=None if options["no_outbox"] else Relay(worker_id=worker_id),
            run_tasks=not options["outbox_only"],
            scheduler=None if options["no_periodic"] else Scheduler(),
            queue_names=options["queue"].split(","),
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            worker.reset_signals()
