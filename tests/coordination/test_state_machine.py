"""The FHIR Task state machine (standards.md §3.3): the whole table, through the model and the
actions; a property test over random sequences of requested changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcours.coordination.access import access_task
from parcours.coordination.actions import (
    CoordinationError,
    NotYourSide,
    available_transitions,
    referral_send,
    task_create,
    task_transition,
)
from parcours.coordination.models import (
    TRANSITIONS,
    IllegalTransition,
    Task,
    TaskEvent,
    TaskStatus,
)

S = TaskStatus

TABLE = {
    "draft": {"requested", "ready", "cancelled", "entered-in-error"},
    "requested": {"received", "accepted", "rejected", "ready", "cancelled", "entered-in-error"},
    "received": {"accepted", "rejected", "cancelled", "entered-in-error"},
    "accepted": {"in-progress", "on-hold", "cancelled", "failed", "entered-in-error"},
    "ready": {"in-progress", "cancelled", "entered-in-error"},
    "in-progress": {"on-hold", "completed", "failed", "cancelled", "entered-in-error"},
    "on-hold": {"in-progress", "cancelled", "failed", "entered-in-error"},
    "rejected": {"entered-in-error"},
    "cancelled": {"entered-in-error"},
    "failed": {"entered-in-error"},
    "completed": {"entered-in-error"},
    "entered-in-error": set(),
}


def test_the_table_is_the_standard() -> None:
    assert set(TABLE) == set(S.values)
    assert {k: set(v) for k, v in TRANSITIONS.items()} == TABLE


@pytest.mark.parametrize("current", S.values)
@pytest.mark.parametrize("target", S.values)
def test_can_transition_to_follows_the_table(current: str, target: str) -> None:
    task = Task(status=current)
    assert task.can_transition_to(target) is (target in TABLE[current])


def test_the_allowed_list_is_in_a_stable_order() -> None:
    assert Task(status="requested").allowed_transitions() == [
        "received",
        "accepted",
        "rejected",
        "ready",
        "cancelled",
        "entered-in-error",
    ]


def _set_status(task: Task, status: str) -> Task:
    # Put a task in a given state to test one edge (the path to it is tested elsewhere).
    Task.objects.filter(pk=task.pk).update(status=status)
    task.refresh_from_db()
    return task


SIDE = {  # who asks for each target in the tests below
    "received": "receiver",
    "accepted": "receiver",
    "rejected": "receiver",
    "in-progress": "receiver",
    "on-hold": "receiver",
    "completed": "receiver",
    "failed": "receiver",
    "cancelled": "requester",
    "entered-in-error": "requester",
    "ready": "requester",
    "requested": "requester",
}
EDGES = [(a, b) for a, targets in sorted(TABLE.items()) for b in sorted(targets)]
ILLEGAL = [
    ("requested", "completed"),
    ("requested", "in-progress"),
    ("received", "completed"),
    ("received", "ready"),
    ("accepted", "received"),
    ("accepted", "completed"),
    ("rejected", "accepted"),
    ("cancelled", "accepted"),
    ("completed", "in-progress"),
    ("failed", "requested"),
    ("entered-in-error", "requested"),
    ("on-hold", "completed"),
]


@pytest.fixture
def referral(nadia_access, postcures, postcure_staff):  # type: ignore[no-untyped-def]
    return referral_send(
        access=nadia_access,
        services=[postcures[0]],
        need="Post-cure",
        due_at=timezone.now() + timedelta(days=2),
    )[0]


@pytest.fixture
def task(nadia_access, postcure_staff):  # type: ignore[no-untyped-def]
    """A task for Anouk: the same state machine, and "ready" is open to the requester."""
    return task_create(
        access=nadia_access,
        assignee=postcure_staff[0],
        need="Préparer l'admission",
        due_at=timezone.now() + timedelta(days=2),
    )


def _ask(task: Task, target: str, requester, receiver) -> Task:  # type: ignore[no-untyped-def]
    user = receiver if SIDE[target] == "receiver" else requester
    return task_transition(
        access=access_task(user, task.pk),
        status=target,
        reason="Motif écrit",
        outcome="Admise le 12",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("current", "target"), EDGES)
def test_every_allowed_transition_through_the_actions(  # type: ignore[no-untyped-def]
    current, target, task, claire, postcure_staff
):
    task = _set_status(task, current)
    before = TaskEvent.objects.filter(task=task).count()
    _ask(task, target, claire, postcure_staff[0])
    task.refresh_from_db()
    assert task.status == target
    event = TaskEvent.objects.filter(task=task).order_by("-pk").first()
    assert TaskEvent.objects.filter(task=task).count() == before + 1
    assert (event.from_status, event.to_status) == (current, target)


@pytest.mark.django_db
@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_illegal_transitions_change_nothing(  # type: ignore[no-untyped-def]
    current, target, task, claire, postcure_staff
):
    task = _set_status(task, current)
    before = TaskEvent.objects.filter(task=task).count()
    with pytest.raises(IllegalTransition) as refused:
        _ask(task, target, claire, postcure_staff[0])
    assert str(refused.value)  # a message for the user
    task.refresh_from_db()
    assert task.status == current
    assert TaskEvent.objects.filter(task=task).count() == before


@pytest.mark.django_db
def test_the_refusal_is_translated(referral, claire) -> None:  # type: ignore[no-untyped-def]
    from django.utils import translation

    task = _set_status(referral, "completed")
    with translation.override("nl"), pytest.raises(IllegalTransition) as refused:
        task_transition(access=access_task(claire, task.pk), status="cancelled", reason="x")
    assert "Voltooid" in str(refused.value.message)


@pytest.mark.django_db
def test_each_side_keeps_to_its_own_changes(referral, claire, postcure_staff) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotYourSide):
        task_transition(access=access_task(claire, referral.pk), status="accepted")
    with pytest.raises(NotYourSide):
        task_transition(
            access=access_task(postcure_staff[0], referral.pk), status="cancelled", reason="x"
        )
    referral.refresh_from_db()
    assert referral.status == "requested"


@pytest.mark.django_db
def test_declining_needs_a_reason(referral, postcure_staff) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CoordinationError):
        task_transition(access=access_task(postcure_staff[0], referral.pk), status="rejected")
    referral.refresh_from_db()
    assert referral.status == "requested"


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(targets=st.lists(st.sampled_from(S.values), min_size=1, max_size=8))
def test_random_sequences_never_reach_an_illegal_state(  # type: ignore[no-untyped-def]
    targets, task, claire, postcure_staff
):
    task = _set_status(task, "requested")
    TaskEvent.objects.filter(task=task).exclude(from_status="").delete()
    for target in targets:
        if target == "draft":
            continue  # nobody asks for draft: SIDES gives it to no one
        before_status = task.status
        before_events = TaskEvent.objects.filter(task=task).count()
        try:
            _ask(task, target, claire, postcure_staff[0])
        except IllegalTransition:
            assert target not in TABLE[before_status]
        task.refresh_from_db()
        events = TaskEvent.objects.filter(task=task).count()
        if task.status != before_status:
            assert task.status in TABLE[before_status]
            assert events == before_events + 1
        else:
            assert events == before_events
    # The event rows replay to the current status.
    replay = "requested"
    for event in TaskEvent.objects.filter(task=task).exclude(from_status="").order_by("pk"):
        assert event.from_status == replay
        assert event.to_status in TABLE[replay]
        replay = event.to_status
    assert replay == task.status


@pytest.mark.django_db
def test_a_referral_is_never_set_ready(referral, claire) -> None:  # type: ignore[no-untyped-def]
    access = access_task(claire, referral.pk)
    with pytest.raises(NotYourSide):
        task_transition(access=access, status="ready")
    assert "ready" not in available_transitions(access)
