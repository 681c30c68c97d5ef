"""No answer by the due date: one escalation to the requester and the patient's referents,
recorded as an event, whatever the number of runs; run by `parcours worker`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parcours.coordination.access import access_task
from parcours.coordination.actions import referral_send, task_accept, tasks_check_due
from parcours.coordination.models import TaskEvent, TaskEventKind
from parcours.messaging.models import Notification
from parcours.patients.actions import MemberInput, circle_member_add
from parcours.patients.models import MemberRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_at():  # type: ignore[no-untyped-def]
    return timezone.now()


@pytest.fixture
def referrals(nadia_access, postcures, postcure_staff, sent_at):  # type: ignore[no-untyped-def]
    return referral_send(
        access=nadia_access,
        services=postcures[:2],
        need="Post-cure",
        due_at=sent_at + timedelta(days=2),
        now=sent_at,
    )


def test_nothing_happens_before_the_due_date(referrals, sent_at) -> None:  # type: ignore[no-untyped-def]
    assert tasks_check_due(now=sent_at + timedelta(days=2) - timedelta(seconds=1)) == 0
    assert not TaskEvent.objects.filter(kind=TaskEventKind.ESCALATION).exists()


def test_escalates_once_to_requester_and_referents(  # type: ignore[no-untyped-def]
    referrals, sent_at, claire, nadia_access, make_persona, hospital
):
    # A second referent in the circle: Dr Vermeulen, hospital referent (with an account).
    from tests.patients.conftest import professional_for

    els = make_persona("els", "complex_pathway_referent", hospital, first_name="Els")
    professional = professional_for(els, "specialist", hospital)
    circle_member_add(
        access=nadia_access,
        member=MemberInput(
            role=MemberRole.HOSPITAL_REFERENT, professional=professional, is_referent=True
        ),
    )
    later = sent_at + timedelta(days=2, minutes=1)
    assert tasks_check_due(now=later) == 2
    assert tasks_check_due(now=later + timedelta(hours=1)) == 0  # idempotent
    for task in referrals:
        events = TaskEvent.objects.filter(task=task, kind=TaskEventKind.ESCALATION)
        assert events.count() == 1
        task.refresh_from_db()
        assert task.status == "requested"  # escalation is not a status change
        assert task.escalated_at == later
    for user in (claire, els):
        assert Notification.objects.filter(recipient=user, kind="referral.overdue").count() == 2


def test_an_answered_referral_is_not_escalated(  # type: ignore[no-untyped-def]
    referrals, sent_at, postcure_staff
):
    task_accept(access=access_task(postcure_staff[0], referrals[0].pk))
    # The other one was cancelled by the acceptance: nothing is waiting for an answer.
    assert tasks_check_due(now=sent_at + timedelta(days=3)) == 0
