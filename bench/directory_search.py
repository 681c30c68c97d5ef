"""B2 — directory search on a national-size demo directory (1,000,000 professionals, 100,000
services): a mix of realistic queries through the selector, through HTTP, and the bare database
full-text query on the same data as the floor.

    # SQLite: generate once into a kept data dir, then measure
    .venv/bin/python bench/directory_search.py --data-dir /tmp/bench-sqlite --generate
    # PostgreSQL: a throw-away cluster, generated and measured in the same run
    bash tools/with-postgres.sh .venv/bin/python bench/directory_search.py \
        --data-dir /tmp/bench-pg --generate

Paths, each over the same N queries (default 1,000) after 100 warm-up queries:
- floor:    the FTS5 MATCH / tsvector @@ tsquery of the query's terms and indexed facets, first
            20 ids, on a raw sqlite3 / psycopg connection (no Django)
- selector: parcours.directory.selectors.search_services / search_professionals in-process
- http:     GET /api/directory/services|professionals with a Bearer token, one client,
            against `parcours serve` (gunicorn, 2 sync workers)
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import time
import urllib.parse
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from bench._harness import BIN, free_port, machine_line, parcours, running  # noqa: E402

SERVICE_WORDS = [
    "infirmière à domicile", "thuisverpleging", "home nursing", "soins infirmiers",
    "aide familiale", "gezinszorg", "aide à domicile", "assuétudes", "verslaving", "post-cure",
    "santé mentale", "equipe mobile", "CPAS", "OCMW", "maison de repos", "woonzorgcentrum",
    "kiné", "pharmacie", "apotheek", "médiation", "précarité", "soins palliatifs",
    "coordination à domicile", "thuiszorg", "SSIAD", "maison médicale", "huisarts", "aidants",
    "", "", "",
]  # fmt: skip
FAMILY = ["Dubois", "Peeters", "Martin", "Janssens", "Lambert", "Maes", "Leroy", "Claes"]
PROFESSIONS = ["nurse", "gp", "physiotherapist", "pharmacist", "social_worker"]
TARGETS = ["geriatrics", "psychiatry", "addiction", "precarity", "lgbtqia", "disability"]


def percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return pick(0.50), pick(0.95), pick(0.99)


def build_mix(count: int, seed: int) -> list[tuple[str, dict[str, str]]]:
    """(kind, params) pairs in the API's vocabulary, deterministic."""
    from parcours.directory.selectors import municipality_choices
    from parcours.territory.models import Municipality

    rng = random.Random(seed)
    local = [f"{m.country}:{m.code}" for m in municipality_choices()]
    everywhere = [
        f"{c}:{m}"
        for c, m in Municipality.objects.order_by("id").values_list("country", "code")[::50]
    ]
    saturday = date.today() + timedelta(days=(5 - date.today().weekday()) % 7 or 7)
    zone = ZoneInfo("Europe/Brussels")
    moments = [
        datetime(saturday.year, saturday.month, saturday.day, 10, 0, tzinfo=zone),
        datetime(saturday.year, saturday.month, saturday.day, 16, 0, tzinfo=zone)
        + timedelta(days=1),
        datetime(date.today().year + 1, 1, 1, 9, 0, tzinfo=zone),  # a public holiday
    ]
    mix = []
    for _ in range(count):
        municipality = rng.choice(local if rng.random() < 0.8 else everywhere)
        if rng.random() < 0.7:
            params = {"q": rng.choice(SERVICE_WORDS), "municipality": municipality}
            if rng.random() < 0.3:
                params["language"] = "nl" if municipality.startswith("BE") else "en"
            if rng.random() < 0.35:
                params["open_at"] = rng.choice(moments).isoformat()
            if rng.random() < 0.4:
                params["accepting"] = "true"
            if rng.random() < 0.15:
                params["target_group"] = rng.choice(TARGETS)
            if rng.random() < 0.2:
                params["sort"] = "distance"
            if rng.random() < 0.1:
                params["page"] = "2"
            mix.append(("services", {k: v for k, v in params.items() if v}))
        else:
            roll = rng.random()
            if roll < 0.4:
                params = {"q": rng.choice(FAMILY), "municipality": municipality}
            elif roll < 0.8:
                params = {"profession": rng.choice(PROFESSIONS), "municipality": municipality}
                if rng.random() < 0.5:
                    params["language"] = "nl" if municipality.startswith("BE") else "fr"
                if rng.random() < 0.5:
                    params["accepting_new_patients"] = "true"
            else:
                params = {"q": rng.choice(["référent gériatrie", "referent geriatrie", "liaison"])}
            mix.append(("professionals", params))
    return mix


def floor_statement(kind: str, params: dict[str, str]) -> tuple[str, tuple[Any, ...]]:
    """The bare full-text query of a search: its terms and indexed facets, first 20 ids."""
    from django.db import connection

    from parcours.directory.documents import municipality_token
    from parcours.directory.text import facet_token, fts5_query, parse_query, tsquery

    terms = parse_query(params.get("q", "")).terms
    facets = []
    if params.get("municipality"):
        country, code = params["municipality"].split(":")
        facets.append(municipality_token(country, code))
    if params.get("language"):
        facets.append(facet_token("lang", params["language"]))
    if params.get("target_group"):
        facets.append(facet_token("tg", params["target_group"]))
    if params.get("profession"):
        facets.append(facet_token("prof", params["profession"]))
    table = "service" if kind == "services" else "professional"
    if not terms and not facets:
        return f"SELECT id FROM directory_{table} LIMIT 20", ()  # noqa: S608
    if connection.vendor == "postgresql":
        key = "service_id" if table == "service" else "professional_id"
        return (
            f"SELECT {key} FROM directory_{table}document WHERE "  # noqa: S608
            "to_tsvector('simple'::regconfig, parcours_unaccent(body)) @@ "
            "to_tsquery('simple'::regconfig, %s) LIMIT 20",
            (tsquery(terms, facets),),
        )
    return (
        f"SELECT rowid FROM directory_{table}_fts WHERE directory_{table}_fts MATCH ? LIMIT 20",  # noqa: S608
        (fts5_query(terms, facets),),
    )


