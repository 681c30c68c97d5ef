"""B1 — framework overhead: a JSON endpoint through Parcours' whole middleware stack beside a
bare Django view, in the same server run.

    .venv/bin/python bench/http_overhead.py [--seconds 8] [--runs 3] [--connections 16]

Server: gunicorn sync workers (as `parcours serve`) pinned to CPU 1, wrk pinned to CPU 0.
Endpoints:
- bare:    /bench/bare/ — Django handler, no middleware, same queries and JSON as /api/me
- token:   /api/me with `Authorization: Bearer` (token lookup, security headers, request
           context for the audit log, locale, CSRF-exempt API auth, JSON schema)
- session: /api/me with a logged-in session cookie (session read, idle-expiry check)
Also the same `token` request through uvicorn (ASGI) to back the server-arrangement decision.
Prints rps and latency percentiles (medians of the runs) and the ratios to bare.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import sys
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import (
    BIN,
    ROOT,
    WrkResult,
    data_dir,
    free_port,
    machine_line,
    median_result,
    parcours,
    pinned,
    running,
    wrk,
)

PASSWORD = "bench passphrase long enough"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with data_dir() as env:
        env["PYTHONPATH"] = str(ROOT)
        parcours(env, "migrate", "--noinput", "-v0")
        parcours(env, "collectstatic", "--noinput", "-v0")
        parcours(
            env,
            "shell",
            "-v0",
            "-c",
            (
                "from parcours.directory.models import Organisation as O;"
                "O.objects.create(code='bench-hospital', name={'fr': 'Banc'}, type='hospital')"
            ),
        )
        env["PARCOURS_NEW_PASSWORD"] = PASSWORD
        parcours(
            env,
            "user",
            "create",
            "--username",
            "bench",
            "--email",
            "b@example.invalid",
            "--organisation",
            "bench-hospital",
            "--role",
            "hospital_liaison_nurse",
        )
        token = parcours(env, "token", "create", "--user", "bench", "--name", "bench")

        results: dict[str, WrkResult] = {}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = pinned(
            [
                str(BIN / "gunicorn"),
                "bench.http_overhead_app:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--worker-class",
                "sync",
                "--log-level",
                "warning",
                "--no-control-socket",
            ],
            "1",
        )
        with running(gunicorn, env=env, ready=f"{base}/healthz"):
            cookie = login_cookie(base)
            cases = {
                "bare": (f"{base}/bench/bare/", {"Authorization": f"Bearer {token}"}),
                "token": (f"{base}/api/me", {"Authorization": f"Bearer {token}"}),
                "session": (f"{base}/api/me", {"Cookie": cookie}),
            }
            for url, headers in cases.values():
                wrk(url, seconds=2, connections=args.connections, headers=headers, cpus="0")
            for name, (url, headers) in cases.items():
                runs = [
                    wrk(
                        url,
                        seconds=args.seconds,
                        connections=args.connections,
                        headers=headers,
                        cpus="0",
                    )
                    for _ in range(args.runs)
                ]
                results[f"gunicorn {name}"] = median_result(runs)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        uvicorn_asgi = pinned(
            [
                str(BIN / "uvicorn"),
                "parcours.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
                "--no-access-log",
                "--lifespan",
                "off",
            ],
            "1",
        )
        with running(uvicorn_asgi, env=env, ready=f"{base}/healthz"):
            url, headers = f"{base}/api/me", {"Authorization": f"Bearer {token}"}
            wrk(url, seconds=2, connections=args.connections, headers=headers, cpus="0")
            runs = [
                wrk(
                    url,
                    seconds=args.seconds,
                    connections=args.connections,
                    headers=headers,
                    cpus="0",
                )
                for _ in range(args.runs)
            ]
            results["uvicorn ASGI token"] = median_result(runs)

    print(
        f"machine: {machine_line()}; {args.workers} workers; wrk -t1 -c{args.connections} "
        f"-d{args.seconds}s; median of {args.runs} runs"
    )
    print(f"{'case':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>9}{'ratio':>8}")
    bare = results["gunicorn bare"].rps
    for name, result in results.items():
        print(
            f"{name:<22}{result.rps:>10.0f}{result.p50_ms:>10.2f}{result.p99_ms:>10.2f}"
            f"{result.non_2xx:>9}{result.rps / bare:>8.2f}"
        )


if __name__ == "__main__":
    main()
