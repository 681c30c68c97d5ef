from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run background tasks (Django Tasks, database backend) until stopped."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--queue", default="*", help="Queue names, comma-separated, or *")
        parser.add_argument("--interval", type=float, default=1.0, help="Polling interval (s)")
        parser.add_argument("--batch", action="store_true", help="Exit when no task is left")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command(
            "db_worker",
            queue_name=options["queue"],
            interval=options["interval"],
            batch=options["batch"],
        )
