"""Why a message was not accepted: one code per reason, with its acknowledgement code (HL7 table
0008), its HL7 error code (table 0357) and a translatable explanation.

The reason is stored as its code and parameters, so the error queue shows it in the reader's
language; the ACK's ERR segment carries the English text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ReasonSpec:
    ack_code: str  # AE: understood but cannot be applied; AR: rejected
    hl7_error_code: str  # HL7 table 0357
    hl7_error_text: str  # table 0357 display text
    text: Promise


REASONS: dict[str, ReasonSpec] = {
    "not_hl7": ReasonSpec(
        "AR",
        "100",
        "Segment sequence error",
        _("The data is not an HL7 v2 message: it does not start with an MSH segment."),
    ),
    "bad_encoding_characters": ReasonSpec(
        "AR",
        "102",
        "Data type error",
        _("The MSH segment's field separator or encoding characters are invalid."),
    ),
    "missing_control_id": ReasonSpec(
        "AR", "101", "Required field missing", _("MSH-10 (message control ID) is missing.")
    ),
    "control_id_too_long": ReasonSpec(
        "AR",
        "102",
        "Data type error",
        _("MSH-10 (message control ID) is longer than %(limit)s characters."),
    ),
    "unsupported_version": ReasonSpec(
        "AR",
        "203",
        "Unsupported version id",
        _("HL7 version “%(version)s” is not supported (versions 2.3 to 2.5.1 are)."),
    ),
    "unsupported_message_type": ReasonSpec(
        "AR",
        "200",
        "Unsupported message type",
        _("Message type “%(message_type)s” is not supported: only ADT messages are."),
    ),
    "unsupported_event": ReasonSpec(
        "AR",
        "201",
        "Unsupported event code",
        _("Trigger event “%(event)s” is not supported."),
    ),
    "bad_segment_id": ReasonSpec(
        "AR",
        "100",
        "Segment sequence error",
        _(
            "Segment %(position)s does not start with a segment ID (a carriage return inside a "
            "field, or a cut message?)."
        ),
    ),
    "oversized": ReasonSpec(
        "AR",
        "207",
        "Application internal error",
        _("The message is larger than the %(limit)s bytes allowed."),
    ),
    "unknown_facility": ReasonSpec(
        "AR",
        "204",
        "Unknown key identifier",
        _("No HL7 source is configured for the sending facility “%(facility)s”."),
    ),
    "inactive_source": ReasonSpec(
        "AR",
        "204",
        "Unknown key identifier",
        _("The HL7 source for the sending facility “%(facility)s” is inactive."),
    ),
    "missing_segment": ReasonSpec(
        "AE",
        "100",
        "Segment sequence error",
        _("Segment %(segment)s is required for event %(event)s."),
    ),
    "missing_field": ReasonSpec(
        "AE",
        "101",
        "Required field missing",
        _("%(field)s is required for event %(event)s."),
    ),
    "invalid_timestamp": ReasonSpec(
        "AE",
        "102",
        "Data type error",
        _("%(field)s is not a valid HL7 date/time: “%(value)s”."),
    ),
    "merge_into_itself": ReasonSpec(
        "AE",
        "102",
        "Data type error",
        _("MRG-1 names the same identifier as PID-3: a patient cannot be merged into itself."),
    ),
    "unmapped_disposition": ReasonSpec(
        "AE",
        "103",
        "Table value not found",
        _(
            "Discharge disposition “%(code)s” (PV1-36) has no mapping for this source: add it "
            "with `parcours hl7 source add --disposition`, then replay."
        ),
    ),
    "inactive_organisation": ReasonSpec(
        "AE",
        "207",
        "Application internal error",
        _("The organisation “%(organisation)s” mapped to this source is inactive."),
    ),
    "invalid_identifier": ReasonSpec(
        "AE",
        "102",
        "Data type error",
        _("A national number in PID-3 is not valid (%(detail)s): correct it, then send again."),
    ),
    "identifiers_conflict": ReasonSpec(
        "AE",
        "205",
        "Duplicate key identifier",
        _("The identifiers in PID-3 belong to different patients: merge them first (A40)."),
    ),
    "patient_refused": ReasonSpec(
        "AE",
        "101",
        "Required field missing",
        _("The patient cannot be registered: %(detail)s"),
    ),
    "no_such_stay": ReasonSpec(
        "AE",
        "204",
        "Unknown key identifier",
        _("No stay with visit number “%(visit)s” (PV1-19) was received from this source."),
    ),
    "stay_exists": ReasonSpec(
        "AE",
        "205",
        "Duplicate key identifier",
        _("A stay with visit number “%(visit)s” (PV1-19) already exists."),
    ),
    "stay_of_another_patient": ReasonSpec(
        "AE",
        "204",
        "Unknown key identifier",
        _("The stay with visit number “%(visit)s” (PV1-19) belongs to another patient."),
    ),
    "stay_state": ReasonSpec(
        "AE",
        "207",
        "Application internal error",
        _("The stay with visit number “%(visit)s” cannot change this way: %(detail)s"),
    ),
    "unknown_ward": ReasonSpec(
        "AE",
        "103",
        "Table value not found",
        _(
            "Point of care “%(point_of_care)s” (%(field)s) has no ward in this hospital: add "
            "the unit with code “%(ward)s” to the directory, then replay."
        ),
    ),
    "no_transfer_to_cancel": ReasonSpec(
        "AE",
        "207",
        "Application internal error",
        _("The stay with visit number “%(visit)s” has no transfer to cancel (A12)."),
    ),
    "unknown_retired_patient": ReasonSpec(
        "AE",
        "204",
        "Unknown key identifier",
        _("No patient holds the retired identifier “%(identifier)s” (MRG-1)."),
    ),
    "conflicting_duplicate": ReasonSpec(
        "AE",
        "205",
        "Duplicate key identifier",
        _(
            "Message control ID “%(control_id)s” was already received from this sender with "
            "different content (conflicting duplicate); both messages are kept."
        ),
    ),
    "internal_error": ReasonSpec(
        "AR",
        "207",
        "Application internal error",
        _("An internal error stopped the processing; the message is kept and can be replayed."),
    ),
    "storage_failure": ReasonSpec(
        "AR",
        "207",
        "Application internal error",
        _("The message could not be stored; send it again later."),
    ),
}


@dataclass(eq=False)
class Hl7Error(Exception):
    """A message that is not accepted, for a known reason: becomes an AE or AR with an ERR."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    location: str = ""  # ERR-2, e.g. "PID^1^3"

    def __post_init__(self) -> None:
        if self.code not in REASONS:
            raise ValueError(f"unknown HL7 reason code {self.code!r}")
        super().__init__(self.english())

    @property
    def spec(self) -> ReasonSpec:
        return REASONS[self.code]

    @property
    def ack_code(self) -> str:
        return self.spec.ack_code

    def english(self) -> str:
        return reason_text(self.code, self.params, language="en")


def reason_text(code: str, params: dict[str, Any], language: str | None = None) -> str:
    """The reason in the given language (the active one by default)."""
    spec = REASONS.get(code)
    if spec is None:
        return code
    if language is None:
        template = str(spec.text)
    else:
        with translation.override(language):
            template = str(spec.text)
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        return template
