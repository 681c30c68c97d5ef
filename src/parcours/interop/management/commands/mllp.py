from __future__ import annotations

import asyncio
import signal
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from parcours.interop.hl7v2.mllp import MllpServer, ServerConfig, serve


class Command(BaseCommand):
    help = (
        "Listen for HL7 v2 ADT messages over MLLP and acknowledge each one in original mode, "
        "after it is stored (docs/interop.md)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        defaults = ServerConfig()
        parser.add_argument("--host", default=defaults.host)
        parser.add_argument("--port", type=int, default=defaults.port)
        parser.add_argument(
            "--max-connections",
            type=int,
            default=defaults.max_connections,
            help="connections beyond this are closed on arrival",
        )
        parser.add_argument(
            "--idle-timeout",
            type=float,
            default=defaults.idle_timeout,
            help="seconds of silence after which a connection is closed",
        )
        parser.add_argument(
            "--max-message-bytes",
            type=int,
            default=defaults.max_message_bytes,
            help="larger frames are answered AR and the connection closed",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        config = ServerConfig(
            host=options["host"],
            port=options["port"],
            max_connections=options["max_connections"],
            idle_timeout=options["idle_timeout"],
            max_message_bytes=options["max_message_bytes"],
        )
        if config.max_connections < 1 or config.idle_timeout <= 0 or config.max_message_bytes < 64:
            raise CommandError(
                "--max-connections must be at least 1, --idle-timeout positive and "
                "--max-message-bytes at least 64"
            )
        if not 0 <= config.port <= 65535:
            raise CommandError("--port must be between 0 and 65535")
        # The database is used from the worker thread only.
        connections.close_all()
        try:
            asyncio.run(self._run(config))
        except OSError as exc:
            raise CommandError(f"cannot listen on {config.host}:{config.port}: {exc}") from None

    async def _run(self, config: ServerConfig) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)

        def ready(server: MllpServer) -> None:
            self.stdout.write(
                f"Parcours MLLP on {config.host}:{server.port} (max {config.max_connections} "
                f"connections, idle timeout {config.idle_timeout:g} s)"
            )
            self.stdout.flush()

        await serve(config, ready=ready, stop=stop, on_thread_exit=connections.close_all)
