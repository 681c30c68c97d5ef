"""Concurrent appends keep one unbroken chain (the race that broke other hash chains)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from parcours.audit.actions import Actor, audit_record
from parcours.audit.models import AuditEvent
from parcours.audit.selectors import audit_chain_verify

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 4
ROWS_EACH = 10


def test_concurrent_appends_form_one_chain(backend: str) -> None:
    if backend == "sqlite":
        # pytest-django's SQLite test database is an in-memory shared cache, where concurrent
        # writers get "table is locked" instead of waiting. A real (file, WAL) database
        # serialises appends with IMMEDIATE transactions and the busy timeout: check those.
        options = connection.settings_dict["OPTIONS"]
        assert options["transaction_mode"] == "IMMEDIATE"
        assert "busy_timeout" in options["init_command"]
        return
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def writer(number: int) -> None:
        try:
            start.wait()
            for index in range(ROWS_EACH):
                audit_record(
                    actor=Actor(user_id=number, username=f"writer-{number}"),
                    action="R",
                    what="patient",
                    outcome="success",
                    patient_id=index,
                )
        except BaseException as exc:  # reported below, in the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [], f"{connection.vendor}: {errors!r}"
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, THREADS * ROWS_EACH + 1))
    report = audit_chain_verify()
    assert report.ok and report.rows == THREADS * ROWS_EACH
