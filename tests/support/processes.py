"""Start real servers (Parcours, Redis, SMTP…) on free loopback ports, for tests and benchmarks."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answered on {url}")


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


@contextmanager
def running(
    command: list[str], env: dict[str, str] | None = None, ready: str | int | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server in its own process group; `ready` is a URL or a port to wait for."""
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        if isinstance(ready, str):
            wait_for_http(ready)
        elif isinstance(ready, int):
            wait_for_port(ready)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@contextmanager
def redis_server() -> Iterator[str]:
    """A throw-away Redis on a free port; yields its URL."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise RuntimeError(
            "redis-server not found: run `make system-deps` (tools/ensure-system-deps.sh redis)"
        )
    port = free_port()
    command = [
        executable,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    with running(command, ready=port):
        yield f"redis://127.0.0.1:{port}/0"


def parcours_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a Parcours process with its own data dir (and SQLite file)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARCOURS_")}
    env.update({"PARCOURS_DATA_DIR": str(data_dir), "PARCOURS_LOG_LEVEL": "WARNING", **extra})
    return env


def parcours(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "parcours"), *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"parcours {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def database_url(settings_dict: dict[str, object]) -> str | None:
    """The URL of the test's PostgreSQL database (for a subprocess to share it), else None."""
    if "postgresql" not in str(settings_dict["ENGINE"]):
        return None
    user = str(settings_dict.get("USER") or "")
    password = str(settings_dict.get("PASSWORD") or "")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgresql://{credentials}{host}:{port}/{settings_dict['NAME']}"
