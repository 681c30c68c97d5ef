"""Appending to the audit chain. Callers go through `patients.access`; this is the only writer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from parcours.audit.models import AuditChainHead, AuditEvent, EventType
from parcours.middleware import current_request

# Any constant identifies the chain's advisory lock on PostgreSQL.
CHAIN_LOCK_KEY = 0x50415243  # "PARC"


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    role: str = ""
    organisation: str = ""


def _lock_chain() -> AuditChainHead:
    """Serialise appends: PostgreSQL takes a transaction-level advisory lock; on SQLite the
    IMMEDIATE transaction already holds the single write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head = AuditChainHead.objects.create(pk=1)
    return head


def audit_record(
    *,
    actor: Actor,
    action: str,
    what: str,
    outcome: str,
    patient_id: int | None = None,
    purpose: str = "",
    reason: str = "",
    detail: dict[str, Any] | None = None,
    event_type: tuple[str, str, str] = EventType.REST,
    subtype: tuple[str, str, str] | None = None,
) -> AuditEvent:
    """Append one row to the chain, with where the request came from.

    Inside `audit_batch()` the row is only prepared (seq, hashes and pk come at the end of the
    batch, in the same transaction); otherwise it is appended at once."""
    request = current_request.get()
    event = AuditEvent(
        at=timezone.now(),
        user_id=actor.user_id,
        username=actor.username,
        role=actor.role,
        organisation=actor.organisation,
        patient_id=patient_id,
        action=action,
        what=what,
        purpose=purpose,
        outcome=outcome,
        reason=reason,
        type_code=event_type[1],
        subtype_code=subtype[1] if subtype else "",
        detail=detail or {},
        request_id=request.request_id if request else "",
        ip_address=request.ip_address if request else None,
        user_agent=request.user_agent if request else "",
        channel=request.channel if request else "system",
    )
    batch = _batch.get()
    if batch is not None:
        batch.append(event)
    else:
        _append([event])
    return event


# Events recorded inside `audit_batch()`, appended to the chain when it ends.
_batch: ContextVar[list[AuditEvent] | None] = ContextVar("audit_batch", default=None)


def _append(events: list[AuditEvent]) -> None:
    """Chain `events` after the head and store them: one lock, one insert, one head update.
    No savepoint of its own: a failure here must abort the caller's whole transaction (the
    change it audits cannot be kept without its audit row)."""
    if not events:
        return
    with transaction.atomic(savepoint=False):
        head = _lock_chain()
        for event in events:
            event.seq = head.seq + 1
            event.prev_hash = head.row_hash
            event.row_hash = event.compute_hash(head.row_hash)
            head.seq, head.row_hash = event.seq, event.row_hash
        if len(events) == 1:
            events[0].save(force_insert=True)
        else:
            AuditEvent.objects.bulk_create(events)
        head.save(update_fields=["seq", "row_hash"])


@contextmanager
def audit_batch() -> Iterator[list[AuditEvent]]:
    """Collect the audit rows recorded inside and append them to the chain together when the
    block ends without an exception (in the caller's transaction, which must enclose the block:
    the audited writes and their rows commit or roll back together). On an exception nothing is
    appended: the caller rolls back what the block wrote. Used by the HL7 feed, which records
    several rows per message; the rows are the same as without the batch, the chain stays one
    row per event, in order. Rows returned by `audit_record` inside have no pk until the end."""
    if _batch.get() is not None:  # already batching: the outer batch appends
        yield _batch.get() or []
        return
    events: list[AuditEvent] = []
    token = _batch.set(events)
    try:
        yield events
    finally:
        _batch.reset(token)
    _append(events)
