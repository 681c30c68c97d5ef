"""Reads on inbound HL7 messages."""

from __future__ import annotations

from django.db.models import QuerySet

from parcours.interop.models import InboundMessage, InboundStatus


def error_queue(
    messages: QuerySet[InboundMessage], *, source_id: int | None = None, status: str = ""
) -> QuerySet[InboundMessage]:
    """Rejected, failed and conflicting messages, newest first."""
    statuses = [status] if status in InboundStatus.error_queue() else InboundStatus.error_queue()
    queue = messages.filter(status__in=statuses)
    if source_id is not None:
        queue = queue.filter(source_id=source_id)
    return queue.select_related("source", "duplicate_of").order_by("-received_at", "-pk")
