"""B6 — ADT ingestion over MLLP, end to end, beside a bare parse-and-ACK server.

    .venv/bin/python bench/adt_ingest.py [--messages 3000] [--connections 1,8] [--runs 3]
    bash tools/with-postgres.sh .venv/bin/python bench/adt_ingest.py   # adds PostgreSQL

The same sender (python-hl7's asyncio MLLP client, original acknowledgement mode: one message in
flight per connection) sends coherent per-patient stories built from the fixtures — A01 → A02 →
A08 → A03 (60 %), A04 → A02 → A08 → A03 (20 %), A05 → A01 → A08 → A03 (20 %) — each with its
own PID-3 and PV1-19, fresh control IDs, each story on one connection with four interleaved, and
10 % resends of messages already sent on that connection, to:

- ceiling: a python-hl7 `start_hl7_server` that parses each message and answers
  `create_ack()`, nothing stored (this script with `--ceiling-server`);
- parcours: `parcours mllp` in its own process and data directory (SQLite, WAL), the whole
  path: decode, store raw and deduplicate, validate in the event's handler, commit, ACK;
- parcours on PostgreSQL when PARCOURS_DATABASE_URL is set.

Servers are pinned to CPU 1 and the sender to CPU 0 when there are two. The domain is
in the path (patients and stays, DomainActionsPort): nearly every message is AA; the ACK
counts are printed (docs/benchmarks.md, B6).
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
NISS = "~48021408235^^^NISS&2.16.840.1.113883.3.6777.5.1&ISO^NNBEL"
# Per-patient stories (share of stories): each starts a stay, moves it, updates it, ends it.
STORIES = [
    (0.6, ["a01", "a02", "a08", "a03"]),
    (0.2, ["a04", "a02", "a08", "a03"]),
    (0.2, ["a05", "a01", "a08", "a03"]),
]
INTERLEAVE = 4  # stories in progress at once on each connection


@dataclass
class Result:
    rate: float
    p50_ms: float
    p99_ms: float
    acks: dict[str, int]


def _fixture(name: str) -> str:
    with open(FIXTURES / name, encoding="utf-8", newline="") as handle:
        return handle.read().rstrip("\r")


def templates() -> dict[str, str]:
    """One template per step, on the sample patient (PID-3 000123456, visit V20250312-0007)."""
    admit = _fixture("a01_admit.hl7")
    planned = (
        _fixture("a05_preadmit_planned.hl7")
        .replace("000777888", "000123456")
        .replace("V20250320-0200", "V20250312-0007")
    )
    return {
        "a01": admit,
        "a04": admit.replace("ADT^A01^ADT_A01", "ADT^A04^ADT_A01").replace("EVN|A01", "EVN|A04"),
        "a05": planned,
        "a02": _fixture("a02_transfer.hl7"),
        "a08": _fixture("a08_update_visit.hl7"),
        "a03": _fixture("a03_discharge.hl7"),
    }


def _story_message(template: str, tag: str, story: int, control_id: str) -> str:
    text = (
        template.replace(NISS, "")
        .replace("000123456", f"{tag}P{story:06d}")
        .replace("V20250312-0007", f"{tag}V{story:06d}")
    )
    segments = text.split("\r")
    msh = segments[0].split("|")
    msh[9] = control_id
    segments[0] = "|".join(msh)
    return "\r".join(segments)


def workload(
    count: int, duplicates: float, tag: str, seed: int, connections: int
) -> list[list[str]]:
    """`count` messages in one list per connection: coherent per-patient stories (distinct PID-3
    and PV1-19, each story on one connection, a few interleaved), fresh control IDs, and
    `duplicates` of them resends of a message already sent on that connection."""
    rng = random.Random(seed)
    shapes = templates()
    shares: list[list[str]] = [[] for _ in range(connections)]
    story = 0
    serial = 0
    total = 0
    while total < count:
        for share in shares:
            if total >= count:
                break
            active: list[list[str]] = []
            for _ in range(INTERLEAVE):
                steps = rng.choices([s for _, s in STORIES], weights=[w for w, _ in STORIES])[0]
                messages = []
                for step in steps:
                    serial += 1
                    messages.append(_story_message(shapes[step], tag, story, f"{tag}-{serial:07d}"))
                active.append(messages)
                story += 1
            while any(active) and total < count:
                for messages in active:
                    if not messages or total >= count:
                        continue
                    if share and rng.random() < duplicates:
                        share.append(rng.choice(share))
                    else:
                        share.append(messages.pop(0))
                    total += 1
    return shares


async def send_all(port: int, shares: list[list[str]]) -> Result:
    latencies: list[float] = []
    acks: dict[str, int] = {}
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
    asyncio.run(send_all(port, workload(200, 0.0, f"W{label}{connections}", 1, connections)))
    runs = []
    for run in range(args.runs):
        shares = workload(
            args.messages, args.duplicates, f"{label}{connections}R{run}", run, connections
        )
        runs.append(asyncio.run(send_all(port, shares)))
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
            "h, _ = O.objects.get_or_create(code='bench-chu-bxl', defaults={'name': {'fr': 'CHU'},"
            " 'type': 'hospital'});"
            "[O.objects.get_or_create(code=f'bench-chu-bxl-{w}', defaults={'name': {'fr': w},"
            " 'type': 'ward', 'parent': h}) for w in ('ger', 'car', 'ort')]"
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
