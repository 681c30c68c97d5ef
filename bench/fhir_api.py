"""B3 (read and search part) — FHIR read and search throughput through HTTP on a demo-sized
database (the default `parcours demo`: 300 professionals, 120 services, the story patients).

    .venv/bin/python bench/fhir_api.py                 # fresh SQLite data dir, then removed
    .venv/bin/python bench/fhir_api.py --seconds 10 --clients 4

Each scenario is a fixed GET request with a Bearer token (the demo liaison nurse, who reaches
the story patients), sent in a loop by `--clients` threads with keep-alive connections for
`--seconds` after a 1-second warm-up, against `parcours serve` (gunicorn, 2 sync workers).
Prints requests/s, p50 and p95 latency and the error count per scenario, and the ratio to a
peer measured in the same run: `/api/me` (the same middleware stack and token check, two small
queries), since the shared machine moves absolute figures a lot. Patient reads and
searches include the access check and its audit row (hash-chained append).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from bench._harness import BIN, free_port, machine_line, parcours, running  # noqa: E402


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def hammer(
    port: int, path: str, token: str, seconds: float, clients: int
) -> tuple[float, float, float, int]:
    """(requests/s, p50 ms, p95 ms, errors) for `clients` threads over `seconds`."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/fhir+json"}
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    warm_until = time.monotonic() + 1.0
    stop_at = warm_until + seconds

    def loop(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            started = time.monotonic()
            if started >= stop_at:
                break
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                ok = response.status == 200 and bool(json.loads(body))
            except (OSError, http.client.HTTPException, ValueError):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            if started >= warm_until:
                latencies[index].append((time.monotonic() - started) * 1000)
                if not ok:
                    errors[index] += 1
        conn.close()

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(value for values in latencies for value in values)
    return len(ordered) / seconds, percentile(ordered, 0.5), percentile(ordered, 0.95), sum(errors)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, help="Keep the data here (default: temporary).")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    directory = args.data_dir or Path(tempfile.mkdtemp(prefix="parcours-bench-fhir-"))
    try:
        measure(args, directory)
    finally:
        if args.data_dir is None:
            shutil.rmtree(directory, ignore_errors=True)


def measure(args: argparse.Namespace, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PARCOURS_DATA_DIR": str(directory), "PARCOURS_LOG_LEVEL": "WARNING"}
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")
    parcours(env, "migrate", "--noinput", "-v0")
    parcours(env, "demo", "--if-empty")
    parcours(env, "collectstatic", "--noinput", "-v0")
    token = parcours(env, "token", "create", "--user", "demo-liaison", "--name", "bench-fhir")

    import django

    django.setup()
    from django.db import connection

    from parcours.accounts.models import User
    from parcours.directory.models import Organisation, Professional, ProfessionalRole
    from parcours.patients.access import accessible_patients

    user = User.objects.get(username="demo-liaison")
    patient = accessible_patients(user).order_by("pk").first()
    professional = Professional.objects.order_by("pk").first()
    role = ProfessionalRole.objects.order_by("pk").first()
    assert patient is not None and professional is not None and role is not None
    organisation = Organisation.objects.get(pk=role.organisation_id)
    scenarios = [
        ("peer: GET /api/me (same stack, two queries)", "/api/me"),
        ("read Practitioner", f"/fhir/Practitioner/{professional.pk}"),
        ("read Organization", f"/fhir/Organization/{organisation.pk}"),
        ("read Patient (access + audit)", f"/fhir/Patient/{patient.pk}"),
        ("read CareTeam (access + audit)", f"/fhir/CareTeam/{patient.pk}"),
        (
            "search Practitioner?family=…",
            f"/fhir/Practitioner?family={professional.family_name[:3]}",
        ),
        ("search Organization?name=…&active=true", "/fhir/Organization?name=c&active=true"),
        (
            "search PractitionerRole?organization=…&_include ×2",
            f"/fhir/PractitionerRole?organization={organisation.pk}"
            "&_include=PractitionerRole:practitioner&_include=PractitionerRole:organization",
        ),
        ("search Patient?name=… (accessible only)", f"/fhir/Patient?name={patient.given_name[:2]}"),
        ("search Encounter?patient=…", f"/fhir/Encounter?patient={patient.pk}"),
    ]
    print(machine_line())
    print(
        f"backend {connection.vendor}: {Professional.objects.count()} professionals, "
        f"{Organisation.objects.count()} organisations, {accessible_patients(user).count()} "
        f"patients reachable by demo-liaison"
    )
    connection.close()
    port = free_port()
    command = [str(BIN / "parcours"), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(args.workers)]  # fmt: skip
    with running(command, env=env, ready=f"http://127.0.0.1:{port}/healthz"):
        print(f"{args.clients} clients, {args.seconds:.0f} s per scenario, {args.workers} workers")
        print("| scenario | req/s | p50 ms | p95 ms | req/s ÷ peer | errors |")
        print("|---|---|---|---|---|---|")
        peer = 0.0
        for name, path in scenarios:
            rps, p50, p95, errors = hammer(port, path, token, args.seconds, args.clients)
            peer = peer or rps
            ratio = rps / peer if peer else float("nan")
            print(f"| {name} | {rps:.0f} | {p50:.1f} | {p95:.1f} | {ratio:.2f} | {errors} |")


if __name__ == "__main__":
    main()
