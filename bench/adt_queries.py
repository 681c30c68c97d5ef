"""B6 — SQL statements per ADT event, counted in-process around `ingest()`.

    .venv/bin/python bench/adt_queries.py [--stories 20]
    bash tools/with-postgres.sh .venv/bin/python bench/adt_queries.py   # on PostgreSQL

Runs the per-patient stories of bench/adt_ingest.py (A01 → A02 → A08 → A03, A04 → …, A05 →
A01 → …) through `parcours.interop.hl7v2.ingest.ingest` in a throw-away data directory (or the
database of PARCOURS_DATABASE_URL, in fresh tables) and prints, per event, the median number of
statements under `CaptureQueriesContext`, of which SAVEPOINT/RELEASE and audit-chain ones.
Statement counts do not depend on the machine's load: this is the figure to compare between
versions; bench/adt_ingest.py gives the throughput.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stories", type=int, default=20, help="stories of each shape")
    parser.add_argument("--show", metavar="EVENT", help="print the statements of one EVENT")
    args = parser.parse_args()
    os.environ.setdefault("PARCOURS_DATA_DIR", tempfile.mkdtemp(prefix="parcours-queries-"))
    os.environ.setdefault("PARCOURS_DEMO", "false")
    os.environ.setdefault("PARCOURS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.adt_ingest import STORIES, _story_message, templates
    from parcours.directory.models import Organisation
    from parcours.interop.actions import hl7_source_add
    from parcours.interop.hl7v2.ingest import ingest

    call_command("migrate", "--noinput", verbosity=0)
    hospital, _ = Organisation.objects.get_or_create(
        code="bench-chu-bxl", defaults={"name": {"fr": "CHU"}, "type": "hospital"}
    )
    for ward in ("ger", "car", "ort"):
        Organisation.objects.get_or_create(
            code=f"bench-chu-bxl-{ward}",
            defaults={"name": {"fr": ward}, "type": "ward", "parent": hospital},
        )
    hl7_source_add(
        facility="CHU_BXL", organisation_code="bench-chu-bxl", dispositions={"06": "home"}
    )

    shapes = templates()
    tag = f"Q{os.getpid() % 100000}"
    counts: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    shown = False
    serial = 0
    story = 0
    for _, steps in STORIES:
        for _ in range(args.stories):
            story += 1
            for step in steps:
                serial += 1
                text = _story_message(shapes[step], tag, story, f"{tag}-{serial:07d}")
                with CaptureQueriesContext(connection) as captured:
                    result = ingest(text.encode())
                if result.ack_code != "AA":
                    sys.exit(f"{step} of story {story}: {result.ack_code} {result.ack!r}")
                sql = [q["sql"] for q in captured.captured_queries]
                savepoints = sum(
                    1 for s in sql if s.upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO"))
                )
                audit = sum(1 for s in sql if "audit" in s.lower())
                label = (
                    f"{step.upper()} (after A05)"
                    if step == "a01" and steps[0] == "a05"
                    else step.upper()
                )
                counts[label].append((len(sql), savepoints, audit))
                if args.show and args.show.upper() == label and not shown and story > 1:
                    shown = True
                    for statement in sql:
                        print("  ", statement[:200])
    print(f"database: {connection.vendor}; {args.stories} stories of each shape")
    print(f"{'event':<16}{'statements':>11}{'savepoint':>11}{'audit':>7}  (medians)")
    for label in sorted(counts):
        rows = counts[label]
        total, savepoints, audit = (statistics.median(r[i] for r in rows) for i in range(3))
        print(f"{label:<16}{total:>11g}{savepoints:>11g}{audit:>7g}")


if __name__ == "__main__":
    main()
