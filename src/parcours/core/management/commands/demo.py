from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from parcours.demo import DemoContext, load_all
from parcours.directory.models import Organisation


class Command(BaseCommand):
    help = (
        "Create the demo data (two territories, organisations, professionals, one user per role)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--professionals", type=int, default=300)
        parser.add_argument("--services", type=int, default=120)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if demo data is already there."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["professionals"] < 0 or options["services"] < 0:
            raise CommandError("--professionals and --services cannot be negative")
        if options["if_empty"] and Organisation.objects.exists():
            self.stdout.write("demo: data already present, nothing to do")
            return
        started = time.monotonic()
        context = DemoContext(
            seed=options["seed"],
            professionals=options["professionals"],
            services=options["services"],
            log=self.stdout.write,
        )
        load_all(context)
        self.stdout.write(f"demo: done in {time.monotonic() - started:.1f} s")
