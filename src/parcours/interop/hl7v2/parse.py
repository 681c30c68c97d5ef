"""From the bytes of one MLLP frame to a typed `AdtMessage`, tolerant where senders differ and
strict where the meaning would be lost.

Three steps, each usable alone:

- `decode(raw)`: bytes to text. The charset named in MSH-18 first, then UTF-8, then cp1252, then
  ISO-8859-1 (which cannot fail); the codec used and whether it was a fallback are recorded.
  Segment endings `\\r`, `\\n` and `\\r\\n` are all accepted and normalised to `\\r`.
- `read_header(text)`: the MSH fields, read by hand so that even a message python-hl7 cannot
  parse can be answered with an AR that names it. Never raises.
- `parse_adt(text, header, time_zone)`: splitting (checked against python-hl7 in the tests)
  and extraction of the segments Parcours uses. HL7 escape sequences are unescaped;
  timestamps without an offset are read in the source's time zone. Raises `Hl7Error` (AR
  when it cannot be parsed or is not supported, AE for an invalid value).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from parcours.interop.hl7v2.reasons import Hl7Error

SUPPORTED_VERSIONS = frozenset({"2.3", "2.3.1", "2.4", "2.5", "2.5.1"})
SUPPORTED_EVENTS = ("A01", "A02", "A03", "A04", "A05", "A08", "A11", "A12", "A13", "A40")
CONTROL_ID_MAX_LENGTH = 199
DEFAULT_ENCODING_CHARACTERS = "^~\\&"

# MSH-18 values (HL7 table 0211) and the Python codec that reads them.
_CHARSETS = {
    "ASCII": "utf-8",  # ASCII is a subset; UTF-8 is what senders really put there
    "UNICODE UTF-8": "utf-8",
    "UTF-8": "utf-8",
    "UNICODE": "utf-8",
    "8859/1": "cp1252",  # senders that say Latin-1 often mean Windows-1252 (e.g. "€")
    "8859/15": "iso8859-15",
    "8859/2": "iso8859-2",
}
_FALLBACKS = ("utf-8", "cp1252", "iso-8859-1")


@dataclass(frozen=True)
class Decoded:
    text: str  # segments separated by "\r", without a trailing separator
    charset: str  # the codec that decoded it
    fallback: bool  # True when the declared charset (or UTF-8) failed

    @property
    def content_hash(self) -> str:
        """SHA-256 of the normalised text: a resend through an engine that ends segments with
        "\\n" is still recognised as the same message."""
        return hashlib.sha256(self.text.encode("utf-8", "surrogatepass")).hexdigest()


def _declared_charset(raw: bytes) -> str | None:
    first = re.split(rb"[\r\n]", raw.lstrip(b"\xef\xbb\xbf \t\r\n"), maxsplit=1)[0]
    if not first.startswith(b"MSH") or len(first) < 4:
        return None
    fields = first.split(first[3:4])
    if len(fields) <= 17:
        return None
    value = fields[17].split(b"~")[0].split(b"^")[0].strip().decode("ascii", "replace")
    return _CHARSETS.get(value.upper())


def normalise_segments(text: str) -> str:
    text = text.lstrip("\ufeff").replace("\r\n", "\r").replace("\n", "\r")
    # NUL cannot be stored in PostgreSQL text, and is never part of an HL7 value.
    text = text.replace("\x00", "\ufffd")
    return "\r".join(segment for segment in text.split("\r") if segment.strip())


def decode(raw: bytes) -> Decoded:
    declared = _declared_charset(raw)
    candidates = [declared] if declared else []
    candidates += [codec for codec in _FALLBACKS if codec != declared]
    first = candidates[0]
    for codec in candidates:
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        return Decoded(normalise_segments(text), codec, codec != first)
    raise AssertionError("ISO-8859-1 decodes any byte string")  # pragma: no cover


# --- header -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """The MSH fields as sent (still escaped), read without python-hl7."""

    is_msh: bool = False
    field_separator: str = "|"
    encoding_characters: str = DEFAULT_ENCODING_CHARACTERS
    sending_application: str = ""  # MSH-3
    sending_facility: str = ""  # MSH-4
    receiving_application: str = ""  # MSH-5
    receiving_facility: str = ""  # MSH-6
    message_time: str = ""  # MSH-7
    message_type: str = ""  # MSH-9
    control_id: str = ""  # MSH-10
    processing_id: str = ""  # MSH-11
    version: str = ""  # MSH-12 (first component)
    charset: str = ""  # MSH-18

    @property
    def separators_valid(self) -> bool:
        chars = self.field_separator + self.encoding_characters
        return (
            self.is_msh
            and len(self.encoding_characters) in (4, 5)
            and len(set(chars)) == len(chars)
            and not any(c.isalnum() or c in " \r\n" for c in chars)
        )

    def _component(self, value: str, index: int) -> str:
        parts = value.split(self.encoding_characters[0]) if self.separators_valid else [value]
        return parts[index] if index < len(parts) else ""

    @property
    def message_code(self) -> str:
        return self._component(self.message_type, 0)

    @property
    def trigger_event(self) -> str:
        return self._component(self.message_type, 1)

    @property
    def structure(self) -> str:
        return self._component(self.message_type, 2)

    @property
    def facility_code(self) -> str:
        """MSH-4 namespace ID, unescaped: the key of the configured `Hl7Source`."""
        return unescape(self._component(self.sending_facility, 0), self._escape_context())

    def _escape_context(self) -> EscapeContext:
        if self.separators_valid:
            return EscapeContext.from_characters(self.field_separator, self.encoding_characters)
        return EscapeContext.default()


def read_header(text: str) -> Header:
    first = text.split("\r", 1)[0]
    if not first.startswith("MSH") or len(first) < 4:
        return Header()
    separator = first[3]
    fields = first.split(separator)
    # fields[0] is "MSH", fields[1] is MSH-2; MSH-n is fields[n - 1].

    def get(n: int) -> str:
        return fields[n - 1] if len(fields) >= n else ""

    encoding = get(2)
    header = Header(
        is_msh=True,
        field_separator=separator,
        encoding_characters=encoding,
        sending_application=get(3),
        sending_facility=get(4),
        receiving_application=get(5),
        receiving_facility=get(6),
        message_time=get(7),
        message_type=get(9),
        control_id=get(10),
        processing_id=get(11),
        charset=get(18),
    )
    version = get(12)
    if header.separators_valid:
        version = version.split(encoding[0])[0]
    return replace(header, version=version.strip())


def check_header(header: Header) -> None:
    """The checks that decide an AR before anything else is read (HL7 2.9.2, original mode)."""
    if not header.is_msh:
        raise Hl7Error("not_hl7")
    if not header.separators_valid:
        raise Hl7Error("bad_encoding_characters", location="MSH^1^2")
    control_id = header.control_id.strip()
    if not control_id:
        raise Hl7Error("missing_control_id", location="MSH^1^10")
    if len(control_id) > CONTROL_ID_MAX_LENGTH:
        raise Hl7Error("control_id_too_long", {"limit": CONTROL_ID_MAX_LENGTH}, location="MSH^1^10")
    if header.version not in SUPPORTED_VERSIONS:
        raise Hl7Error("unsupported_version", {"version": header.version}, location="MSH^1^12")
    if header.message_code != "ADT":
        raise Hl7Error(
            "unsupported_message_type",
            {"message_type": header.message_type},
            location="MSH^1^9",
        )
    if header.trigger_event not in SUPPORTED_EVENTS:
        raise Hl7Error("unsupported_event", {"event": header.trigger_event}, location="MSH^1^9")


# --- escapes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EscapeContext:
    field: str
    component: str
    repetition: str
    escape: str
    subcomponent: str

    @classmethod
    def default(cls) -> EscapeContext:
        return cls("|", "^", "~", "\\", "&")

    @classmethod
    def from_characters(cls, field_separator: str, encoding: str) -> EscapeContext:
        return cls(field_separator, encoding[0], encoding[1], encoding[2], encoding[3])


def unescape(value: str, context: EscapeContext, charset: str = "utf-8") -> str:
    """HL7 escape sequences (v2.5 §2.7): \\F\\ \\S\\ \\T\\ \\R\\ \\E\\, \\Xhh..\\ (bytes, read
    in the message's charset), \\.br\\ (line break); highlighting and character-set switches are
    dropped. An unterminated sequence is kept as it was sent."""
    esc = context.escape
    if esc not in value:
        return value
    out: list[str] = []
    i = 0
    while i < len(value):
        char = value[i]
        if char != esc:
            out.append(char)
            i += 1
            continue
        end = value.find(esc, i + 1)
        if end == -1:
            out.append(value[i:])
            break
        sequence = value[i + 1 : end]
        out.append(_expand(sequence, context, charset, value[i : end + 1]))
        i = end + 1
    return "".join(out)


def _expand(sequence: str, context: EscapeContext, charset: str, literal: str) -> str:
    simple = {
        "F": context.field,
        "S": context.component,
        "T": context.subcomponent,
        "R": context.repetition,
        "E": context.escape,
        ".br": "\n",
        ".sp": "\n",
        "H": "",
        "N": "",
    }
    if sequence in simple:
        return simple[sequence]
    if sequence[:1] == "X" and len(sequence) > 1:
        digits = sequence[1:]
        try:
            data = bytes.fromhex(digits)
        except ValueError:
            return literal
        try:
            return data.decode(charset)
        except (UnicodeDecodeError, LookupError):
            return data.decode("cp1252", "replace")
    if sequence[:1] in {"C", "M", "Z"} or sequence[:1] == ".":
        return ""  # character-set switches, formatting and local escapes carry no text here
    return literal


# --- typed message ------------------------------------------------------------------------


@dataclass(frozen=True)
class Identifier:
    """CX: PID-3, PID-18, PV1-19, MRG-1."""

    value: str
    authority: str = ""  # CX-4.1 namespace ID
    authority_uid: str = ""  # CX-4.2 universal ID (an OID)
    authority_uid_type: str = ""  # CX-4.3, e.g. ISO
    type_code: str = ""  # CX-5, HL7 table 0203 (PI, MR, NNBEL, NNFRA, VN…)
    assigning_facility: str = ""  # CX-6.1


@dataclass(frozen=True)
class PersonName:
    family: str = ""
    given: str = ""
    middle: str = ""
    suffix: str = ""
    prefix: str = ""
    type_code: str = ""  # XPN-7: L legal, D display, M maiden


@dataclass(frozen=True)
class Address:
    street: str = ""
    other: str = ""
    city: str = ""
    state: str = ""
    postcode: str = ""
    country: str = ""
    type_code: str = ""


@dataclass(frozen=True)
class Telecom:
    number: str = ""  # XTN-1, or +country area local from XTN-5..7, or XTN-12
    use_code: str = ""  # XTN-2: PRN, WPN…
    equipment_type: str = ""  # XTN-3: PH, CP, FX, Internet
    email: str = ""  # XTN-4


@dataclass(frozen=True)
class Practitioner:
    """XCN: PD1-4, PV1-7/8/17, EVN-5."""

    id: str = ""
    family: str = ""
    given: str = ""
    prefix: str = ""
    authority: str = ""  # XCN-9.1 assigning authority (RIZIV, INAMI, RPPS…)
    type_code: str = ""  # XCN-13 identifier type code


@dataclass(frozen=True)
class Coded:
    code: str = ""
    text: str = ""
    system: str = ""


@dataclass(frozen=True)
class NextOfKin:
    set_id: str = ""
    names: tuple[PersonName, ...] = ()
    relationship: Coded | None = None  # NK1-3, table 0063
    addresses: tuple[Address, ...] = ()
    phones: tuple[Telecom, ...] = ()
    business_phones: tuple[Telecom, ...] = ()
    contact_role: Coded | None = None  # NK1-7, table 0131
    organisation_name: str = ""  # NK1-13


@dataclass(frozen=True)
class Location:
    """PL: PV1-3, PV1-6."""

    point_of_care: str = ""
    room: str = ""
    bed: str = ""
    facility: str = ""
    building: str = ""
    floor: str = ""

    @property
    def is_empty(self) -> bool:
        return not any((self.point_of_care, self.room, self.bed, self.facility))


@dataclass(frozen=True)
class PatientIdentity:
    """PID."""

    identifiers: tuple[Identifier, ...] = ()
    names: tuple[PersonName, ...] = ()
    birth_date: date | None = None
    sex: str = ""
    addresses: tuple[Address, ...] = ()
    home_phones: tuple[Telecom, ...] = ()
    business_phones: tuple[Telecom, ...] = ()
    account_number: Identifier | None = None
    death_time: datetime | None = None
    death_indicator: str = ""


@dataclass(frozen=True)
class Visit:
    """PV1."""

    patient_class: str = ""
    location: Location | None = None
    admission_type: str = ""
    prior_location: Location | None = None
    attending: tuple[Practitioner, ...] = ()
    referring: tuple[Practitioner, ...] = ()
    hospital_service: str = ""
    admit_source: str = ""
    admitting: tuple[Practitioner, ...] = ()
    visit_number: Identifier | None = None
    discharge_disposition: str = ""
    discharged_to: str = ""
    discharged_to_date: str = ""
    admit_time: datetime | None = None
    discharge_time: datetime | None = None
    expected_admit_time: datetime | None = None  # PV2-8
    expected_discharge_time: datetime | None = None  # PV2-9


@dataclass(frozen=True)
class EventInfo:
    """EVN."""

    type_code: str = ""
    recorded_time: datetime | None = None
    reason_code: str = ""
    operator: Practitioner | None = None
    occurred_time: datetime | None = None


@dataclass(frozen=True)
class Merge:
    """One PID/MRG pair of an A40: the surviving patient and the retired identifiers."""

    surviving: PatientIdentity
    retired_identifiers: tuple[Identifier, ...]
    retired_account: Identifier | None = None


@dataclass(frozen=True)
class AdtMessage:
    control_id: str
    sending_application: str
    sending_facility: str
    receiving_application: str
    receiving_facility: str
    event: str  # trigger event, MSH-9.2
    structure: str  # MSH-9.3 (absent before v2.3.1)
    version: str
    message_time: datetime | None
    evn: EventInfo | None
    patient: PatientIdentity | None
    primary_care_providers: tuple[Practitioner, ...]
    next_of_kin: tuple[NextOfKin, ...]
    visit: Visit | None
    merges: tuple[Merge, ...]
    z_segments: tuple[str, ...]  # kept as sent
    segment_ids: tuple[str, ...]

    @property
    def event_time(self) -> datetime | None:
        """When it happened: EVN-6, else EVN-2, else MSH-7."""
        if self.evn is not None:
            if self.evn.occurred_time is not None:
                return self.evn.occurred_time
            if self.evn.recorded_time is not None:
                return self.evn.recorded_time
        return self.message_time


# --- extraction ---------------------------------------------------------------------------

Reps = list[list[list[str]]]
_SEGMENT_ID = re.compile(
    r"[A-Z][A-Z0-9]{2}"
)  # repetitions > components > subcomponents, still escaped


class _Segment:
    """One segment, split lazily: a field is cut into repetitions, components and
    subcomponents only when it is read, and values are unescaped then. (python-hl7 builds the
    whole tree of every segment first, which cost a third of the per-message time; it stays
    the reference the tests compare with, see docs/decisions/0004-hl7-v2-transport.md.)"""

    def __init__(self, text: str, context: EscapeContext, charset: str) -> None:
        self.raw = text
        sep = context.field
        if text.startswith("MSH"):
            # MSH-1 is the field separator itself: MSH-n is fields[n] as for other segments.
            self.fields = ["MSH", sep, *text.split(sep)[1:]]
        else:
            self.fields = text.split(sep)
        self.id = self.fields[0].strip()
        self.context = context
        self.charset = charset
        self._reps: dict[int, Reps] = {}

    def reps(self, n: int) -> Reps:
        cached = self._reps.get(n)
        if cached is not None:
            return cached
        out: Reps = []
        if 0 < n < len(self.fields) and self.fields[n]:
            context = self.context
            for repetition in self.fields[n].split(context.repetition):
                components = [
                    component.split(context.subcomponent)
                    for component in repetition.split(context.component)
                ]
                if any(any(components_sub) for components_sub in components):
                    out.append(components)
        self._reps[n] = out
        return out

    def text(self, value: str) -> str:
        return unescape(value, self.context, self.charset).strip()

    def comp(self, rep: list[list[str]], component: int, sub: int = 1) -> str:
        if component > len(rep):
            return ""
        subs = rep[component - 1]
        return self.text(subs[sub - 1]) if sub <= len(subs) else ""

    def value(self, n: int, component: int = 1, sub: int = 1) -> str:
        reps = self.reps(n)
        return self.comp(reps[0], component, sub) if reps else ""


_TS = re.compile(
    r"(?P<year>\d{4})(?P<month>\d{2})?(?P<day>\d{2})?(?P<hour>\d{2})?(?P<minute>\d{2})?"
    r"(?P<second>\d{2})?(?:\.(?P<fraction>\d{1,4}))?(?P<offset>[+-]\d{4})?"
)


def parse_timestamp(value: str, time_zone: ZoneInfo, field_name: str) -> datetime | None:
    """HL7 TS/DTM `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]` to an aware datetime; without an
    offset, the time is read in the source's time zone."""
    value = value.strip()
    if not value:
        return None
    match = _TS.fullmatch(value)
    if match is None:
        raise Hl7Error("invalid_timestamp", {"field": field_name, "value": value[:40]})
    parts = match.groupdict()
    try:
        moment = datetime(
            int(parts["year"]),
            int(parts["month"] or 1),
            int(parts["day"] or 1),
            int(parts["hour"] or 0),
            int(parts["minute"] or 0),
            int(parts["second"] or 0),
            int((parts["fraction"] or "0").ljust(6, "0")),
        )
        offset = parts["offset"]
        if offset:
            sign = 1 if offset[0] == "+" else -1
            hours, minutes = int(offset[1:3]), int(offset[3:5])
            if hours > 14 or minutes > 59:
                raise ValueError(offset)
            zone: timezone | ZoneInfo = timezone(sign * timedelta(hours=hours, minutes=minutes))
        else:
            zone = time_zone
        # In UTC: an ambiguous local time (the autumn hour) takes its first, summer-time
        # reading, and compares as expected (PEP 495 makes such times unequal across zones).
        return moment.replace(tzinfo=zone).astimezone(UTC)
    except ValueError:
        raise Hl7Error("invalid_timestamp", {"field": field_name, "value": value[:40]}) from None


def parse_date(value: str, field_name: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})\d*(?:\.\d+)?(?:[+-]\d{4})?", value)
    if match is None:
        raise Hl7Error("invalid_timestamp", {"field": field_name, "value": value[:40]})
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise Hl7Error("invalid_timestamp", {"field": field_name, "value": value[:40]}) from None


