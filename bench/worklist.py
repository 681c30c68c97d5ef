"""B12 — the liaison team's worklist: a hospital with 2,000 open stays among 1,000,000
historical (discharged) stays. Queries per page render (25 vs 100 rows: no N+1) and the
latency of GET /worklist/ through HTTP (`parcours serve`, gunicorn, 2 sync workers).

    # SQLite (default): generate once into a kept data dir, then measure
    .venv/bin/python bench/worklist.py --data-dir /tmp/bench-worklist --generate
    # smaller history while iterating
    .venv/bin/python bench/worklist.py --data-dir /tmp/bench-wl-small --generate --stays 100000
    # PostgreSQL: a throw-away cluster
    bash tools/with-postgres.sh .venv/bin/python bench/worklist.py --data-dir /tmp/bench-wl-pg \
        --generate

Data (deterministic, synthetic): one hospital with 4 wards; `--open` open stays (default 2,000),
each with a patient, 4 plan items (some overdue, some owned by a home-nursing organisation with
opening hours), a GP for half of them, a home nurse service for a third, a screening for 60 %;
`--stays` discharged stays (default 1,000,000) spread over 250,000 patients and two hospitals.

Paths, each over `--requests` requests (default 200) after 20 warm-up requests:
- selector: parcours.transitions.worklist.worklist() in-process, page of 25
- http:      GET /worklist/ (full page, 25 rows) with a session cookie, one client
- http-flag: GET /worklist/?flag=risky_day (a flag computed in Python over every open stay)
- api:       GET /api/worklist?size=100 with a Bearer token
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import os
import random
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from bench._harness import BIN, free_port, machine_line, parcours, running  # noqa: E402

PASSWORD = "bench passphrase long enough"
BATCH = 5000


def percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return pick(0.50), pick(0.95), pick(0.99)


def timed(calls: list[Callable[[], object]]) -> list[float]:
    out = []
    for call in calls:
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def generate(open_stays: int, historical: int, seed: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from parcours.accounts.models import Membership, Role, User
    from parcours.directory.models import OpeningHours, Organisation, Service
    from parcours.patients.models import CircleMember, MemberRole, Patient
    from parcours.transitions.models import (
        PlanItem,
        PlanItemStatus,
        ScreeningRecord,
        Stay,
        StayStatus,
    )

    rng = random.Random(seed)
    now = timezone.now()
    started = time.monotonic()
    with transaction.atomic():
        hospital = Organisation.objects.create(
            code="bench-chu", type="hospital", name={"fr": "CHU Banc", "nl": "UZ Bank"}
        )
        other = Organisation.objects.create(
            code="bench-other", type="hospital", name={"fr": "Autre hôpital"}
        )
        wards = [
            Organisation.objects.create(
                code=f"bench-ward-{n}", type="ward", parent=hospital, name={"fr": f"Unité {n}"}
            )
            for n in range(4)
        ]
        nursing = Organisation.objects.create(
            code="bench-nursing", type="home_nursing", name={"fr": "Soins à domicile Banc"}
        )
        service = Service.objects.create(
            organisation=nursing, name={"fr": "Soins Banc"}, category="home_nursing"
        )
        OpeningHours.objects.bulk_create(
            OpeningHours(service=service, day=day, opens=8 * 60, closes=18 * 60) for day in range(5)
        )
        gp_practice = Organisation.objects.create(
            code="bench-gp", type="gp_practice", name={"fr": "Maison médicale Banc"}
        )
        user = User.objects.create_user(
            username="bench", password=PASSWORD, first_name="Bench", last_name="Nurse"
        )
        Membership.objects.create(
            user=user, organisation=hospital, role=Role.HOSPITAL_LIAISON_NURSE
        )

    patients_needed = open_stays + max(historical // 4, 1)
    patient_ids: list[int] = []
    for start in range(0, patients_needed, BATCH):
        with transaction.atomic():
            batch = Patient.objects.bulk_create(
                Patient(given_name=f"Test{n}", family_name=f"Synthetic{n:07d}")
                for n in range(start, min(start + BATCH, patients_needed))
            )
        patient_ids.extend(p.pk for p in batch)
    print(f"{len(patient_ids)} patients ({time.monotonic() - started:.0f} s)", flush=True)

    history_patients = patient_ids[open_stays:]
    for start in range(0, historical, BATCH):
        rows = []
        for n in range(start, min(start + BATCH, historical)):
            admitted = now - timedelta(days=rng.randint(30, 3650), hours=rng.randint(0, 23))
            left = admitted + timedelta(days=rng.randint(1, 20))
            rows.append(
                Stay(
                    patient_id=history_patients[n % len(history_patients)],
                    hospital=hospital if n % 5 else other,
                    ward=wards[n % 4] if n % 5 else None,
                    admitted_at=admitted,
                    expected_discharge_at=left,
                    discharged_at=left,
                    liaison_letter_sent_at=left - timedelta(hours=3) if n % 3 else None,
                    status=StayStatus.DISCHARGED,
                    destination="home",
                )
            )
        with transaction.atomic():
            Stay.objects.bulk_create(rows)
        if (start // BATCH) % 40 == 0:
            print(f"  {start + len(rows)} historical stays", flush=True)
    print(f"{historical} historical stays ({time.monotonic() - started:.0f} s)", flush=True)

    with transaction.atomic():
        stays = Stay.objects.bulk_create(
            Stay(
                patient_id=patient_ids[n],
                hospital=hospital,
                ward=wards[n % 4],
                admitted_at=now - timedelta(days=rng.randint(0, 30)),
                expected_discharge_at=(
                    now + timedelta(hours=rng.randint(1, 24 * 14)) if n % 10 else None
                ),
                status=StayStatus.OPEN,
                referent=user if n % 4 == 0 else None,
                liaison_letter_sent_at=now if n % 7 == 0 else None,
            )
            for n in range(open_stays)
        )
        items, members, screenings = [], [], []
        today = timezone.localdate()
        for n, stay in enumerate(stays):
            for k in range(4):
                items.append(
                    PlanItem(
                        stay=stay,
                        label={"fr": f"Action {k}"},
                        code=f"item-{k}",
                        due_at=now + timedelta(days=k - 2),
                        status=PlanItemStatus.DONE if k == 0 else PlanItemStatus.TODO,
                        owner_organisation=nursing if k == 3 and n % 2 else None,
                    )
                )
            if n % 2 == 0:
                members.append(
                    CircleMember(
                        patient_id=stay.patient_id,
                        role=MemberRole.GP,
                        organisation=gp_practice,
                        start_date=today,
                    )
                )
            if n % 3 == 0:
                members.append(
                    CircleMember(
                        patient_id=stay.patient_id,
                        role=MemberRole.HOME_NURSE,
                        service=service,
                        start_date=today,
                    )
                )
            if n % 5 < 3:
                screenings.append(
                    ScreeningRecord(
                        stay=stay,
                        instrument="isar",
                        version="1",
                        score=n % 4,
                        band="at_risk" if n % 4 >= 2 else "low",
                        positive=n % 4 >= 2,
                        validated=True,
                    )
                )
        PlanItem.objects.bulk_create(items, batch_size=BATCH)
        CircleMember.objects.bulk_create(members, batch_size=BATCH)
        ScreeningRecord.objects.bulk_create(screenings, batch_size=BATCH)
    print(f"{open_stays} open stays with plans ({time.monotonic() - started:.0f} s)", flush=True)


def login_cookie(base: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    body = urllib.parse.urlencode(
        {"username": "bench", "password": PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/", data=body, headers={"Referer": base}
    )
    opener.open(request).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError("login failed")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def page_queries(size: int) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from parcours.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="bench"))
    client.get(f"/worklist/?size={size}")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/worklist/?size={size}")
    assert response.status_code == 200, response.status_code
    return len(captured)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--generate", action="store_true", help="Create the data if missing.")
    parser.add_argument("--stays", type=int, default=1_000_000, help="Historical stays.")
    parser.add_argument("--open", type=int, default=2000, help="Open stays of the hospital.")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    args.data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PARCOURS_DATA_DIR": str(args.data_dir),
        "PARCOURS_LOG_LEVEL": "WARNING",
        "PARCOURS_DEMO": "false",
    }
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")
    parcours(env, "migrate", "--noinput", "-v0")

    import django

    django.setup()
    from django.db import connection

    from parcours.accounts.models import User
    from parcours.directory.models import Organisation
    from parcours.transitions.models import Stay
    from parcours.transitions.worklist import worklist

    if args.generate and not User.objects.filter(username="bench").exists():
        started = time.monotonic()
        generate(args.open, args.stays, args.seed)
        if connection.vendor == "postgresql":
            # Planner statistics after the bulk load, as a real database would have them.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"generated in {time.monotonic() - started:.0f} s")
    parcours(env, "collectstatic", "--noinput", "-v0")
    token = parcours(env, "token", "create", "--user", "bench", "--name", f"bench-{time.time()}")

    hospital = Organisation.objects.get(code="bench-chu")
    user = User.objects.get(username="bench")
    print(machine_line())
    print(
        f"backend {connection.vendor}: {Stay.objects.count()} stays, "
        f"{Stay.objects.filter(hospital=hospital, status='open').count()} open in the hospital"
    )
    q25, q100 = page_queries(25), page_queries(100)
    print(f"queries per GET /worklist/: {q25} (25 rows), {q100} (100 rows)")

    def selector() -> None:
        worklist(user=user, hospital=hospital)

    timed([selector] * 20)
    selector_times = timed([selector] * args.requests)

    port = free_port()
    command = [str(BIN / "parcours"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", "2"]
    results: dict[str, list[float]] = {"selector (25 rows)": selector_times}
    with running(command, env=env, ready=f"http://127.0.0.1:{port}/healthz"):
        cookie = login_cookie(f"http://127.0.0.1:{port}")

        def get(path: str, headers: dict[str, str]) -> Callable[[], None]:
            def call() -> None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                if response.status != 200:
                    raise RuntimeError(f"{response.status} {body[:200]!r} for {path}")
                conn.close()

            return call

        cases = {
            "http GET /worklist/ (25 rows)": get("/worklist/", {"Cookie": cookie}),
            "http GET /worklist/?flag=risky_day": get(
                "/worklist/?flag=risky_day", {"Cookie": cookie}
            ),
            "http GET /api/worklist?size=100": get(
                "/api/worklist?size=100", {"Authorization": f"Bearer {token}"}
            ),
        }
        for name, call in cases.items():
            timed([call] * 20)
            results[name] = timed([call] * args.requests)

    print(f"{args.requests} requests per path, one client, after 20 warm-up requests")
    print("| path | p50 ms | p95 ms | p99 ms | mean ms |")
    print("|---|---|---|---|---|")
    for name, values in results.items():
        p50, p95, p99 = percentiles(values)
        print(f"| {name} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {statistics.mean(values):.1f} |")


if __name__ == "__main__":
    main()
