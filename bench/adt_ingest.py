"""B6 — ADT ingestion over MLLP, end to end, beside a bare parse-and-ACK server.

    .venv/bin/python bench/adt_ingest.py [--messages 3000] [--connections 1,8] [--runs 3]
    bash tools/with-postgres.sh .venv/bin/python bench/adt_ingest.py   # adds PostgreSQL

The same sender (python-hl7's asyncio MLLP client, original acknowledgement mode: one message in
flight per connection) sends a mix of the fixture events (A01 A02 A03 A04 A05 A08 A11 A12 A13
A40) with fresh control IDs and 10 % resends of messages already sent, to:

- ceiling: a python-hl7 `start_hl7_server` that parses each message and answers
  `create_ack()`, nothing stored (this script with `--ceiling-server`);
- parcours: `parcours mllp` in its own process and data directory (SQLite, WAL), the whole
  path: decode, store raw and deduplicate, validate in the event's handler, commit, ACK;
- parcours on PostgreSQL when PARCOURS_DATABASE_URL is set.

Servers are pinned to CPU 1 and the sender to CPU 0 when there are two. The domain is
in the path (patients and stays, DomainActionsPort); the fixture mix shares one visit number,
so most messages are AE (docs/benchmarks.md, B6).
Prints msg/s, p50 and p99 ACK latency (medians of the runs) and the ratio to the ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import hl7
from hl7.mllp import open_hl7_connection, start_hl7_server

from bench._harness import BIN, ROOT, data_dir, free_port, machine_line, parcours, pinned, running

FIXTURES = ROOT / "tests" / "interop" / "fixtures"
MIX = [
    "a01_admit.hl7",
    "a02_transfer.hl7",
    "a03_discharge.hl7",
    "a04_register.hl7",
    "a05_preadmit.hl7",
    "a08_update.hl7",
    "a11_cancel_admit.hl7",
    "a12_cancel_transfer.hl7",
    "a13_cancel_discharge.hl7",
    "a40_merge.hl7",
]


@dataclass
class Result:
    rate: float
    p50_ms: float
    p99_ms: float
    acks: dict[str, int]


def templates() -> list[list[str]]:
    out = []
    for name in MIX:
        with open(FIXTURES / name, encoding="utf-8", newline="") as handle:
            out.append(handle.read().rstrip("\r").split("\r"))
    return out


def workload(count: int, duplicates: float, tag: str, seed: int) -> list[str]:
    """`count` messages: fresh control IDs, and `duplicates` of them resends of earlier ones."""
    rng = random.Random(seed)
    shapes = templates()
    sent: list[str] = []
    for i in range(count):
        if sent and rng.random() < duplicates:
            sent.append(rng.choice(sent))
            continue
        segments = list(rng.choice(shapes))
        msh = segments[0].split("|")
        msh[9] = f"{tag}-{i:07d}"
        segments[0] = "|".join(msh)
        sent.append("\r".join(segments))
    return sent


async def send_all(port: int, messages: list[str], connections: int) -> Result:
    latencies: list[float] = []
    acks: dict[str, int] = {}
    shares = [messages[i::connections] for i in range(connections)]
    parsed = [[hl7.parse(m) for m in share] for share in shares]

    async def sender(share: list[hl7.Message]) -> None:
        reader, writer = await open_hl7_connection("127.0.0.1", port, encoding="utf-8")
        try:
            for message in share:
                started = time.perf_counter()
                writer.writemessage(message)
                await writer.drain()
                ack = await reader.readmessage()
                latencies.append(time.perf_counter() - started)
                code = str(ack.segment("MSA")(1))
                acks[code] = acks.get(code, 0) + 1
        finally:
            writer.close()
            await writer.wait_closed()

    started = time.perf_counter()
    await asyncio.gather(*(sender(share) for share in parsed))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return Result(
        rate=len(latencies) / elapsed,
        p50_ms=latencies[len(latencies) // 2] * 1000,
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        acks=acks,
    )


def measure(port: int, args: argparse.Namespace, label: str, connections: int) -> Result:
    asyncio.run(send_all(port, workload(200, 0.0, f"W{label}{connections}", 1), connections))
    runs = []
    for run in range(args.runs):
        messages = workload(args.messages, args.duplicates, f"{label}{connections}R{run}", run)
        runs.append(asyncio.run(send_all(port, messages, connections)))
    acks: dict[str, int] = {}
    for result in runs:
        for code, n in result.acks.items():
            acks[code] = acks.get(code, 0) + n
    return Result(
        rate=statistics.median(r.rate for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        acks=acks,
    )


async def ceiling_server(port: int) -> None:
    async def handle(reader: hl7.mllp.HL7StreamReader, writer: hl7.mllp.HL7StreamWriter) -> None:
        try:
            while not writer.is_closing():
                message = await reader.readmessage()
                writer.writemessage(message.create_ack(ack_code="AA"))
                await writer.drain()
        except asyncio.IncompleteReadError:
            if not writer.is_closing():
                writer.close()
                await writer.wait_closed()

    server = await start_hl7_server(handle, host="127.0.0.1", port=port, encoding="utf-8")
    async with server:
        await server.serve_forever()


def parcours_server(env: dict[str, str], port: int) -> list[str]:
    command = [str(BIN / "parcours"), "mllp", "--port", str(port), "--max-connections", "64"]
    return pinned(command, "1")


def prepare(env: dict[str, str]) -> None:
    parcours(env, "migrate", "--noinput", "-v0")
    parcours(
        env,
        "shell",
        "-v0",
        "-c",
        (
            "from parcours.directory.models import Organisation as O;"
            "from parcours.interop.models import InboundMessage as M;"
            "M.objects.all().delete();"
            "O.objects.get_or_create(code='bench-chu-bxl', defaults={'name': {'fr': 'CHU'},"
            " 'type': 'hospital'})"
        ),
    )
    parcours(env, "hl7", "source", "add", "--facility", "CHU_BXL", "--organisation",
             "bench-chu-bxl", "--disposition", "06=home")  # fmt: skip


def stored(env: dict[str, str]) -> str:
    return parcours(
        env,
        "shell",
        "-v0",
        "-c",
        (
            "from django.db.models import Sum;"
            "from parcours.interop.models import InboundMessage as M;"
            "print(M.objects.count(), M.objects.aggregate(s=Sum('resend_count'))['s'] or 0)"
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--connections", default="1,8")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duplicates", type=float, default=0.1)
    parser.add_argument("--ceiling-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ceiling_server:
        asyncio.run(ceiling_server(args.ceiling_server))
        return
    if (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    connection_counts = [int(c) for c in args.connections.split(",")]
    results: dict[tuple[str, int], Result] = {}
    notes: list[str] = []

    port = free_port()
    ceiling = pinned([sys.executable, __file__, "--ceiling-server", str(port)], "1")
    with running(ceiling, ready=port):
        for connections in connection_counts:
            results[("ceiling (parse + ACK)", connections)] = measure(port, args, "C", connections)

    backends = [("sqlite", {"PARCOURS_DATABASE_URL": ""})]
    if os.environ.get("PARCOURS_DATABASE_URL", "").startswith("postgres"):
        backends.append(
            ("postgresql", {"PARCOURS_DATABASE_URL": os.environ["PARCOURS_DATABASE_URL"]})
        )
    for backend, extra in backends:
        with data_dir() as env:
            env.update(extra)
            if not env["PARCOURS_DATABASE_URL"]:
                del env["PARCOURS_DATABASE_URL"]
            prepare(env)
            port = free_port()
            with running(parcours_server(env, port), env=env, ready=port):
                for connections in connection_counts:
                    label = f"parcours mllp, {backend}"
                    results[(label, connections)] = measure(port, args, backend[0], connections)
            notes.append(f"{backend}: stored rows, resends counted = {stored(env)}")

    print(
        f"machine: {machine_line()}; {args.messages} messages per run, "
        f"{args.duplicates:.0%} resends, median of {args.runs} runs"
    )
    print(f"{'server':<30}{'conns':>6}{'msg/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>7}  ACKs")
    for (name, connections), result in results.items():
        top = results[("ceiling (parse + ACK)", connections)].rate
        acks = " ".join(f"{code}={n}" for code, n in sorted(result.acks.items()))
        print(
            f"{name:<30}{connections:>6}{result.rate:>9.0f}{result.p50_ms:>9.2f}"
            f"{result.p99_ms:>9.2f}{result.rate / top:>7.2f}  {acks}"
        )
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
