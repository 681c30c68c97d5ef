"""Shared benchmark harness: a throw-away Parcours data dir, servers on free ports, wrk runs.

Benchmarks print their figures; the machine is small and noisy, so they report medians of
several runs and ratios against a peer measured in the same run.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import BIN, free_port, parcours, running

ROOT = Path(__file__).resolve().parent.parent
__all__ = ["BIN", "ROOT", "free_port", "parcours", "running"]


def pinned(command: list[str], cpus: str | None) -> list[str]:
    """Pin to CPUs with taskset when there are at least two, as the reference harness does."""
    if cpus and shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", cpus, *command]
    return command


@contextmanager
def data_dir(keep: str | None = None) -> Iterator[dict[str, str]]:
    """Environment for a fresh Parcours instance on SQLite (or PARCOURS_DATABASE_URL if set)."""
    directory = keep or tempfile.mkdtemp(prefix="parcours-bench-")
    env = {**os.environ, "PARCOURS_DATA_DIR": directory, "PARCOURS_LOG_LEVEL": "WARNING"}
    try:
        yield env
    finally:
        if keep is None:
            shutil.rmtree(directory, ignore_errors=True)


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if match is None:
        raise ValueError(f"unexpected wrk latency {value!r}")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(
    url: str, *, seconds: int, connections: int, headers: dict[str, str], cpus: str | None
) -> WrkResult:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(pinned(command, cpus), capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    non_2xx_match = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return WrkResult(rps, p50, p99, int(non_2xx_match.group(1)) if non_2xx_match else 0)


def median_result(results: list[WrkResult]) -> WrkResult:
    return WrkResult(
        rps=statistics.median(r.rps for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
        non_2xx=sum(r.non_2xx for r in results),
    )


def machine_line() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {sys.version.split()[0]}"
