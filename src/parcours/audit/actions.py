"""Appending to the audit chain. Callers go through `patients.access`; this is the only writer."""

from __future__ import annotations

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
    """Append one row to the chain, with where the request came from."""
    request = current_request.get()
    with transaction.atomic():
        head = _lock_chain()
        event = AuditEvent(
            seq=head.seq + 1,
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
            prev_hash=head.row_hash,
        )
        event.row_hash = event.compute_hash(head.row_hash)
        event.save(force_insert=True)
        head.seq = event.seq
        head.row_hash = event.row_hash
        head.save(update_fields=["seq", "row_hash"])
    return event
