"""The hash chain catches an edited, a deleted and an inserted row (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from parcours.audit.actions import Actor, audit_batch, audit_record
from parcours.audit.models import AuditEvent
from parcours.audit.selectors import audit_chain_verify

pytestmark = pytest.mark.django_db

ACTOR = Actor(user_id=7, username="claire", role="hospital_liaison_nurse", organisation="chu")


def write_rows(count: int) -> list[AuditEvent]:
    return [
        audit_record(
            actor=ACTOR,
            action="R",
            what="patient",
            outcome="success",
            patient_id=100 + index,
            purpose="treatment",
            detail={"note": "é", "index": index},
        )
        for index in range(count)
    ]


def raw(sql: str, params: list[object]) -> None:
    # Tampering goes around the ORM, as an attacker with database access would.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_untouched_chain_verifies(capsys: pytest.CaptureFixture[str]) -> None:
    rows = write_rows(4)
    assert [row.seq for row in rows] == [1, 2, 3, 4]
    assert rows[1].prev_hash == rows[0].row_hash
    report = audit_chain_verify()
    assert report.ok and report.rows == 4
    call_command("audit", "verify")
    assert "audit chain ok: 4 rows" in capsys.readouterr().out


def test_an_empty_chain_verifies() -> None:
    assert audit_chain_verify().ok


def test_an_edited_row_is_named() -> None:
    rows = write_rows(4)
    raw("UPDATE audit_auditevent SET username = %s WHERE id = %s", ["mallory", rows[2].pk])
    report = audit_chain_verify()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.row_id) == ("edited", rows[2].pk)
    with pytest.raises(CommandError, match=rf"row id {rows[2].pk} .*edited"):
        call_command("audit", "verify")


def test_an_edited_detail_is_caught() -> None:
    rows = write_rows(3)
    raw("UPDATE audit_auditevent SET outcome = %s WHERE id = %s", ["denied", rows[0].pk])
    report = audit_chain_verify()
    assert report.problem is not None and report.problem.kind == "edited"
    assert report.problem.row_id == rows[0].pk


def test_a_deleted_row_is_named() -> None:
    rows = write_rows(5)
    raw("DELETE FROM audit_auditevent WHERE id = %s", [rows[1].pk])
    report = audit_chain_verify()
    assert report.problem is not None
    assert report.problem.kind == "deleted"
    assert report.problem.row_id == rows[2].pk  # the first row after the gap
    assert report.problem.seq == 2
    with pytest.raises(CommandError, match="deleted"):
        call_command("audit", "verify")


def test_a_deleted_last_row_is_caught_by_the_head() -> None:
    rows = write_rows(3)
    raw("DELETE FROM audit_auditevent WHERE id = %s", [rows[2].pk])
    report = audit_chain_verify()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("deleted", 3)


def test_a_deleted_row_with_renumbered_followers_is_caught() -> None:
    rows = write_rows(4)
    raw("DELETE FROM audit_auditevent WHERE id = %s", [rows[1].pk])
    for row in rows[2:]:
        raw("UPDATE audit_auditevent SET seq = seq - 1 WHERE id = %s", [row.pk])
    report = audit_chain_verify()
    assert report.problem is not None
    assert report.problem.row_id == rows[2].pk
    assert report.problem.kind in {"edited", "inserted"}


def test_an_inserted_row_is_named() -> None:
    rows = write_rows(3)
    # Move the last row up and slip a forged one in its place, with a self-consistent hash.
    raw("UPDATE audit_auditevent SET seq = 4 WHERE id = %s", [rows[2].pk])
    forged = AuditEvent(
        seq=3,
        at=rows[2].at,
        username="mallory",
        action="R",
        what="patient",
        outcome="success",
        prev_hash=rows[1].row_hash,
        row_hash="",
    )
    forged.row_hash = forged.compute_hash(forged.prev_hash)
    forged.save(force_insert=True)
    report = audit_chain_verify()
    assert report.problem is not None
    # The forged row chains correctly; the moved row now has the wrong seq in its hash.
    assert report.problem.row_id == rows[2].pk
    assert report.problem.kind == "edited"


def test_a_row_appended_outside_the_chain_is_inserted() -> None:
    rows = write_rows(2)
    forged = AuditEvent(
        seq=3,
        at=rows[1].at,
        username="mallory",
        action="R",
        what="patient",
        outcome="success",
        prev_hash="f" * 64,
        row_hash="",
    )
    forged.row_hash = forged.compute_hash(forged.prev_hash)
    forged.save(force_insert=True)
    report = audit_chain_verify()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.row_id) == ("inserted", forged.pk)


def test_rows_record_where_the_request_came_from(client, django_user_model) -> None:  # type: ignore[no-untyped-def]
    from parcours.middleware import RequestContext, current_request

    token = current_request.set(RequestContext("req-1", "192.0.2.10", "pytest", "api"))
    try:
        row = write_rows(1)[0]
    finally:
        current_request.reset(token)
    assert (row.request_id, row.ip_address, row.user_agent, row.channel) == (
        "req-1",
        "192.0.2.10",
        "pytest",
        "api",
    )
    assert audit_chain_verify().ok


def test_a_batch_appends_its_rows_in_order_after_the_head() -> None:
    write_rows(2)
    with transaction.atomic(), audit_batch() as batch:
        write_rows(3)
        assert len(batch) == 3
        assert AuditEvent.objects.count() == 2  # appended when the batch ends
    write_rows(1)
    rows = list(AuditEvent.objects.order_by("seq"))
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5, 6]
    assert [r.patient_id for r in rows] == [100, 101, 100, 101, 102, 100]
    assert all(r.prev_hash == p.row_hash for p, r in itertools.pairwise(rows))
    assert audit_chain_verify().ok


def test_a_failed_batch_appends_nothing() -> None:
    write_rows(1)
    with pytest.raises(RuntimeError), transaction.atomic(), audit_batch():
        write_rows(2)
        raise RuntimeError("the audited change failed")
    write_rows(1)
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == [1, 2]
    assert audit_chain_verify().ok
