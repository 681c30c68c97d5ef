from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# Hosts whose uvicorn also listens on 127.0.0.1, where the other processes of this server
# hand it live events when there is no Redis (parcours.live, docs/decisions/0006).
LOOPBACK_OR_ANY = {"127.0.0.1", "localhost", "0.0.0.0", "::", ""}  # noqa: S104


class Command(BaseCommand):
    help = (
        "Serve Parcours: WSGI workers (gunicorn, sync) for pages, JSON API and static files, "
        "and one ASGI server (uvicorn) for WebSocket on --ws-port. See "
        "docs/decisions/0001-server-arrangement.md for the measurements behind this split."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 1))
        parser.add_argument(
            "--ws-port", type=int, default=None, help="WebSocket port (default: port + 1)"
        )
        parser.add_argument("--no-websocket", action="store_true")
        parser.add_argument(
            "--worker",
            action="store_true",
            help="Also run `parcours worker` (background tasks, notification delivery): the "
            "one-machine set-up of `make run`.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        host, port = options["host"], options["port"]
        ws_port = options["ws_port"] or port + 1
        env = dict(os.environ)
        env.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")
        if not options["no_websocket"]:
            env.setdefault("PARCOURS_WEBSOCKET_PORT", str(ws_port))
        commands = [
            [
                sys.executable,
                "-m",
                "gunicorn",
                "parcours.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(options["workers"]),
                "--worker-class",
                "sync",
                "--timeout",
                "60",
                "--graceful-timeout",
                "20",
                "--access-logfile",
                "-",
                # One shared control socket per user would clash between several instances.
                "--no-control-socket",
            ]
        ]
        if not options["no_websocket"]:
            commands.append(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "parcours.asgi:application",
                    "--host",
                    host,
                    "--port",
                    str(ws_port),
                    "--no-access-log",
                    "--lifespan",
                    "off",
                ]
            )
        if options["worker"]:
            commands.append([sys.executable, "-m", "parcours.cli", "worker"])
        if not options["no_websocket"] and not settings.REDIS_URL and host not in LOOPBACK_OR_ANY:
            warning = (
                "Without PARCOURS_REDIS_URL, live events reach the WebSocket process over "
                "127.0.0.1:%d, which --host %s does not listen on: pages will not update "
                "live. Use a loopback or wildcard --host, or set PARCOURS_REDIS_URL."
            )
            self.stderr.write(warning % (ws_port, host))
        processes = [subprocess.Popen(command, env=env) for command in commands]  # noqa: S603
        self.stdout.write(
            f"Parcours on http://{host}:{port}/ ({options['workers']} workers, "
            f"database {str(settings.DATABASES['default']['ENGINE']).rsplit('.', 1)[-1]})"
        )

        def stop(signum: int, frame: object) -> None:
            for process in processes:
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        exit_code = 0
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        finally:
            stop(signal.SIGTERM, None)
            for process in processes:
                try:
                    code = process.wait(timeout=25)
                except subprocess.TimeoutExpired:
                    process.kill()
                    code = process.wait()
                exit_code = exit_code or (code if code and code > 0 else 0)
        sys.exit(exit_code)