def _identifier(seg: _Segment, rep: list[list[str]]) -> Identifier | None:
    value = seg.comp(rep, 1)
    if not value:
        return None
    return Identifier(
        value=value,
        authority=seg.comp(rep, 4, 1),
        authority_uid=seg.comp(rep, 4, 2),
        authority_uid_type=seg.comp(rep, 4, 3),
        type_code=seg.comp(rep, 5),
        assigning_facility=seg.comp(rep, 6),
    )


def _identifiers(seg: _Segment, n: int) -> tuple[Identifier, ...]:
    found = (_identifier(seg, rep) for rep in seg.reps(n))
    return tuple(i for i in found if i is not None)


def _names(seg: _Segment, n: int) -> tuple[PersonName, ...]:
    return tuple(
        PersonName(
            family=seg.comp(rep, 1),
            given=seg.comp(rep, 2),
            middle=seg.comp(rep, 3),
            suffix=seg.comp(rep, 4),
            prefix=seg.comp(rep, 5),
            type_code=seg.comp(rep, 7),
        )
        for rep in seg.reps(n)
    )


def _addresses(seg: _Segment, n: int) -> tuple[Address, ...]:
    return tuple(
        Address(
            street=seg.comp(rep, 1),
            other=seg.comp(rep, 2),
            city=seg.comp(rep, 3),
            state=seg.comp(rep, 4),
            postcode=seg.comp(rep, 5),
            country=seg.comp(rep, 6),
            type_code=seg.comp(rep, 7),
        )
        for rep in seg.reps(n)
    )


