"""The per-message path: decode, store raw and deduplicate, dispatch to the handler, commit, and
only then build the acknowledgement. AA is never sent for a message that is not durably stored:
a database failure is answered AR (ERR 207, "send it again later") with nothing stored.

Runs synchronously; the MLLP server calls it from its single database thread.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from parcours.audit.actions import audit_batch
from parcours.interop.hl7v2.ack import build_ack
from parcours.interop.hl7v2.handlers import dispatch
from parcours.interop.hl7v2.parse import (
    Decoded,
    Header,
    check_header,
    decode,
    parse_adt,
    read_header,
)
from parcours.interop.hl7v2.reasons import Hl7Error
from parcours.interop.models import Hl7Source, InboundMessage, InboundStatus
from parcours.transactions import single_savepoint

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    ack: str  # the acknowledgement, segments separated by "\r"
    ack_code: str
    charset: str  # encode the ACK as the message was decoded
    message_id: int | None  # None when nothing could be stored
    status: str | None


def _key(header: Header) -> tuple[str, str, str]:
    return (
        header.sending_application[:227],
        header.sending_facility[:227],
        header.control_id.strip()[:199],
    )


def _error_of(row: InboundMessage) -> Hl7Error | None:
    if not row.error_code:
        return None
    try:
        return Hl7Error(row.error_code, dict(row.error_params), row.error_location)
    except ValueError:
        return Hl7Error("internal_error")


def _zone_of(row: InboundMessage | None) -> ZoneInfo | None:
    if row is not None and row.source is not None:
        try:
            return row.source.zone
        except (KeyError, ValueError):
            return None
    return None


def ingest(raw: bytes, *, peer: str = "") -> IngestResult:
    """Store and process one message (the bytes of one MLLP frame) and acknowledge it."""
    decoded = decode(raw)
    header = read_header(decoded.text)
    row: InboundMessage | None = None
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                row = _ingest(decoded, header, size=len(raw), peer=peer)
            break
        except IntegrityError:
            # Another process stored the same key between our lookup and insert: the second
            # attempt finds it and takes the resend path.
            if attempt == 2:
                logger.exception("HL7 message %s not stored", header.control_id[:40])
                return _storage_failure(header, decoded)
        except DatabaseError:
            logger.exception("HL7 message %s not stored", header.control_id[:40])
            return _storage_failure(header, decoded)
    assert row is not None
    ack = build_ack(header, row.ack_code, _error_of(row), zone=_zone_of(row))
    return IngestResult(ack, row.ack_code, decoded.charset, row.pk, row.status)


def _storage_failure(header: Header, decoded: Decoded) -> IngestResult:
    ack = build_ack(header, "AR", Hl7Error("storage_failure"))
    return IngestResult(ack, "AR", decoded.charset, None, None)


def _original_id(application: str, facility: str, control_id: str) -> int | None:
    """The first copy of this key, if any: raw SQL on the hot path, through the key's index."""
    table = connection.ops.quote_name(InboundMessage._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE control_id = %s AND sending_facility = %s "  # noqa: S608
            "AND sending_application = %s AND duplicate_of_id IS NULL",
            [control_id, facility, application],
        )
        found = cursor.fetchone()
    return int(found[0]) if found else None


def _ingest(decoded: Decoded, header: Header, *, size: int, peer: str) -> InboundMessage:
    application, facility, control_id = _key(header)
    if control_id:
        original_id = _original_id(application, facility, control_id)
        if original_id is not None:
            original = (
                InboundMessage.objects.select_for_update(of=("self",))
                .select_related("source__organisation")
                .get(pk=original_id)
            )
            return _again(original, decoded, header, peer=peer, size=size)
    row = _new_row(decoded, header, size=size, peer=peer)
    # Processed before it is inserted: one write. A concurrent insert of the same key fails
    # the whole transaction (handler writes included) and `ingest` retries on the resend path.
    _process(row, decoded.text, header, decoded.charset)
    row.save(force_insert=True)
    return row


def _new_row(decoded: Decoded, header: Header, *, size: int, peer: str) -> InboundMessage:
    application, facility, control_id = _key(header)
    return InboundMessage(
        sending_application=application,
        sending_facility=facility,
        control_id=control_id,
        message_type=header.message_type[:40],
        event=header.trigger_event[:8],
        version=header.version[:16],
        raw_text=decoded.text,
        content_hash=decoded.content_hash,
        charset=decoded.charset,
        charset_fallback=decoded.fallback,
        size=size,
        peer=peer[:100],
        status=InboundStatus.RECEIVED,
        ack_code="AA",
    )


