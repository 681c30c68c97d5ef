"""`parcours worker` as a real process against a real SMTP server: crashes, stops, outages.

The worker uses a file-based SQLite database of its own, or the test's PostgreSQL database when
the suite runs on PostgreSQL (transactional tests, so that the data is committed). Nothing waits
for a duration: the tests wait for events (a message held by the SMTP server, a row's status)
and move leases and retry times instead of sleeping through them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.support.processes import BIN, database_url, parcours, parcours_env, running
from tests.support.receivers import MailRecorder, SmtpServer, smtp_server

# Transactional: on PostgreSQL the worker shares the test database, so data must be committed
# (and is flushed after each test).
pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
WORKER = [str(BIN / "parcours"), "worker", "--outbox-only", "--interval", "0.1"]
NOTIFICATIONS = 5


@pytest.fixture
def worker_env(tmp_path: Path) -> dict[str, str]:
    url = database_url(connection.settings_dict)
    if url:
        return parcours_env(tmp_path, PARCOURS_DATABASE_URL=url)
    env = parcours_env(tmp_path)
    parcours(env, "migrate", "--noinput", "-v0")
    return env


def with_smtp(env: dict[str, str], smtp: SmtpServer) -> dict[str, str]:
    return {**env, "PARCOURS_EMAIL_HOST": "127.0.0.1", "PARCOURS_EMAIL_PORT": str(smtp.port)}


def remote(env: dict[str, str], *args: str) -> Any:
    result = subprocess.run(
        [sys.executable, "-m", "tests.messaging.remote", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    return json.loads(result.stdout)


def emails(env: dict[str, str]) -> list[dict[str, Any]]:
    return [row for row in remote(env, "state") if row["channel"] == "email"]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.2)


def deliver_once(env: dict[str, str]) -> None:
    parcours(env, "notifications", "deliver", "--once")


def test_a_worker_killed_mid_batch_delivers_every_notification_exactly_once(
    worker_env: dict[str, str],
) -> None:
    recorder = MailRecorder(hold={3})  # the third e-mail hangs in SMTP DATA
    with smtp_server(recorder) as smtp:
        env = with_smtp(worker_env, smtp)
        remote(env, "seed", str(NOTIFICATIONS))
        with running(WORKER, env=env) as worker:
            assert recorder.holding.wait(120), "the worker never reached the third e-mail"
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        assert recorder.abandoned.wait(60), "the SMTP server never saw the client go"
        recorder.release.set()

        rows = emails(env)
        assert [r["status"] for r in rows] == [
            "delivered",
            "delivered",
            "in_flight",  # the crashed worker's lease
            "pending",
            "pending",
        ]
        assert sum(recorder.message_ids().values()) == 2

        remote(env, "expire-leases")  # instead of waiting for the lease to run out
        deliver_once(env)

        rows = emails(env)
        assert {r["status"] for r in rows} == {"delivered"}
        assert recorder.message_ids() == Counter({r["message_id"]: 1 for r in rows})
        crashed = rows[2]
        assert crashed["attempts"] == 2
        assert crashed["outcomes"] == ["interrupted", "delivered"]
        everything = remote(env, "state")
        assert {r["status"] for r in everything} == {"delivered"}, "in-app rows too"


def test_sigterm_finishes_the_message_in_hand_and_leaves_no_lease(
    worker_env: dict[str, str],
) -> None:
    recorder = MailRecorder(hold={2})
    with smtp_server(recorder) as smtp:
        env = with_smtp(worker_env, smtp)
        remote(env, "seed", str(NOTIFICATIONS))
        with running(WORKER, env=env) as worker:
            assert recorder.holding.wait(120)
            os.killpg(worker.pid, signal.SIGTERM)
            recorder.release.set()
            assert worker.wait(timeout=120) == 0

        rows = emails(env)
        assert [r["status"] for r in rows[:2]] == ["delivered", "delivered"]
        assert all(r["status"] == "pending" and not r["lease_owner"] for r in rows[2:])
        assert not recorder.abandoned.is_set()

        deliver_once(env)
        rows = emails(env)
        assert {r["status"] for r in rows} == {"delivered"}
        assert recorder.message_ids() == Counter({r["message_id"]: 1 for r in rows})


def test_smtp_down_for_a_while_then_every_email_is_delivered_once(
    worker_env: dict[str, str],
) -> None:
    smtp = SmtpServer()  # not started: connections are refused
    env = with_smtp(worker_env, smtp)
    remote(env, "seed", str(NOTIFICATIONS))
    try:
        with running(WORKER, env=env):
            wait_until(
                lambda: all(r["attempts"] >= 1 for r in emails(env)), "a first failed attempt"
            )
            rows = emails(env)
            assert {r["status"] for r in rows} <= {"failed", "in_flight"}
            assert (
                sum(recorder_count for recorder_count in smtp.recorder.message_ids().values()) == 0
            )

            smtp.start()  # the server is back
            remote(env, "make-due")  # instead of waiting out the backoff
            wait_until(
                lambda: {r["status"] for r in emails(env)} == {"delivered"}, "every delivery"
            )
    finally:
        smtp.stop()
    rows = emails(env)
    assert smtp.recorder.message_ids() == Counter({r["message_id"]: 1 for r in rows})
    assert all(r["outcomes"][0] == "failed" and r["outcomes"][-1] == "delivered" for r in rows)


def test_two_workers_never_take_the_same_row(worker_env: dict[str, str]) -> None:
    recorder = MailRecorder(hold={1})  # one worker is stuck on its first e-mail…
    with smtp_server(recorder) as smtp:
        env = with_smtp(worker_env, smtp)
        remote(env, "seed", str(NOTIFICATIONS * 2))
        with running(WORKER, env=env), running(WORKER, env=env):
            assert recorder.holding.wait(120)
            # … so the other one delivers everything else, and leaves the held row alone.
            wait_until(
                lambda: (
                    [r["status"] for r in emails(env)].count("delivered") == NOTIFICATIONS * 2 - 1
                ),
                "every other delivery",
            )
            assert [r["status"] for r in emails(env)].count("in_flight") == 1
            recorder.release.set()
            wait_until(
                lambda: {r["status"] for r in emails(env)} == {"delivered"}, "every delivery"
            )
        rows = remote(env, "state")
        assert all(r["attempts"] == 1 for r in rows)
        assert len({worker for r in rows for worker in r["workers"]}) == 2
        emailed = [r for r in rows if r["channel"] == "email"]
        assert recorder.message_ids() == Counter({r["message_id"]: 1 for r in emailed})