def _telecoms(seg: _Segment, n: int) -> tuple[Telecom, ...]:
    out = []
    for rep in seg.reps(n):
        number = seg.comp(rep, 1) or seg.comp(rep, 12)
        if not number:
            country, area, local = seg.comp(rep, 5), seg.comp(rep, 6), seg.comp(rep, 7)
            number = " ".join(
                part for part in (f"+{country}" if country else "", area, local) if part
            )
        out.append(
            Telecom(
                number=number,
                use_code=seg.comp(rep, 2),
                equipment_type=seg.comp(rep, 3),
                email=seg.comp(rep, 4),
            )
        )
    return tuple(t for t in out if t.number or t.email)


def _practitioners(seg: _Segment, n: int) -> tuple[Practitioner, ...]:
    return tuple(
        Practitioner(
            id=seg.comp(rep, 1),
            family=seg.comp(rep, 2),
            given=seg.comp(rep, 3),
            prefix=seg.comp(rep, 6) or seg.comp(rep, 5),
            authority=seg.comp(rep, 9),
            type_code=seg.comp(rep, 13),
        )
        for rep in seg.reps(n)
    )


def _coded(seg: _Segment, n: int) -> Coded | None:
    reps = seg.reps(n)
    if not reps:
        return None
    rep = reps[0]
    return Coded(code=seg.comp(rep, 1), text=seg.comp(rep, 2), system=seg.comp(rep, 3))