def _again(
    original: InboundMessage, decoded: Decoded, header: Header, *, peer: str, size: int
) -> InboundMessage:
    """A message whose key was seen before."""
    now = timezone.now()
    if original.content_hash == decoded.content_hash:
        original.resend_count += 1
        original.last_resent_at = now
        if original.status in InboundStatus.accepted():
            # Acknowledged as before, not applied twice.
            original.save(update_fields=["resend_count", "last_resent_at"])
            return original
        # Never accepted, so processing it again cannot apply it twice; a mapping fixed since
        # the first attempt takes effect (as with a replay).
        original.attempts += 1
        _process(original, original.raw_text, header, original.charset)
        original.save()
        return original
    conflict = original.duplicates.filter(content_hash=decoded.content_hash).first()
    if conflict is not None:
        conflict.resend_count += 1
        conflict.last_resent_at = now
        conflict.save(update_fields=["resend_count", "last_resent_at"])
        return conflict
    logger.warning(
        "HL7 conflicting duplicate: control id %s from %s",
        original.control_id[:40],
        original.sending_facility[:40],
    )
    row = _new_row(decoded, header, size=size, peer=peer)
    row.duplicate_of = original
    row.source = original.source
    row.status = InboundStatus.CONFLICT
    row.ack_code = "AE"
    row.error_code = "conflicting_duplicate"
    row.error_params = {"control_id": original.control_id[:40]}
    row.error_location = "MSH^1^10"
    row.save()
    return row


# Sources change rarely and are read for every message: the listener keeps them for a few
# seconds. A change made in this process (admin, tests) clears the cache at once; one made by
# `parcours hl7 source add` in another process is seen within SOURCE_CACHE_SECONDS. Replays
# always read the database.
SOURCE_CACHE_SECONDS = 5.0
_sources: dict[str, tuple[float, Hl7Source]] = {}


def clear_source_cache(**kwargs: object) -> None:
    _sources.clear()


def _source(header: Header, *, fresh: bool = False) -> Hl7Source:
    code = header.facility_code
    cached = _sources.get(code)
    now = time.monotonic()
    if cached is not None and not fresh and now - cached[0] < SOURCE_CACHE_SECONDS:
        source: Hl7Source | None = cached[1]
    else:
        source = Hl7Source.objects.select_related("organisation").filter(facility=code).first()
        if source is not None:
            _sources[code] = (now, source)
    if source is None:
        raise Hl7Error("unknown_facility", {"facility": code[:60]}, location="MSH^1^4")
    if not source.active:
        raise Hl7Error("inactive_source", {"facility": code[:60]}, location="MSH^1^4")
    return source


def _process(
    row: InboundMessage, text: str, header: Header, charset: str, *, fresh: bool = False
) -> None:
    """Check, parse and dispatch; record the outcome on the row (not saved). Database errors
    outside the handler propagate, so that nothing is stored and no AA is sent."""
    row.error_code, row.error_params, row.error_location = "", {}, ""
    try:
        check_header(header)
        source = _source(header, fresh=fresh)
        row.source = source
        message = parse_adt(text, header, source.zone, charset)
        row.message_time = message.message_time
        try:
            # One savepoint for the handler's writes (the actions it calls open none of their
            # own) and one append of their audit rows to the chain.
            with single_savepoint(), audit_batch():
                outcome = dispatch(message, source)
        except Hl7Error:
            raise
        except Exception:
            # Whatever the handler wrote was rolled back with its savepoint. If the database
            # itself is gone, saving the row fails next and the sender gets no AA.
            logger.exception("HL7 handler failed for control id %s", row.control_id[:40])
            _record_error(row, Hl7Error("internal_error"), InboundStatus.ERROR)
            return
        row.status = outcome.value
        row.ack_code = "AA"
    except Hl7Error as error:
        _record_error(row, error, InboundStatus.REJECTED)
    except DatabaseError:
        raise
    except Exception:
        logger.exception("HL7 processing failed for control id %s", row.control_id[:40])
        _record_error(row, Hl7Error("internal_error"), InboundStatus.ERROR)


def _record_error(row: InboundMessage, error: Hl7Error, status: str) -> None:
    row.status = status
    row.ack_code = error.ack_code
    row.error_code = error.code
    row.error_params = {k: str(v) for k, v in error.params.items()}
    row.error_location = error.location[:40]


class NotReplayable(Exception):
    pass


def inbound_message_replay(*, message: InboundMessage) -> InboundMessage:
    """Process a rejected or failed message again through the same path (after a mapping or a
    source was fixed). Its acknowledgement code is updated; nothing is sent back."""
    with transaction.atomic():
        row = (
            InboundMessage.objects.select_for_update(of=("self",))
            .select_related("source__organisation")
            .get(pk=message.pk)
        )
        if not row.is_replayable:
            raise NotReplayable(row.status)
        _process(row, row.raw_text, read_header(row.raw_text), row.charset, fresh=True)
        row.attempts += 1
        row.replayed_at = timezone.now()
        row.save()
    return row
