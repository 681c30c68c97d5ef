"""Story 5, "the waiting list": parallel referrals to saturated post-cure services, through the
public actions. One accepts; the two others are cancelled with a message; the accepting service
joins Nadia's circle of care. Until her admission, an outpatient addiction service keeps her on
its watch list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parcours.accounts.models import Role
from parcours.coordination.access import access_task
from parcours.coordination.actions import referral_send, task_accept, task_reject, task_start
from parcours.coordination.models import IllegalTransition, TaskEvent, TaskStatus
from parcours.directory.selectors import ServiceQuery, search_services
from parcours.messaging.models import Notification
from parcours.patients.access import Purpose, access_patient
from parcours.patients.models import CircleMember
from parcours.transitions.aftercare_actions import contact_record, watch_end, watch_start
from parcours.transitions.aftercare_selectors import watch_list
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_waiting_list(claire, nadia_access, postcures, postcure_staff):  # type: ignore[no-untyped-def]
    anouk, bart, chloe = postcure_staff
    # The directory shows the three post-cure services with their waiting lists and freshness.
    found = search_services(ServiceQuery(q="post-cure", target_group="addiction"))
    shown = {hit.service.code: hit.service for hit in found.hits}
    assert set(shown) == {s.code for s in postcures}
    assert [shown[s.code].waiting_list_length for s in postcures] == [18, 30, 7]
    assert all(not s.capacity_is_stale for s in shown.values())

    # The liaison nurse sends parallel referrals for one need.
    tasks = referral_send(
        access=nadia_access,
        services=postcures,
        need="Post-cure après sevrage",
        reason="Sevrage terminé, demande une post-cure résidentielle.",
        due_at=timezone.now() + timedelta(days=3),
    )
    assert len(tasks) == 3
    assert len({t.group for t in tasks}) == 1
    assert all(t.status == TaskStatus.REQUESTED for t in tasks)
    # Each service's staff is told, without the patient's name in the title.
    for user in postcure_staff:
        notification = Notification.objects.get(recipient=user, kind="referral.received")
        assert "Nadia" not in notification.title("fr")

    # Horizon (full) declines; Les Tilleuls accepts.
    tilleuls, horizon, source = tasks
    task_reject(access=access_task(bart, horizon.pk), reason="Plus de place avant trois mois.")
    task_accept(access=access_task(anouk, tilleuls.pk))

    for task in tasks:
        task.refresh_from_db()
    assert tilleuls.status == TaskStatus.ACCEPTED
    assert horizon.status == TaskStatus.REJECTED  # already answered: stays declined
    assert source.status == TaskStatus.CANCELLED
    assert source.status_reason_display  # "Another service accepted the patient."
    # La Source is told that another service accepted.
    cancelled_note = Notification.objects.get(
        recipient=chloe, kind="referral.cancelled_other_accepted"
    )
    assert "La Source" in cancelled_note.title("fr")
    # Claire is told of each answer.
    assert Notification.objects.filter(recipient=claire, kind="referral.updated").count() == 2

    # Every change is an event row: 3 sent + 1 decline + 1 accept + 1 cancel.
    assert TaskEvent.objects.filter(task__in=tasks).count() == 6

    # Les Tilleuls joins Nadia's circle of care and can now open her record.
    member = CircleMember.objects.get(patient=nadia_access.patient, service=postcures[0])
    assert member.visibility == "care_instructions"
    assert access_patient(anouk, nadia_access.patient.pk, purpose=Purpose.TREATMENT)

    # La Source can no longer accept: cancelled → accepted is refused, nothing changes.
    with pytest.raises(IllegalTransition):
        task_accept(access=access_task(chloe, source.pk))
    source.refresh_from_db()
    assert source.status == TaskStatus.CANCELLED

    # Until her admission, an outpatient addiction service keeps Nadia on its watch list: Claire,
    # the circle's referent, starts the watch, which adds the service to the circle.
    cap = OrganisationFactory(code="cap-ambulatoire", type="addiction_service")
    yasmine = UserFactory(username="yasmine", role=Role.SOCIAL_WORKER, organisation=cap)
    assert watch_list(yasmine) == []
    entry = watch_start(
        access=nadia_access, organisation=cap, reason="En attente de la post-cure Les Tilleuls."
    )
    joined = CircleMember.objects.get(patient=nadia_access.patient, organisation=cap)
    assert (joined.role, joined.visibility) == ("case_manager", "non_medical")
    assert [row.entry.pk for row in watch_list(yasmine)] == [entry.pk]
    yasmine_access = access_patient(yasmine, nadia_access.patient.pk, purpose=Purpose.TREATMENT)
    contact_record(access=yasmine_access, channel="consultation", note="Entretien hebdomadaire.")
    assert watch_list(yasmine)[0].last_contact_at is not None
    # Nadia is admitted at Les Tilleuls: the task starts and the watch ends.
    task_start(access=access_task(anouk, tilleuls.pk))
    tilleuls.refresh_from_db()
    assert tilleuls.status == TaskStatus.IN_PROGRESS
    watch_end(access=yasmine_access, entry_id=entry.pk, reason="Admise en post-cure Les Tilleuls.")
    assert watch_list(yasmine) == []
