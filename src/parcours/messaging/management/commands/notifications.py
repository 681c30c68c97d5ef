"""`parcours notifications deliver [--once]`, `digest`, `status`, `requeue`, `webhook-add`."""

from __future__ import annotations

import signal
import threading
from argparse import ArgumentParser
from types import FrameType
from typing import Any
from urllib.parse import urlparse

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from parcours.directory.models import Organisation
from parcours.messaging.actions import (
    digest_build,
    outbox_requeue_dead,
    webhook_endpoint_register,
)
from parcours.messaging.delivery import Relay, backlog
from parcours.messaging.kinds import UnknownKind


class Command(BaseCommand):
    help = "Deliver notifications from the outbox, write the daily digests, show the backlog."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        deliver = commands.add_parser("deliver", help="Deliver due outbox rows")
        deliver.add_argument("--once", action="store_true", help="Exit when none is due")
        deliver.add_argument("--interval", type=float, default=1.0, help="Polling interval (s)")
        commands.add_parser("digest", help="Write today's daily digest e-mails to the outbox")
        commands.add_parser("status", help="Outbox rows per status")
        commands.add_parser("requeue", help="Give dead rows a fresh set of attempts")
        webhook = commands.add_parser(
            "webhook-add", help="Register an organisation's webhook; prints its secret once"
        )
        webhook.add_argument("--organisation", required=True, help="Organisation code")
        webhook.add_argument("--url", required=True, help="http(s) URL of the receiver")
        webhook.add_argument("--kind", action="append", default=[], help="Kind code (repeat)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "digest":
            self.stdout.write(f"{digest_build()} digest(s) written")
        elif action == "requeue":
            self.stdout.write(f"{outbox_requeue_dead()} row(s) requeued")
        elif action == "webhook-add":
            self.add_webhook(options["organisation"], options["url"], options["kind"])
        elif action == "status":
            for status, count in backlog().items():
                self.stdout.write(f"{status} {count}")
        else:
            self.deliver(once=options["once"], interval=options["interval"])

    def add_webhook(self, code: str, url: str, kinds: list[str]) -> None:
        organisation = Organisation.objects.filter(code=code).first()
        if organisation is None:
            raise CommandError(f"no organisation with code {code!r}")
        if urlparse(url).scheme not in {"http", "https"}:
            raise CommandError("the URL must start with http:// or https://")
        try:
            _endpoint, secret = webhook_endpoint_register(
                organisation=organisation, url=url, kinds=kinds
            )
        except UnknownKind as exc:
            raise CommandError(f"unknown kind {exc}") from None
        self.stdout.write(secret)

    def deliver(self, *, once: bool, interval: float) -> None:
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            # Finish the message in hand, then stop (a second signal forces it).
            if stop.is_set():
                raise SystemExit(1)
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        relay = Relay()
        delivered = 0
        try:
            while not stop.is_set():
                close_old_connections()
                done = relay.tick(limit=None if once else 50, should_stop=stop.is_set)
                delivered += done
                if once:
                    break
                if not done:
                    stop.wait(interval)
        finally:
            relay.release_leases()
        self.stdout.write(f"{delivered} delivered or attempted")
