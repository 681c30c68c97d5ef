"""Two services accepting parallel referrals at the same moment: exactly one wins."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from parcours.coordination.access import access_task
from parcours.coordination.actions import referral_send, task_accept
from parcours.coordination.models import IllegalTransition, Task, TaskEvent

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_acceptances_leave_one_accepted(  # type: ignore[no-untyped-def]
    backend, nadia_access, postcures, postcure_staff
):
    if backend == "sqlite":
        # The in-memory SQLite test database refuses concurrent writers instead of waiting
        # (see tests/audit/test_concurrency.py); a file database serialises them with IMMEDIATE
        # transactions, which is what task_accept's group lock relies on there.
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        return
    tasks = referral_send(
        access=nadia_access,
        services=postcures,
        need="Post-cure",
        due_at=timezone.now() + timedelta(days=2),
    )
    accesses = [
        access_task(user, task.pk) for user, task in zip(postcure_staff, tasks, strict=True)
    ]
    start = threading.Barrier(len(accesses))
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def accept(index: int) -> None:
        try:
            start.wait()
            task_accept(access=accesses[index])
            outcomes.append("accepted")
        except IllegalTransition:
            outcomes.append("refused")
        except BaseException as exc:  # reported below, in the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(n,)) for n in range(len(accesses))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(outcomes) == ["accepted", "refused", "refused"]
    statuses = sorted(Task.objects.filter(group=tasks[0].group).values_list("status", flat=True))
    assert statuses == ["accepted", "cancelled", "cancelled"]
    # Three creations, one acceptance, two cancellations: the refused attempts wrote nothing.
    assert TaskEvent.objects.filter(task__group=tasks[0].group).count() == 6
