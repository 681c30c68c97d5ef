"""The per-message path without a socket: application errors with their location."""

from __future__ import annotations

import hl7
import pytest

from parcours.interop.hl7v2.ingest import ingest
from parcours.interop.models import Hl7Source, InboundMessage
from tests.interop.support import fixture_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("transport_only")]


def err(result_ack: str) -> list[str]:
    segment = hl7.parse(result_ack).segment("ERR")
    return [str(segment(2)), str(segment(3)(1)(1))]


def test_an_invalid_timestamp_is_an_application_error(chu_bxl: Hl7Source) -> None:
    raw = fixture_bytes("a01_admit.hl7").replace(b"||20250312080000\r", b"||2025-03-12\r")
    result = ingest(raw)
    assert result.ack_code == "AE"
    assert err(result.ack)[1] == "102"
    stored = InboundMessage.objects.get()
    assert stored.error_params == {"field": "PV1-44", "value": "2025-03-12"}


def test_merging_a_patient_into_itself_is_refused(chu_bxl: Hl7Source) -> None:
    raw = fixture_bytes("a40_merge.hl7").replace(b"MRG|000999111", b"MRG|000123456")
    result = ingest(raw)
    assert result.ack_code == "AE"
    assert InboundMessage.objects.get().error_code == "merge_into_itself"


@pytest.mark.parametrize(
    ("name", "old", "new", "location"),
    [
        ("a02_transfer.hl7", b"PV1|1|I|CAR^112^A^CHU_BXL|", b"PV1|1|I||", "PV1^1^3"),
        ("a03_discharge.hl7", b"|20250312080000|20250320153000", b"|20250312080000|", None),
        ("a04_register.hl7", b"PV1|1|E|", b"PV1|1||", "PV1^1^2"),
        (
            "a08_update.hl7",
            b"PID|1||000123456^^^CHU_BXL&1.3.6.1.4.1.99999.1&ISO^PI~48021408235^^^NISS&2.16.840.1.113883.3.6777.5.1&ISO^NNBEL|",
            b"PID|1|||",
            "PID^1^3",
        ),
    ],
)
def test_required_fields_per_event(
    chu_bxl: Hl7Source, name: str, old: bytes, new: bytes, location: str | None
) -> None:
    raw = fixture_bytes(name)
    assert old in raw
    result = ingest(raw.replace(old, new))
    if location is None:
        # A03 without PV1-45 falls back to the event time (EVN-6): still accepted.
        assert result.ack_code == "AA"
        return
    assert result.ack_code == "AE"
    assert err(result.ack) == [location, "101"]


def test_an_inactive_source_is_rejected(chu_bxl: Hl7Source) -> None:
    chu_bxl.active = False
    chu_bxl.save()
    result = ingest(fixture_bytes("a01_admit.hl7"))
    assert result.ack_code == "AR"
    assert InboundMessage.objects.get().error_code == "inactive_source"
