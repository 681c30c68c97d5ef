"""Reading and checking the audit chain."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from parcours.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent


@dataclass(frozen=True)
class ChainProblem:
    kind: str  # "edited", "inserted" or "deleted"
    row_id: int | None  # the first row where the chain breaks (None: the tail is missing)
    seq: int
    message: str


@dataclass(frozen=True)
class ChainReport:
    rows: int
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def audit_chain_verify(*, batch_size: int = 2000) -> ChainReport:
    """Walk the chain in sequence order and report the first break.

    - a gap in the sequence numbers: rows were **deleted** before this row;
    - a row whose hash does not match its own content: the row was **edited**;
    - a row that does not chain to the row before it (or a sequence number past the recorded
      head): a row was **inserted**.
    """
    prev_hash = GENESIS_HASH
    expected_seq = 1
    rows = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size):
        rows += 1
        if event.seq != expected_seq:
            return ChainReport(
                rows,
                ChainProblem(
                    "deleted",
                    event.pk,
                    expected_seq,
                    f"rows with seq {expected_seq}..{event.seq - 1} are missing before row "
                    f"id {event.pk}",
                ),
            )
        if event.compute_hash(event.prev_hash) != event.row_hash:
            return ChainReport(
                rows,
                ChainProblem(
                    "edited", event.pk, event.seq, f"row id {event.pk} was changed after writing"
                ),
            )
        if event.prev_hash != prev_hash:
            return ChainReport(
                rows,
                ChainProblem(
                    "inserted",
                    event.pk,
                    event.seq,
                    f"row id {event.pk} does not follow the row before it",
                ),
            )
        prev_hash = event.row_hash
        expected_seq += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.seq != expected_seq - 1:
        if head.seq > expected_seq - 1:
            return ChainReport(
                rows,
                ChainProblem(
                    "deleted",
                    None,
                    expected_seq,
                    f"rows with seq {expected_seq}..{head.seq} are missing at the end",
                ),
            )
        last = AuditEvent.objects.order_by("seq").filter(seq__gt=head.seq).first()
        return ChainReport(
            rows,
            ChainProblem(
                "inserted",
                last.pk if last else None,
                head.seq + 1,
                "rows were added after the recorded head of the chain",
            ),
        )
    if head is not None and head.row_hash != prev_hash:
        return ChainReport(
            rows,
            ChainProblem("edited", None, head.seq, "the last row differs from the recorded head"),
        )
    return ChainReport(rows, None)


def audit_events_for_patient(*, patient_ids: list[int]) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(patient_id__in=patient_ids).order_by("-seq")
