"""`parcours worker` runs the due-date check between two task polls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from parcours.coordination.actions import referral_send
from parcours.coordination.models import Task, TaskEvent, TaskEventKind
from parcours.messaging.models import Notification

# The worker closes its connection when it finishes: the data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def referrals(nadia_access, postcures, postcure_staff):  # type: ignore[no-untyped-def]
    return referral_send(
        access=nadia_access,
        services=postcures[:2],
        need="Post-cure",
        due_at=timezone.now() + timedelta(days=2),
    )


def test_the_worker_runs_the_due_check(referrals, claire) -> None:  # type: ignore[no-untyped-def]
    Task.objects.filter(pk__in=[t.pk for t in referrals]).update(
        due_at=timezone.now() - timedelta(minutes=5)
    )
    call_command("worker", "--batch", "--interval", "0")
    assert TaskEvent.objects.filter(kind=TaskEventKind.ESCALATION).count() == 2
    overdue = Notification.objects.filter(recipient=claire, kind="referral.overdue")
    assert overdue.count() == 2
