"""Acknowledgements in original mode (standards.md §2.4): the sender's and receiver's applications
and facilities swapped, `ACK^<trigger>^ACK`, MSA-1 AA/AE/AR, MSA-2 the original MSH-10, and for
AE/AR an ERR segment with the HL7 error code (table 0357) and the reason.

Built by hand from the `Header`, so that a message python-hl7 could not parse is still answered
with whatever MSH fields could be read.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from parcours.interop.hl7v2.parse import (
    DEFAULT_ENCODING_CHARACTERS,
    SUPPORTED_VERSIONS,
    EscapeContext,
    Header,
)
from parcours.interop.hl7v2.reasons import REASONS, Hl7Error

OUR_APPLICATION = "PARCOURS"
OUR_FACILITY = "PARCOURS"
ACK_CODES = ("AA", "AE", "AR")


def escape(value: str, context: EscapeContext) -> str:
    """HL7-escape free text for one field value (v2.5 §2.7.1); line breaks become \\.br\\."""
    esc = context.escape
    out = []
    for char in value:
        if char == esc:
            out.append(f"{esc}E{esc}")
        elif char == context.field:
            out.append(f"{esc}F{esc}")
        elif char == context.component:
            out.append(f"{esc}S{esc}")
        elif char == context.subcomponent:
            out.append(f"{esc}T{esc}")
        elif char == context.repetition:
            out.append(f"{esc}R{esc}")
        elif char in "\r\n":
            out.append(f"{esc}.br{esc}")
        elif ord(char) < 32 or char in "\x0b\x1c":
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


def _timestamp(zone: ZoneInfo | None) -> str:
    now = timezone.now().astimezone(zone or ZoneInfo(settings.TIME_ZONE))
    return now.strftime("%Y%m%d%H%M%S%z")


def _safe_field(value: str, context: EscapeContext) -> str:
    """A field echoed from the inbound MSH: kept as sent (components included) unless it holds
    characters that would break the ACK's framing or segment structure."""
    if any(c in value for c in ("\r", "\n", "\x0b", "\x1c", context.field)):
        return escape(value, context)
    return value


def build_ack(
    header: Header,
    ack_code: str,
    error: Hl7Error | None = None,
    *,
    zone: ZoneInfo | None = None,
    now: datetime | None = None,
) -> str:
    """The ACK text, segments separated by "\\r" (no trailing separator, as python-hl7 writes)."""
    if ack_code not in ACK_CODES:
        raise ValueError(f"unknown acknowledgement code {ack_code!r}")
    if header.separators_valid:
        field_sep, encoding = header.field_separator, header.encoding_characters[:4]
    else:
        field_sep, encoding = "|", DEFAULT_ENCODING_CHARACTERS
    context = EscapeContext.from_characters(field_sep, encoding)
    version = header.version if header.version in SUPPORTED_VERSIONS else "2.5"
    processing_id = header.processing_id if header.processing_id in {"P", "T", "D"} else "P"
    trigger = header.trigger_event if header.separators_valid else ""
    msh = [
        "MSH",
        encoding,
        _safe_field(header.receiving_application, context) or OUR_APPLICATION,
        _safe_field(header.receiving_facility, context) or OUR_FACILITY,
        _safe_field(header.sending_application, context),
        _safe_field(header.sending_facility, context),
        _timestamp(zone) if now is None else now.strftime("%Y%m%d%H%M%S%z"),
        "",
        context.component.join(["ACK", escape(trigger[:3], context), "ACK"]),
        uuid.uuid4().hex[:20].upper(),
        processing_id,
        version,
    ]
    control_id = header.control_id.strip()
    msa = ["MSA", ack_code, _safe_field(control_id[:199], context)]
    segments = [field_sep.join(msh)]
    if error is not None and ack_code != "AA":
        text = escape(error.english(), context)
        msa.append(text[:80])  # MSA-3: read by v2.3 receivers that ignore ERR
        spec = REASONS[error.code]
        err = [
            "ERR",
            "",  # ERR-1, deprecated since v2.5
            error.location.replace("^", context.component),  # ERR-2 error location
            context.component.join([spec.hl7_error_code, spec.hl7_error_text, "HL70357"]),
            "E",  # ERR-4 severity
            context.component.join([error.code, "", "PARCOURS"]),  # ERR-5 application code
            "",
            "",
            text,  # ERR-8 user message
        ]
        segments.append(field_sep.join(msa))
        segments.append(field_sep.join(err))
    else:
        segments.append(field_sep.join(msa))
    return "\r".join(segments)
