"""Fixture messages through a real MLLP socket to the server started in the test: the ACK and
the stored state, for every trigger event, each edge case and the framing faults."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from django.db import connection

from parcours.directory.models import Organisation
from parcours.interop.hl7v2.domain import AcceptForProcessing, Outcome
from parcours.interop.hl7v2.handlers import use_domain_port
from parcours.interop.hl7v2.mllp import ServerConfig, frame
from parcours.interop.hl7v2.parse import AdtMessage
from parcours.interop.models import Hl7Source, InboundMessage, InboundStatus
from tests.interop.support import (
    RunningServer,
    ack_code,
    closed_by_peer,
    fixture_bytes,
    fixture_text,
    mllp_server,
    parse_ack,
    read_frames,
    send,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("transport_only")]


@pytest.fixture
def server(chu_bxl: Hl7Source) -> Iterator[RunningServer]:
    with mllp_server(ServerConfig(max_message_bytes=64 * 1024)) as running:
        yield running


ACCEPTED = [
    ("a01_admit.hl7", "MSG20250312-0001", "A01"),
    ("a02_transfer.hl7", "MSG20250313-0003", "A02"),
    ("a03_discharge.hl7", "MSG20250320-0042", "A03"),
    ("a04_register.hl7", "MSG20250315-0101", "A04"),
    ("a05_preadmit.hl7", "MSG20250316-0007", "A05"),
    ("a08_update.hl7", "MSG20250314-0019", "A08"),
    ("a11_cancel_admit.hl7", "MSG20250312-0009", "A11"),
    ("a12_cancel_transfer.hl7", "MSG20250313-0004", "A12"),
    ("a13_cancel_discharge.hl7", "MSG20250320-0050", "A13"),
    ("a40_merge.hl7", "MSG20250321-0001", "A40"),
    ("edge_escapes.hl7", "MSG-ESC-0001", "A08"),
    ("edge_repeated_pid3.hl7", "MSG-REP-0001", "A08"),
    ("edge_minimal_v23.hl7", "MSG-MIN-0001", "A01"),
    ("edge_zsegments.hl7", "MSG-ZSEG-0001", "A01"),
    ("edge_lf_endings.hl7", "MSG-LF-0001", "A08"),
    ("edge_crlf_endings.hl7", "MSG-CRLF-0001", "A08"),
    ("edge_latin1_declared.hl7", "MSG-LATIN1-0001", "A08"),
    ("edge_undeclared_cp1252.hl7", "MSG-CP1252-0001", "A08"),
]


@pytest.mark.parametrize(("name", "control_id", "event"), ACCEPTED)
def test_accepted_messages_are_stored_then_acknowledged_aa(
    server: RunningServer, chu_bxl: Hl7Source, name: str, control_id: str, event: str
) -> None:
    ack = send(server.port, fixture_bytes(name))

    assert ack_code(ack) == "AA"
    assert str(ack.segment("MSA")(2)) == control_id
    assert str(ack.segment("MSH")(9)) == f"ACK^{event}^ACK"
    stored = InboundMessage.objects.get()
    assert stored.control_id == control_id
    assert stored.event == event
    assert stored.source == chu_bxl
    assert stored.status == InboundStatus.RECEIVED
    assert stored.ack_code == "AA"
    assert "\n" not in stored.raw_text
    assert stored.raw_text.startswith("MSH|^~\\&|HIS_CHU|CHU_BXL|")


def test_the_ack_swaps_applications_and_facilities(server: RunningServer) -> None:
    ack = send(server.port, fixture_bytes("a01_admit.hl7"))
    msh = ack.segment("MSH")
    assert [str(msh(n)) for n in (3, 4, 5, 6)] == [
        "TRANSITION",
        "TRANSITION_PLATFORM",
        "HIS_CHU",
        "CHU_BXL",
    ]
    assert str(msh(12)) == "2.5"
    assert len(ack) == 2  # MSH and MSA, no ERR


def test_characters_survive_with_the_charset_recorded(server: RunningServer) -> None:
    send(server.port, fixture_bytes("edge_latin1_declared.hl7"))
    send(server.port, fixture_bytes("edge_undeclared_cp1252.hl7"))
    declared = InboundMessage.objects.get(control_id="MSG-LATIN1-0001")
    guessed = InboundMessage.objects.get(control_id="MSG-CP1252-0001")
    assert "LEFÈVRE^Hélène" in declared.raw_text
    assert (declared.charset, declared.charset_fallback) == ("cp1252", False)
    assert "LEFÈVRE^Hélène" in guessed.raw_text
    assert (guessed.charset, guessed.charset_fallback) == ("cp1252", True)


def test_escapes_are_stored_as_sent(server: RunningServer) -> None:
    send(server.port, fixture_bytes("edge_escapes.hl7"))
    stored = InboundMessage.objects.get()
    assert stored.raw_text == fixture_text("edge_escapes.hl7").rstrip("\r")
    assert "PEETERS \\F\\ DUBOIS" in stored.raw_text


REFUSED = [
    ("reject_unsupported_event.hl7", "AR", "unsupported_event", "201"),
    ("reject_unsupported_version.hl7", "AR", "unsupported_version", "203"),
    ("reject_unknown_facility.hl7", "AR", "unknown_facility", "204"),
    ("error_a01_without_pv1_19.hl7", "AE", "missing_field", "101"),
    ("error_a40_without_mrg.hl7", "AE", "missing_segment", "100"),
]


@pytest.mark.parametrize(("name", "code", "reason", "hl7_error"), REFUSED)
def test_refused_messages_are_stored_with_the_reason(
    server: RunningServer, name: str, code: str, reason: str, hl7_error: str
) -> None:
    ack = send(server.port, fixture_bytes(name))

    assert ack_code(ack) == code
    err = ack.segment("ERR")
    assert str(err(3)(1)(1)) == hl7_error
    assert str(err(4)) == "E"
    stored = InboundMessage.objects.get()
    assert stored.status == InboundStatus.REJECTED
    assert (stored.ack_code, stored.error_code) == (code, reason)
    assert str(ack.segment("MSA")(2)) == stored.control_id


def test_unknown_facility_is_kept_without_a_source(server: RunningServer) -> None:
    ack = send(server.port, fixture_bytes("reject_unknown_facility.hl7"))
    assert ack_code(ack) == "AR"
    assert "HOPITAL_INCONNU" in str(ack.segment("ERR")(8))
    assert InboundMessage.objects.get().source is None


def test_garbage_is_answered_ar_and_kept(server: RunningServer) -> None:
    ack = send(server.port, b"this is not HL7 at all")
    assert ack_code(ack) == "AR"
    assert str(ack.segment("MSA")(2)) == ""
    stored = InboundMessage.objects.get()
    assert (stored.status, stored.error_code) == (InboundStatus.REJECTED, "not_hl7")


# --- idempotency ----------------------------------------------------------------------------


def test_a_resent_message_is_acknowledged_again_and_stored_once(server: RunningServer) -> None:
    first = send(server.port, fixture_bytes("a01_admit.hl7"))
    # The same message through an engine that ends segments with "\r\n".
    again = send(server.port, fixture_bytes("a01_admit.hl7").replace(b"\r", b"\r\n"))

    assert ack_code(first) == ack_code(again) == "AA"
    stored = InboundMessage.objects.get()
    assert stored.resend_count == 1
    assert stored.attempts == 1


def test_same_control_id_with_other_content_is_a_conflict(server: RunningServer) -> None:
    original = fixture_bytes("a01_admit.hl7")
    changed = original.replace(b"GER^204^B", b"GER^205^A")

    assert ack_code(send(server.port, original)) == "AA"
    conflict_ack = send(server.port, changed)
    assert ack_code(conflict_ack) == "AE"
    assert str(conflict_ack.segment("ERR")(3)(1)(1)) == "205"
    assert ack_code(send(server.port, changed)) == "AE"

    first, second = InboundMessage.objects.order_by("pk")
    assert first.status == InboundStatus.RECEIVED
    assert second.status == InboundStatus.CONFLICT
    assert second.duplicate_of == first
    assert second.resend_count == 1
    assert b"GER^205^A" in second.raw_text.encode()
    assert ack_code(send(server.port, original)) == "AA"
    assert InboundMessage.objects.count() == 2


def test_a_rejected_message_resent_after_the_fix_is_accepted(server: RunningServer) -> None:
    message = fixture_bytes("reject_unknown_facility.hl7")
    assert ack_code(send(server.port, message)) == "AR"
    Hl7Source.objects.create(
        facility="HOPITAL_INCONNU", organisation=Organisation.objects.get(code="chu-bxl")
    )
    assert ack_code(send(server.port, message)) == "AA"
    stored = InboundMessage.objects.get()
    assert (stored.status, stored.attempts, stored.error_code) == ("received", 2, "")


def test_unmapped_discharge_disposition_is_an_application_error(
    server: RunningServer, chu_bxl: Hl7Source
) -> None:
    chu_bxl.discharge_dispositions = {}
    chu_bxl.save()
    ack = send(server.port, fixture_bytes("a03_discharge.hl7"))
    assert ack_code(ack) == "AE"
    assert InboundMessage.objects.get().error_code == "unmapped_disposition"


# --- failures -------------------------------------------------------------------------------


def _rename_table(old: str, new: str) -> None:
    with connection.cursor() as cursor:
        quote = connection.ops.quote_name
        cursor.execute(f"ALTER TABLE {quote(old)} RENAME TO {quote(new)}")


def test_no_aa_when_the_message_cannot_be_stored(server: RunningServer) -> None:
    table = InboundMessage._meta.db_table
    _rename_table(table, "interop_hidden")
    try:
        ack = send(server.port, fixture_bytes("a01_admit.hl7"))
    finally:
        _rename_table("interop_hidden", table)
    assert ack_code(ack) == "AR"
    assert str(ack.segment("ERR")(3)(1)(1)) == "207"
    assert InboundMessage.objects.count() == 0

    assert ack_code(send(server.port, fixture_bytes("a01_admit.hl7"))) == "AA"
    assert InboundMessage.objects.count() == 1


class FailingPort(AcceptForProcessing):
    """Writes, then fails: the write must not survive."""

    def admit(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        Organisation.objects.create(code="written-by-a-failing-handler", type="other")
        raise RuntimeError("boom")


def test_a_failing_handler_leaves_no_partial_write(server: RunningServer) -> None:
    with use_domain_port(FailingPort()):
        ack = send(server.port, fixture_bytes("a01_admit.hl7"))
    assert ack_code(ack) == "AR"
    stored = InboundMessage.objects.get()
    assert (stored.status, stored.error_code) == (InboundStatus.ERROR, "internal_error")
    assert not Organisation.objects.filter(code="written-by-a-failing-handler").exists()


def test_inactive_organisation_is_an_application_error(
    server: RunningServer, chu_bxl: Hl7Source
) -> None:
    Organisation.objects.filter(pk=chu_bxl.organisation_id).update(active=False)
    assert ack_code(send(server.port, fixture_bytes("a08_update.hl7"))) == "AE"
    assert InboundMessage.objects.get().error_code == "inactive_organisation"


# --- framing --------------------------------------------------------------------------------


def _connect(server: RunningServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def test_two_frames_in_one_write_get_two_acks_in_order(server: RunningServer) -> None:
    with _connect(server) as sock:
        sock.sendall(
            frame(fixture_bytes("a01_admit.hl7")) + frame(fixture_bytes("a02_transfer.hl7"))
        )
        acks = [parse_ack(f) for f in read_frames(sock, 2)]
    assert [str(a.segment("MSA")(2)) for a in acks] == ["MSG20250312-0001", "MSG20250313-0003"]
    assert [ack_code(a) for a in acks] == ["AA", "AA"]
    assert InboundMessage.objects.count() == 2


def test_a_frame_split_across_writes_is_reassembled(server: RunningServer) -> None:
    data = frame(fixture_bytes("a03_discharge.hl7"))
    with _connect(server) as sock:
        for start in range(0, len(data), 97):
            sock.sendall(data[start : start + 97])
            time.sleep(0.01)
        (ack,) = read_frames(sock, 1)
    assert ack_code(parse_ack(ack)) == "AA"
    assert InboundMessage.objects.get().event == "A03"


def test_junk_before_the_start_block_is_dropped(server: RunningServer) -> None:
    with _connect(server) as sock:
        sock.sendall(
            b"\r\n\x00garbage" + b"\x0bMSH|half a frame" + frame(fixture_bytes("a08_update.hl7"))
        )
        (ack,) = read_frames(sock, 1)
    assert ack_code(parse_ack(ack)) == "AA"
    assert InboundMessage.objects.get().control_id == "MSG20250314-0019"


def test_bytes_that_are_not_utf8_nor_cp1252_are_read_as_latin1(server: RunningServer) -> None:
    message = fixture_bytes("a08_update.hl7").replace("Chaussée".encode(), b"Chauss\x81e\x8d")
    with _connect(server) as sock:
        sock.sendall(frame(message))
        (ack,) = read_frames(sock, 1)
    assert ack_code(parse_ack(ack)) == "AA"
    stored = InboundMessage.objects.get()
    assert (stored.charset, stored.charset_fallback) == ("iso-8859-1", True)
    assert "Chauss\x81e\x8d" in stored.raw_text


def test_an_oversized_frame_is_refused_and_the_connection_closed(server: RunningServer) -> None:
    big = fixture_bytes("a08_update.hl7") + b"ZXX|" + b"x" * 70_000 + b"\r"
    with _connect(server) as sock:
        sock.sendall(frame(big))
        (ack,) = read_frames(sock, 1)
        parsed = parse_ack(ack)
        assert ack_code(parsed) == "AR"
        assert str(parsed.segment("MSA")(2)) == "MSG20250314-0019"
        assert closed_by_peer(sock)
    assert InboundMessage.objects.count() == 0
    # The server still serves others.
    assert ack_code(send(server.port, fixture_bytes("a01_admit.hl7"))) == "AA"


def test_idle_connections_are_closed(chu_bxl: Hl7Source) -> None:
    with mllp_server(ServerConfig(idle_timeout=0.3)) as running, _connect(running) as sock:
        assert closed_by_peer(sock)


def test_connections_beyond_the_limit_are_refused(chu_bxl: Hl7Source) -> None:
    with mllp_server(ServerConfig(max_connections=2)) as running:
        with _connect(running) as first, _connect(running) as second:
            # Both are served (original mode, one after the other).
            first.sendall(frame(fixture_bytes("a01_admit.hl7")))
            assert ack_code(parse_ack(read_frames(first, 1)[0])) == "AA"
            second.sendall(frame(fixture_bytes("a08_update.hl7")))
            assert ack_code(parse_ack(read_frames(second, 1)[0])) == "AA"
            with _connect(running) as third:
                assert closed_by_peer(third)
            assert running.server.refused == 1
        # Once they are closed, a new sender gets in.
        deadline = time.monotonic() + 10
        while running.server.connections and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ack_code(send(running.port, fixture_bytes("a03_discharge.hl7"))) == "AA"


def test_idle_connections_do_not_starve_a_real_sender(chu_bxl: Hl7Source) -> None:
    """R6 in small: slow senders hold connections; a real sender is still served."""
    with mllp_server(ServerConfig(max_connections=10)) as running:
        idle = [_connect(running) for _ in range(8)]
        try:
            for sock in idle[:4]:
                sock.sendall(b"\x0bMSH|^~\\&|SLOW")  # a frame that never ends
            for name in ("a01_admit.hl7", "a02_transfer.hl7", "a03_discharge.hl7"):
                assert ack_code(send(running.port, fixture_bytes(name))) == "AA"
        finally:
            for sock in idle:
                sock.close()
    assert InboundMessage.objects.count() == 3
