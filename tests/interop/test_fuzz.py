"""Hypothesis on the parser, the ACK builder, ingestion and the listener: never an unhandled
exception, never a partial write, and the server keeps serving."""

from __future__ import annotations

import socket
from zoneinfo import ZoneInfo

import hl7
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcours.directory.models import Organisation
from parcours.interop.hl7v2.ack import build_ack
from parcours.interop.hl7v2.domain import AcceptForProcessing, NotApplicable, Outcome
from parcours.interop.hl7v2.handlers import use_domain_port
from parcours.interop.hl7v2.ingest import ingest
from parcours.interop.hl7v2.mllp import ServerConfig, frame
from parcours.interop.hl7v2.parse import (
    AdtMessage,
    EscapeContext,
    check_header,
    decode,
    parse_adt,
    read_header,
    unescape,
)
from parcours.interop.hl7v2.reasons import Hl7Error
from parcours.interop.models import Hl7Source, InboundMessage
from tests.interop.support import ack_code, fixture_bytes, mllp_server, send

pytestmark = pytest.mark.usefixtures("transport_only")

FUZZ = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
VALID = [
    fixture_bytes(name)
    for name in (
        "a01_admit.hl7",
        "a03_discharge.hl7",
        "a40_merge.hl7",
        "edge_escapes.hl7",
        "edge_minimal_v23.hl7",
    )
]
HL7_ALPHABET = st.sampled_from(list("|^~\\&\r\nMSHPIDVEN0123456789AXZ.+-é\x00\x0b\x1c "))


def parse_or_refuse(raw: bytes) -> AdtMessage | Hl7Error:
    decoded = decode(raw)
    header = read_header(decoded.text)
    try:
        check_header(header)
        return parse_adt(decoded.text, header, ZoneInfo("Europe/Brussels"), decoded.charset)
    except Hl7Error as error:
        return error


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "delete", "replace", "truncate", "duplicate"]))
        chunk = draw(
            st.binary(min_size=1, max_size=8) | st.text(HL7_ALPHABET, max_size=8).map(str.encode)
        )
        if kind == "insert":
            data[position:position] = chunk
        elif kind == "delete":
            del data[position : position + len(chunk)]
        elif kind == "replace":
            data[position : position + len(chunk)] = chunk
        elif kind == "truncate":
            del data[position:]
        else:
            segments = bytes(data).split(b"\r")
            index = draw(st.integers(0, len(segments) - 1))
            segments.insert(index, segments[index])
            data = bytearray(b"\r".join(segments))
    return bytes(data)


@FUZZ
@given(st.binary(max_size=400))
def test_parser_never_crashes_on_bytes(raw: bytes) -> None:
    assert isinstance(parse_or_refuse(raw), AdtMessage | Hl7Error)


@FUZZ
@given(st.text(HL7_ALPHABET, max_size=300))
def test_parser_never_crashes_on_hl7_like_text(text: str) -> None:
    raw = ("MSH|^~\\&|HIS|CHU_BXL|||20250312||ADT^A01|1|P|2.5\r" + text).encode()
    assert isinstance(parse_or_refuse(raw), AdtMessage | Hl7Error)


@FUZZ
@given(mutated())
def test_parser_never_crashes_on_mutated_messages(raw: bytes) -> None:
    assert isinstance(parse_or_refuse(raw), AdtMessage | Hl7Error)


@FUZZ
@given(st.binary(max_size=300) | mutated(), st.sampled_from(["AA", "AE", "AR"]))
def test_every_ack_is_a_parseable_hl7_message(raw: bytes, code: str) -> None:
    header = read_header(decode(raw).text)
    ack = hl7.parse(build_ack(header, code, None if code == "AA" else Hl7Error("not_hl7")))
    assert str(ack.segment("MSA")(1)) == code
    assert str(ack.segment("MSH")(9)(1)(1)) == "ACK"


@FUZZ
@given(st.text(max_size=100))
def test_unescape_never_crashes(text: str) -> None:
    assert isinstance(unescape(text, EscapeContext.default()), str)


class WritesThenRefuses(AcceptForProcessing):
    """A domain that writes before it finds the message cannot be applied."""

    def _accept(self, source: Hl7Source) -> Outcome:
        Organisation.objects.create(code=f"partial-{Organisation.objects.count()}", type="other")
        raise NotApplicable("inactive_organisation", {"organisation": "x"})


@pytest.mark.django_db
@FUZZ
@given(st.binary(max_size=300) | mutated())
def test_ingesting_garbage_stores_a_whole_row_or_nothing(chu_bxl: Hl7Source, raw: bytes) -> None:
    before = InboundMessage.objects.count()
    organisations = Organisation.objects.count()
    with use_domain_port(WritesThenRefuses()):
        result = ingest(raw)
    assert result.ack_code in {"AE", "AR", "AA"}
    assert hl7.parse(result.ack)
    assert Organisation.objects.count() == organisations
    assert InboundMessage.objects.count() - before in (0, 1)
    assert result.message_id is not None
    row = InboundMessage.objects.get(pk=result.message_id)
    assert row.ack_code == result.ack_code
    assert row.status and row.content_hash and row.charset
    if row.ack_code != "AA":
        assert row.error_code


@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.binary(max_size=200) | mutated().map(frame), min_size=1, max_size=4))
def test_the_listener_survives_any_byte_stream(chu_bxl: Hl7Source, chunks: list[bytes]) -> None:
    with mllp_server(ServerConfig(max_message_bytes=4096, idle_timeout=5)) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            for chunk in chunks:
                sock.sendall(chunk)
            sock.shutdown(socket.SHUT_WR)
            sock.settimeout(5)
            try:
                while sock.recv(65536):
                    pass
            except (TimeoutError, ConnectionResetError):
                pass
        assert ack_code(send(server.port, fixture_bytes("a08_update.hl7"))) == "AA"
