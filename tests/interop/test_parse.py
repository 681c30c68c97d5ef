"""The parser and the ACK builder, without a socket."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import hl7
import pytest

from parcours.interop.hl7v2.ack import build_ack
from parcours.interop.hl7v2.parse import (
    EscapeContext,
    _Segment,
    check_header,
    decode,
    parse_adt,
    parse_timestamp,
    read_header,
    unescape,
)
from parcours.interop.hl7v2.reasons import Hl7Error
from tests.interop.support import FIXTURES, fixture_bytes

BRUSSELS = ZoneInfo("Europe/Brussels")
PARIS = ZoneInfo("Europe/Paris")


def parsed(name: str, zone: ZoneInfo = BRUSSELS):  # type: ignore[no-untyped-def]
    decoded = decode(fixture_bytes(name))
    header = read_header(decoded.text)
    check_header(header)
    return parse_adt(decoded.text, header, zone, decoded.charset)


def test_the_a01_sample_is_read_field_by_field() -> None:
    message = parsed("a01_admit.hl7")
    assert (message.control_id, message.event, message.structure, message.version) == (
        "MSG20250312-0001",
        "A01",
        "ADT_A01",
        "2.5",
    )
    assert message.message_time == datetime(2025, 3, 12, 7, 30, 15, tzinfo=UTC)
    patient = message.patient
    assert patient is not None
    internal, niss = patient.identifiers
    assert (internal.value, internal.authority, internal.type_code) == (
        "000123456",
        "CHU_BXL",
        "PI",
    )
    assert (niss.value, niss.authority, niss.authority_uid, niss.type_code) == (
        "48021408235",
        "NISS",
        "2.16.840.1.113883.3.6777.5.1",
        "NNBEL",
    )
    assert (patient.names[0].family, patient.names[0].given) == ("PEETERS", "Marie")
    assert patient.birth_date == date(1948, 2, 14)
    assert patient.sex == "F"
    assert patient.addresses[0].postcode == "1000"
    assert patient.home_phones[0].number == "+32 2 5551234"
    gp = message.primary_care_providers[0]
    assert (gp.id, gp.family, gp.prefix) == ("19876543004", "MARTIN", "Dr")
    (kin,) = message.next_of_kin
    assert kin.relationship is not None and kin.relationship.code == "CHD"
    assert kin.contact_role is not None and kin.contact_role.code == "C"
    visit = message.visit
    assert visit is not None
    assert visit.patient_class == "I"
    assert visit.location is not None and (visit.location.point_of_care, visit.location.bed) == (
        "GER",
        "B",
    )
    assert visit.visit_number is not None and visit.visit_number.value == "V20250312-0007"
    assert visit.attending[0].family == "LAMBERT"
    assert visit.admit_time == datetime(2025, 3, 12, 8, 0, tzinfo=BRUSSELS)
    assert message.evn is not None and message.evn.operator is not None
    assert message.event_time == datetime(2025, 3, 12, 8, 0, tzinfo=BRUSSELS)


def test_discharge_fields() -> None:
    visit = parsed("a03_discharge.hl7").visit
    assert visit is not None
    assert (visit.discharge_disposition, visit.discharged_to, visit.discharged_to_date) == (
        "06",
        "HOME-NURSING",
        "20250320",
    )
    assert visit.discharge_time == datetime(2025, 3, 20, 15, 30, tzinfo=BRUSSELS)


def test_admitting_physician_register_and_pv2_dates() -> None:
    visit = parsed("a01_admit_physician_pv2.hl7").visit
    assert visit is not None
    doctor = visit.admitting[0]
    assert (doctor.id, doctor.family, doctor.given, doctor.prefix) == (
        "11234567004",
        "LAMBERT",
        "Sophie",
        "Dr",
    )
    assert (doctor.authority, doctor.type_code) == ("RIZIV", "PRN")  # XCN-9, XCN-13
    assert visit.expected_admit_time is None
    assert visit.expected_discharge_time == datetime(2025, 4, 8, 10, 0, tzinfo=UTC)  # PV2-9

    planned = parsed("a05_preadmit_planned.hl7").visit
    assert planned is not None
    assert planned.expected_admit_time == datetime(2025, 3, 20, 7, 0, tzinfo=UTC)  # PV2-8
    assert parsed("a01_admit.hl7").visit.expected_discharge_time is None  # type: ignore[union-attr]


def test_transfer_has_the_prior_location() -> None:
    visit = parsed("a02_transfer.hl7").visit
    assert visit is not None and visit.prior_location is not None
    assert visit.location is not None and visit.location.point_of_care == "CAR"
    assert visit.prior_location.point_of_care == "GER"


def test_merge_reads_mrg_1() -> None:
    (merge,) = parsed("a40_merge.hl7").merges
    assert merge.retired_identifiers[0].value == "000999111"
    assert merge.surviving.identifiers[0].value == "000123456"


def test_escape_sequences_are_unescaped() -> None:
    patient = parsed("edge_escapes.hl7").patient
    assert patient is not None
    assert patient.names[0].family == "PEETERS | DUBOIS"
    assert patient.names[0].given == "Marie^Louise"
    assert patient.addresses[0].street == "Rue A & B~C \\ DM\n2e étage"


@pytest.mark.parametrize(
    ("escaped", "plain"),
    [
        ("a\\F\\b", "a|b"),
        ("\\S\\\\T\\\\R\\\\E\\", "^&~\\"),
        ("caf\\XC3A9\\", "café"),
        ("line\\.br\\next", "line\nnext"),
        ("\\H\\bold\\N\\", "bold"),
        ("open \\F", "open \\F"),
        ("\\Xzz\\", "\\Xzz\\"),
    ],
)
def test_unescape(escaped: str, plain: str) -> None:
    assert unescape(escaped, EscapeContext.default()) == plain


def test_repeated_identifiers_and_z_segments_are_kept() -> None:
    patient = parsed("edge_repeated_pid3.hl7").patient
    assert patient is not None
    assert [i.type_code for i in patient.identifiers] == ["PI", "NNBEL", "MR"]
    assert parsed("edge_zsegments.hl7").z_segments == (
        "ZBE|MVT-1^CHU_BXL|20250312080000||INSERT|N",
        "ZFM|8|6|",
    )


def test_missing_optional_fields_are_empty() -> None:
    message = parsed("edge_minimal_v23.hl7")
    assert message.evn is None and message.structure == ""
    assert message.patient is not None and message.patient.birth_date is None
    assert message.patient.identifiers[0].authority == ""
    assert message.next_of_kin == () and message.primary_care_providers == ()
    assert message.event_time == datetime(2025, 3, 12, 8, 30, 15, tzinfo=BRUSSELS)


def test_timestamps_without_offset_use_the_source_time_zone() -> None:
    assert parse_timestamp("20250312083000", BRUSSELS, "X") == datetime(
        2025, 3, 12, 7, 30, tzinfo=UTC
    )
    # Summer time, and a time zone given in the message wins.
    assert parse_timestamp("20250712083000", PARIS, "X") == datetime(2025, 7, 12, 6, 30, tzinfo=UTC)
    assert parse_timestamp("20250712083000-0500", PARIS, "X") == datetime(
        2025, 7, 12, 13, 30, tzinfo=UTC
    )
    assert parse_timestamp("202507", PARIS, "X") == datetime(2025, 7, 1, tzinfo=PARIS)
    assert parse_timestamp("20250712083000.1234", PARIS, "X") == datetime(
        2025, 7, 12, 8, 30, 0, 123400, tzinfo=PARIS
    )
    for bad in ("2025-07-12", "20251312", "20250712256000", "20250712+9999"):
        with pytest.raises(Hl7Error) as raised:
            parse_timestamp(bad, PARIS, "PV1-44")
        assert raised.value.code == "invalid_timestamp"


def test_segment_endings_are_normalised() -> None:
    texts = {
        decode(fixture_bytes(name)).text
        for name in ("edge_lf_endings.hl7", "edge_crlf_endings.hl7")
    }
    (text,) = {t.replace("MSG-LF-0001", "X").replace("MSG-CRLF-0001", "X") for t in texts}
    assert text.count("\r") == 2 and "\n" not in text


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "not_hl7"),
        (b"PID|1||x", "not_hl7"),
        (b"MSH", "not_hl7"),
        (b"MSH|^^^^|A|B|C|D|2025||ADT^A01|1|P|2.5", "bad_encoding_characters"),
        (b"MSH|^~\\&|A|B|C|D|2025||ADT^A01||P|2.5", "missing_control_id"),
        (b"MSH|^~\\&|A|B|C|D|2025||ADT^A01|" + b"9" * 200 + b"|P|2.5", "control_id_too_long"),
        (b"MSH|^~\\&|A|B|C|D|2025||ORU^R01|1|P|2.5", "unsupported_message_type"),
        (b"MSH|^~\\&|A|B|C|D|2025||ADT^A31|1|P|2.5", "unsupported_event"),
        (b"MSH|^~\\&|A|B|C|D|2025||ADT^A01|1|P|2.2", "unsupported_version"),
    ],
)
def test_header_checks(raw: bytes, reason: str) -> None:
    with pytest.raises(Hl7Error) as raised:
        check_header(read_header(decode(raw).text))
    assert raised.value.code == reason
    assert raised.value.ack_code == "AR"


def test_ack_for_an_error_names_the_reason_in_err() -> None:
    header = read_header(decode(fixture_bytes("a03_discharge.hl7")).text)
    error = Hl7Error("unmapped_disposition", {"code": "06"}, "PV1^1^36")
    ack = hl7.parse(build_ack(header, "AE", error))
    assert str(ack.segment("MSH")(9)) == "ACK^A03^ACK"
    assert [str(f) for f in ack.segment("MSA")[1:3]] == ["AE", "MSG20250320-0042"]
    err = ack.segment("ERR")
    assert str(err(2)) == "PV1^1^36"
    assert str(err(3)) == "103^Table value not found^HL70357"
    assert "“06”" in str(err(8))


def test_ack_for_unreadable_input_is_still_an_hl7_message() -> None:
    ack = build_ack(read_header(decode(b"\xff\xfe garbage | ^ ~").text), "AR", Hl7Error("not_hl7"))
    parsed_ack = hl7.parse(ack)
    assert str(parsed_ack.segment("MSH")(9)) == "ACK^^ACK"
    assert str(parsed_ack.segment("MSA")(1)) == "AR"


def test_ack_escapes_separators_in_the_reason() -> None:
    header = read_header(decode(fixture_bytes("a01_admit.hl7")).text)
    error = Hl7Error("unknown_facility", {"facility": "A|B^C"})
    ack = build_ack(header, "AR", error)
    assert "A\\F\\B\\S\\C" in ack
    assert len(hl7.parse(ack).segment("ERR")) == 9


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.hl7")))
def test_fields_are_split_as_python_hl7_splits_them(name: str) -> None:
    """python-hl7 is the reference for segment and field boundaries."""
    decoded = decode(fixture_bytes(name))
    header = read_header(decoded.text)
    reference = hl7.parse(decoded.text)
    context = EscapeContext.default()
    for line, expected in zip(decoded.text.split("\r"), reference, strict=True):
        ours = _Segment(line, context, "utf-8")
        assert ours.id == str(expected[0])
        assert len(ours.fields) == len(expected)
        for n in range(1, len(expected)):
            assert ours.fields[n] == str(expected[n]), (name, ours.id, n)
    assert header.control_id == str(reference.segment("MSH")(10))


def test_a_carriage_return_inside_a_field_is_refused() -> None:
    raw = fixture_bytes("a01_admit.hl7").replace(b"Rue de la Loi", b"Rue de\rla Loi")
    decoded = decode(raw)
    with pytest.raises(Hl7Error) as raised:
        parse_adt(decoded.text, read_header(decoded.text), BRUSSELS)
    assert (raised.value.code, raised.value.ack_code) == ("bad_segment_id", "AR")


def test_ambiguous_and_missing_local_times_around_dst() -> None:
    # 02:30 happens twice on 26 October 2025 in Brussels: the first (summer time) is taken.
    assert parse_timestamp("20251026023000", BRUSSELS, "X") == datetime(
        2025, 10, 26, 0, 30, tzinfo=UTC
    )
    # 02:30 does not exist on 30 March 2025: read with the offset before the change.
    assert parse_timestamp("20250330023000", BRUSSELS, "X") == datetime(
        2025, 3, 30, 1, 30, tzinfo=UTC
    )
