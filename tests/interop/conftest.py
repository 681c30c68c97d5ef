from __future__ import annotations

from collections.abc import Iterator

import pytest

from parcours.interop.hl7v2.domain import AcceptForProcessing
from parcours.interop.hl7v2.handlers import use_domain_port
from parcours.interop.models import Hl7Source
from tests.factories import OrganisationFactory


@pytest.fixture
def chu_bxl(db: None) -> Hl7Source:
    """CHU Bruxelles, the hospital of the sample messages, mapped from facility CHU_BXL, with
    the wards its sample messages name (GER, CAR, URG, ORT)."""
    hospital = OrganisationFactory(
        code="chu-bxl", type="hospital", name={"fr": "CHU Bruxelles", "nl": "UMC Brussel"}
    )
    for unit in ("ger", "car", "urg", "ort"):  # the points of care of the sample messages
        OrganisationFactory(code=f"chu-bxl-{unit}", type="ward", parent=hospital)
    return Hl7Source.objects.create(
        facility="CHU_BXL",
        organisation=hospital,
        discharge_dispositions={"06": "home_with_services", "01": "home", "20": "deceased"},
    )


@pytest.fixture
def transport_only() -> Iterator[None]:
    """The transport without the domain: `AcceptForProcessing` validates and stores (status
    `received`). For the transport's own tests, whose sample messages do not form a story."""
    with use_domain_port(AcceptForProcessing()):
        yield
