"""Story 1, Friday evening: the liaison nurse sends a referral to a home-nursing service that
works weekends, and it is accepted within the hour; the requester sees each step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parcours.coordination.access import access_task
from parcours.coordination.actions import referral_send, task_accept
from parcours.coordination.models import TaskEvent
from parcours.directory.models import Service
from parcours.messaging.models import Notification
from parcours.patients.access import Purpose, access_patient
from parcours.patients.models import CircleMember
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_weekend_home_nursing_referral_accepted_within_the_hour(claire, nadia) -> None:  # type: ignore[no-untyped-def]
    # (Nadia's record stands in for Marie's: the story's patient does not matter here.)
    nursing = OrganisationFactory(code="soins-weekend", type="home_nursing")
    service = Service.objects.create(
        organisation=nursing,
        code="soins-weekend-inf",
        name={"fr": "Soins 7/7"},
        category="home_nursing",
    )
    fatima = UserFactory(username="fatima", role="home_nurse", organisation=nursing)
    friday_evening = timezone.now()
    [referral] = referral_send(
        access=access_patient(claire, nadia.pk, purpose=Purpose.COORDINATION),
        services=[service],
        need="Soins infirmiers dès samedi",
        due_at=friday_evening + timedelta(hours=4),
        priority="urgent",
        now=friday_evening,
    )
    task_accept(access=access_task(fatima, referral.pk), now=friday_evening + timedelta(minutes=40))
    events = list(TaskEvent.objects.filter(task=referral).order_by("at"))
    assert [e.to_status for e in events] == ["requested", "accepted"]
    assert events[-1].at - events[0].at < timedelta(hours=1)
    assert Notification.objects.filter(recipient=claire, kind="referral.updated").exists()
    member = CircleMember.objects.get(patient=nadia, service=service)
    assert member.role == "home_nurse"