def _location(seg: _Segment, n: int) -> Location | None:
    reps = seg.reps(n)
    if not reps:
        return None
    rep = reps[0]
    return Location(
        point_of_care=seg.comp(rep, 1),
        room=seg.comp(rep, 2),
        bed=seg.comp(rep, 3),
        facility=seg.comp(rep, 4),
        building=seg.comp(rep, 7),
        floor=seg.comp(rep, 8),
    )


def _first_identifier(seg: _Segment, n: int) -> Identifier | None:
    found = _identifiers(seg, n)
    return found[0] if found else None


def _patient(seg: _Segment, zone: ZoneInfo) -> PatientIdentity:
    return PatientIdentity(
        identifiers=_identifiers(seg, 3),
        names=_names(seg, 5),
        birth_date=parse_date(seg.value(7), "PID-7"),
        sex=seg.value(8),
        addresses=_addresses(seg, 11),
        home_phones=_telecoms(seg, 13),
        business_phones=_telecoms(seg, 14),
        account_number=_first_identifier(seg, 18),
        death_time=parse_timestamp(seg.value(29), zone, "PID-29"),
        death_indicator=seg.value(30),
    )


def _visit(seg: _Segment, zone: ZoneInfo, pv2: _Segment | None = None) -> Visit:
    return Visit(
        patient_class=seg.value(2),
        location=_location(seg, 3),
        admission_type=seg.value(4),
        prior_location=_location(seg, 6),
        attending=_practitioners(seg, 7),
        referring=_practitioners(seg, 8),
        hospital_service=seg.value(10),
        admit_source=seg.value(14),
        admitting=_practitioners(seg, 17),
        visit_number=_first_identifier(seg, 19),
        discharge_disposition=seg.value(36),
        discharged_to=seg.value(37, 1),
        discharged_to_date=seg.value(37, 2),
        admit_time=parse_timestamp(seg.value(44), zone, "PV1-44"),
        discharge_time=parse_timestamp(seg.value(45), zone, "PV1-45"),
        expected_admit_time=(
            parse_timestamp(pv2.value(8), zone, "PV2-8") if pv2 is not None else None
        ),
        expected_discharge_time=(
            parse_timestamp(pv2.value(9), zone, "PV2-9") if pv2 is not None else None
        ),
    )


