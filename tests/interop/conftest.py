from __future__ import annotations

from collections.abc import Iterator

import pytest

from parcours.interop.hl7v2.domain import AcceptForProcessing
from parcours.interop.hl7v2.handlers import use_domain_port
from parcours.interop.models import Hl7Source
from tests.factories import OrganisationFactory


@pytest.fixture
def chu_bxl(db: None) -> Hl7Source:
    """CHU Bruxelles, the hospital of the sample messages, mapped from facility CHU_BXL."""
    hospital = OrganisationFactory(
        code="chu-bxl", type="hospital", name={"fr": "CHU Bruxelles", "nl": "UMC Brussel"}
    )
    return Hl7Source.objects.create(
        facility="CHU_BXL",
        organisation=hospital,
        discharge_dispositions={"06": "home", "01": "home", "20": "exp"},
    )


@pytest.fixture
def transport_only() -> Iterator[None]:
    """The transport without the domain: `AcceptForProcessing` validates and stores (status
    `received`). For the transport's own tests, whose sample messages do not form a story."""
    with use_domain_port(AcceptForProcessing()):
        yield
