"""The demo sends story 1's liaison letter once (after the demo stays)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from parcours.transitions.letter_models import LiaisonLetter

pytestmark = pytest.mark.django_db


def run_demo() -> str:
    out = StringIO()
    call_command("demo", "--professionals", "30", "--services", "10", stdout=out)
    return out.getvalue()


def test_the_demo_sends_marie_s_letter_once() -> None:
    log = run_demo()
    letter = LiaisonLetter.objects.get(stay__patient__given_name="Marie")
    assert "story 1 letter: version 1" in log
    copies = {copy.language for copy in letter.transmission.recipients.all()}
    assert copies == {"fr", "nl"}, "Jan reads Dutch"
    assert letter.patient_body.startswith("Bonjour Marie Peeters")
    run_demo()
    assert LiaisonLetter.objects.count() == 1