def raw_connection() -> tuple[Any, Callable[[str, tuple[Any, ...]], None]]:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        import sqlite3

        conn = sqlite3.connect(str(db["NAME"]))

        def run_sqlite(sql: str, params: tuple[Any, ...]) -> None:
            conn.execute(sql, params).fetchall()

        return conn, run_sqlite
    import psycopg

    conn = psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
    )

    def run_pg(sql: str, params: tuple[Any, ...]) -> None:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return conn, run_pg


def selector_call(kind: str, params: dict[str, str]) -> None:
    from parcours.directory.selectors import (
        ProfessionalQuery,
        ServiceQuery,
        municipality_lookup,
        search_professionals,
        search_services,
    )

    municipality = (
        municipality_lookup(params["municipality"]) if params.get("municipality") else None
    )
    if kind == "services":
        search_services(
            ServiceQuery(
                q=params.get("q", ""),
                language=params.get("language", ""),
                target_group=params.get("target_group", ""),
                municipality=municipality,
                open_at=datetime.fromisoformat(params["open_at"]) if "open_at" in params else None,
                accepting="accepting" in params,
                sort=params.get("sort", "relevance"),  # type: ignore[arg-type]
                page=int(params.get("page", "1")),
            )
        )
    else:
        search_professionals(
            ProfessionalQuery(
                q=params.get("q", ""),
                profession=params.get("profession", ""),
                language=params.get("language", ""),
                municipality=municipality,
                accepting_new_patients="accepting_new_patients" in params,
            )
        )


def timed(calls: list[Callable[[], None]]) -> list[float]:
    durations = []
    for call in calls:
        started = time.perf_counter()
        call()
        durations.append((time.perf_counter() - started) * 1000)
    return durations


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--generate", action="store_true", help="Create the demo data if missing.")
    parser.add_argument("--professionals", type=int, default=1_000_000)
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    args.data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PARCOURS_DATA_DIR": str(args.data_dir), "PARCOURS_LOG_LEVEL": "WARNING"}
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")
    parcours(env, "migrate", "--noinput", "-v0")
    if args.generate:
        started = time.monotonic()
        out = parcours(
            env,
            "demo",
            "--professionals",
            str(args.professionals),
            "--services",
            str(args.services),
        )
        print(out.splitlines()[-1], f"(wall {time.monotonic() - started:.0f} s)")
    parcours(env, "collectstatic", "--noinput", "-v0")
    token = parcours(
        env, "token", "create", "--user", "demo-liaison", "--name", f"bench-{time.time()}"
    )

    import django

    django.setup()
    from django.db import connection

    from parcours.directory.models import Professional, Service

    print(machine_line())
    print(
        f"backend {connection.vendor}: {Professional.objects.count()} professionals, "
        f"{Service.objects.count()} services"
    )
    mix = build_mix(args.queries + 100, args.seed)
    warm, measured = mix[:100], mix[100:]

    _conn, run_raw = raw_connection()
    statements = [floor_statement(kind, params) for kind, params in mix]
    timed([lambda s=s: run_raw(*s) for s in statements[:100]])
    floor = timed([lambda s=s: run_raw(*s) for s in statements[100:]])

    timed([lambda k=k, p=p: selector_call(k, p) for k, p in warm])
    selector = timed([lambda k=k, p=p: selector_call(k, p) for k, p in measured])

    port = free_port()
    command = [
        str(BIN / "parcours"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
    ]
    with running(command, env=env, ready=f"http://127.0.0.1:{port}/healthz"):

        def get(kind: str, params: dict[str, str]) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request(
                "GET",
                f"/api/directory/{kind}?{urllib.parse.urlencode(params)}",
                headers={"Authorization": f"Bearer {token}"},
            )
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"{response.status} {body[:200]!r} for {kind} {params}")
            json.loads(body)
            conn.close()

        timed([lambda k=k, p=p: get(k, p) for k, p in warm])
        http_times = timed([lambda k=k, p=p: get(k, p) for k, p in measured])

    floor_p = percentiles(floor)
    rows = [
        ("floor (bare FTS)", floor_p),
        ("selector", percentiles(selector)),
        ("HTTP", percentiles(http_times)),
    ]
    print(f"{len(measured)} queries ({sum(k == 'services' for k, _ in measured)} services)")
    print("| path | p50 ms | p95 ms | p99 ms | p95 / floor p95 |")
    print("|---|---|---|---|---|")
    for name, (p50, p95, p99) in rows:
        ratio = p95 / floor_p[1] if floor_p[1] else float("nan")
        print(f"| {name} | {p50:.2f} | {p95:.2f} | {p99:.2f} | {ratio:.1f} |")
    mean = statistics.mean(http_times)
    print(f"HTTP mean {mean:.2f} ms")


if __name__ == "__main__":
    main()
