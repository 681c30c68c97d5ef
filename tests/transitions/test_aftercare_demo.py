"""The demo follow-up data of stories 2, 4 and 5."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from parcours.messaging.models import Notification
from parcours.transitions.aftercare_models import Contact, Readmission, Refusal, WatchEntry

pytestmark = pytest.mark.django_db


def test_demo_watch_lists() -> None:
    out = StringIO()
    call_command("demo", "--professionals", "30", "--services", "10", stdout=out)
    samir = WatchEntry.objects.get(organisation__code="bas-seuil-gare")
    assert samir.patient.is_provisional and samir.broken_follow_up_flagged_at is not None
    assert Notification.objects.filter(
        kind="followup.broken", recipient__username="demo-mediator"
    ).exists()
    assert Refusal.objects.get(patient=samir.patient).refused_by == "patient"
    assert Readmission.objects.filter(patient=samir.patient).exists()
    nadia = WatchEntry.objects.get(organisation__code="assuetudes-ambulatoire")
    assert nadia.broken_follow_up_flagged_at is None
    assert Contact.objects.filter(patient=nadia.patient).exists()
    assert Contact.objects.filter(by_user__username="demo-fr-idel").exists()
    call_command("demo", "--professionals", "30", "--services", "10", stdout=out)
    assert WatchEntry.objects.count() == 2
