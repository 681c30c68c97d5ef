"""Every point of care the HL7 samples name (PV1-3, PV1-6) is a ward of the demo hospital, so
the samples replayed against `make run` are applied instead of answered AE `unknown_ward`."""

from __future__ import annotations

from pathlib import Path

import pytest

from parcours.demo import DemoContext
from parcours.directory import demo as directory_demo
from parcours.directory.models import Organisation

FIXTURES = Path(__file__).parent / "fixtures"


def points_of_care() -> set[str]:
    found: set[str] = set()
    for path in FIXTURES.glob("*.hl7"):
        if path.name.startswith(("error_", "reject_")):
            continue
        segments = path.read_bytes().decode("utf-8", "replace").replace("\n", "\r").split("\r")
        if not any(s.startswith("MSH|") and s.split("|")[3] == "CHU_BXL" for s in segments):
            continue
        for segment in segments:
            if segment.startswith("PV1|"):
                fields = segment.split("|")
                for index in (3, 6):
                    if len(fields) > index and fields[index]:
                        found.add(fields[index].split("^")[0].lower())
    return found


@pytest.mark.django_db
def test_every_sample_ward_is_in_the_demo_directory() -> None:
    directory_demo.load(DemoContext(log=lambda line: None))
    wanted = points_of_care()
    assert {"ger", "car", "ort"} <= wanted
    codes = set(Organisation.objects.filter(parent__code="chu-bxl").values_list("code", flat=True))
    assert {f"chu-bxl-{point}" for point in wanted} <= codes
