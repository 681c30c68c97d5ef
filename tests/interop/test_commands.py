"""`parcours hl7 source add|list` and `parcours hl7 replay`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from parcours.interop.hl7v2.ingest import ingest
from parcours.interop.models import Hl7Source, InboundMessage, InboundStatus
from tests.factories import OrganisationFactory
from tests.interop.support import fixture_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("transport_only")]


def hl7(*args: str) -> str:
    out = StringIO()
    call_command("hl7", *args, stdout=out)
    return out.getvalue()


def test_source_add_then_list() -> None:
    OrganisationFactory(code="chu-bxl", type="hospital")
    out = hl7(
        "source", "add", "--facility", "CHU_BXL", "--organisation", "chu-bxl",
        "--time-zone", "Europe/Paris", "--disposition", "06=home_with_services",
        "--disposition", "20=exp",
    )  # fmt: skip
    assert "created HL7 source CHU_BXL" in out
    source = Hl7Source.objects.get()
    # A FHIR discharge-disposition code is stored as the destination it means.
    assert (source.time_zone, source.discharge_dispositions) == (
        "Europe/Paris",
        {"06": "home_with_services", "20": "deceased"},
    )
    # Adding again updates and merges the map.
    hl7(
        "source",
        "add",
        "--facility",
        "CHU_BXL",
        "--organisation",
        "chu-bxl",
        "--disposition",
        "07=other",
    )
    source.refresh_from_db()
    assert source.discharge_dispositions == {
        "06": "home_with_services",
        "20": "deceased",
        "07": "other",
    }
    assert source.time_zone == "Europe/Paris"
    assert hl7("source", "list").split("\t")[:4] == ["CHU_BXL", "chu-bxl", "Europe/Paris", "active"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--organisation", "nowhere"], "unknown organisation"),
        (["--organisation", "mm-louise"], "not a hospital"),
        (["--organisation", "chu-bxl", "--time-zone", "Mars/Olympus"], "unknown time zone"),
        (
            ["--organisation", "chu-bxl", "--disposition", "06=maison"],
            "destination must be one of home, ",
        ),
        (["--organisation", "chu-bxl", "--disposition", "06"], "SOURCE_CODE=DESTINATION"),
    ],
)
def test_source_add_refuses_bad_values(args: list[str], message: str) -> None:
    OrganisationFactory(code="chu-bxl", type="hospital")
    OrganisationFactory(code="mm-louise", type="health_centre")
    with pytest.raises(CommandError, match=message):
        hl7("source", "add", "--facility", "CHU_BXL", *args)
    assert not Hl7Source.objects.exists()


def test_replay_after_fixing_the_mapping(chu_bxl: Hl7Source) -> None:
    chu_bxl.discharge_dispositions = {}
    chu_bxl.save()
    assert ingest(fixture_bytes("a03_discharge.hl7")).ack_code == "AE"
    message = InboundMessage.objects.get()

    out = hl7("replay", "--message", str(message.pk))
    assert f"{message.pk}\trejected\tAE\tDischarge disposition “06”" in out

    hl7(
        "source",
        "add",
        "--facility",
        "CHU_BXL",
        "--organisation",
        "chu-bxl",
        "--disposition",
        "06=home",
    )
    assert hl7("replay", "--status", "rejected") == f"{message.pk}\treceived\tAA\n"
    message.refresh_from_db()
    assert (message.status, message.ack_code, message.attempts) == ("received", "AA", 3)
    assert message.replayed_at is not None
    # Accepted messages are not replayed again.
    with pytest.raises(CommandError, match="could not be replayed"):
        hl7("replay", "--message", str(message.pk))


def test_replay_of_an_unknown_message_fails() -> None:
    with pytest.raises(CommandError, match="no such message: 404"):
        hl7("replay", "--message", "404")


def test_replay_by_status_and_facility(chu_bxl: Hl7Source) -> None:
    ingest(fixture_bytes("reject_unknown_facility.hl7"))
    ingest(fixture_bytes("error_a01_without_pv1_19.hl7"))
    out = hl7("replay", "--status", "rejected", "--facility", "CHU_BXL")
    assert out.count("\n") == 1 and "\trejected\tAE\t" in out
    assert InboundMessage.objects.filter(status=InboundStatus.REJECTED, attempts=2).count() == 1
