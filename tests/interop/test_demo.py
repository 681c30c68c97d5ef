from __future__ import annotations

import pytest

from parcours.demo import LOADERS, DemoContext
from parcours.interop import demo
from parcours.interop.models import Hl7Source
from tests.factories import OrganisationFactory


@pytest.mark.django_db
def test_demo_maps_chu_bxl_idempotently() -> None:
    OrganisationFactory(code="chu-bxl", type="hospital")
    assert LOADERS.index("parcours.interop.demo") > LOADERS.index("parcours.patients.demo")
    lines: list[str] = []
    context = DemoContext(log=lines.append)

    demo.load(context)
    demo.load(context)

    source = Hl7Source.objects.get()
    assert source.facility == "CHU_BXL" and source.organisation.code == "chu-bxl"
    assert source.discharge_dispositions["03"] == "nursing_home"
    assert source.discharge_dispositions["20"] == "deceased"
    assert "created" in lines[0] and "updated" in lines[1]