def _event(seg: _Segment, zone: ZoneInfo) -> EventInfo:
    operators = _practitioners(seg, 5)
    return EventInfo(
        type_code=seg.value(1),
        recorded_time=parse_timestamp(seg.value(2), zone, "EVN-2"),
        reason_code=seg.value(4),
        operator=operators[0] if operators else None,
        occurred_time=parse_timestamp(seg.value(6), zone, "EVN-6"),
    )


def _next_of_kin(seg: _Segment) -> NextOfKin:
    return NextOfKin(
        set_id=seg.value(1),
        names=_names(seg, 2),
        relationship=_coded(seg, 3),
        addresses=_addresses(seg, 4),
        phones=_telecoms(seg, 5),
        business_phones=_telecoms(seg, 6),
        contact_role=_coded(seg, 7),
        organisation_name=seg.value(13),
    )


def parse_adt(text: str, header: Header, time_zone: ZoneInfo, charset: str = "utf-8") -> AdtMessage:
    """Parse a decoded message whose header passed `check_header`."""
    context = EscapeContext.from_characters(header.field_separator, header.encoding_characters)
    segments = [_Segment(line, context, charset) for line in text.split("\r")]
    for position, seg in enumerate(segments, start=1):
        if not _SEGMENT_ID.fullmatch(seg.id):
            # A carriage return inside a field, or a truncated frame: the rest would be misread.
            raise Hl7Error("bad_segment_id", {"position": position})
    ids = tuple(seg.id for seg in segments)
    if not ids or ids[0] != "MSH":
        raise Hl7Error("not_hl7")
    msh = segments[0]

    def first(segment_id: str) -> _Segment | None:
        return next((s for s in segments if s.id == segment_id), None)

    evn, pid, pd1, pv1 = first("EVN"), first("PID"), first("PD1"), first("PV1")
    pv2 = first("PV2")
    merges: list[Merge] = []
    if header.trigger_event == "A40":
        current: _Segment | None = None
        for seg in segments:
            if seg.id == "PID":
                current = seg
            elif seg.id == "MRG" and current is not None:
                merges.append(
                    Merge(
                        surviving=_patient(current, time_zone),
                        retired_identifiers=_identifiers(seg, 1),
                        retired_account=_first_identifier(seg, 3),
                    )
                )
    return AdtMessage(
        control_id=header.control_id.strip(),
        sending_application=msh.value(3),
        sending_facility=msh.value(4),
        receiving_application=msh.value(5),
        receiving_facility=msh.value(6),
        event=header.trigger_event,
        structure=header.structure,
        version=header.version,
        message_time=parse_timestamp(
            header.message_time.split(header.encoding_characters[0])[0], time_zone, "MSH-7"
        ),
        evn=_event(evn, time_zone) if evn else None,
        patient=_patient(pid, time_zone) if pid else None,
        primary_care_providers=_practitioners(pd1, 4) if pd1 else (),
        next_of_kin=tuple(_next_of_kin(s) for s in segments if s.id == "NK1"),
        visit=_visit(pv1, time_zone, pv2) if pv1 else None,
        merges=tuple(merges),
        z_segments=tuple(s.raw for s in segments if s.id.startswith("Z")),
        segment_ids=ids,
    )
