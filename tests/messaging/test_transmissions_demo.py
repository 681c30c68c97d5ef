"""The demo sends story 1's care instructions once, one view per recipient."""

from __future__ import annotations

import pytest

from parcours.demo import DemoContext, load_all
from parcours.messaging.models import Transmission

pytestmark = pytest.mark.django_db


def test_demo_sends_marie_care_instructions_once() -> None:
    context = DemoContext(professionals=20, services=10, log=lambda _m: None)
    load_all(context)
    load_all(DemoContext(professionals=20, services=10, log=lambda _m: None))
    transmission = Transmission.objects.get(
        patient__family_name="Peeters", kind="care_instructions"
    )
    languages = sorted(transmission.recipients.values_list("language", flat=True))
    assert languages == ["fr", "fr", "nl"]
    jan = transmission.recipients.get(circle_member__person_name="Jan Peeters")
    assert jan.user is None and "thuisverpleegkundige" in jan.body
