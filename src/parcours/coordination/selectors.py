"""Reads of tasks and referrals: the receiving side's inbox, what my team sent, a patient's."""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery

from parcours.accounts.models import User
from parcours.coordination.access import receiving_organisation_ids
from parcours.coordination.models import AWAITING_ANSWER, TERMINAL, Task, TaskEvent
from parcours.patients.access import accessible_patients
from parcours.patients.models import ConsentEvent, ConsentStatus, Exclusion

_RELATED = (
    "patient",
    "owner_service__organisation",
    "owner_user",
    "requester",
    "requester_organisation",
)


def inbox(user: User, *, include_closed: bool = False, limit: int = 200) -> list[Task]:
    """Referrals to the services of my organisations and tasks assigned to me: those awaiting
    an answer first (by due date), then the others that are not finished."""
    organisation_ids = receiving_organisation_ids(user)
    if not organisation_ids:
        return []
    tasks = Task.objects.filter(
        Q(owner_service__organisation_id__in=organisation_ids) | Q(owner_user=user)
    )
    if not include_closed:
        tasks = tasks.exclude(status__in=TERMINAL)
    professional = getattr(user, "professional", None)
    if professional is not None:
        tasks = tasks.exclude(
            patient__in=Exclusion.objects.filter(
                professional=professional, lifted_at__isnull=True
            ).values("patient")
        )
    latest_consent = ConsentEvent.objects.filter(patient=OuterRef("patient_id")).order_by(
        "-recorded_at", "-pk"
    )
    tasks = tasks.annotate(consent=Subquery(latest_consent.values("status")[:1])).filter(
        Q(consent__isnull=True) | Q(consent=ConsentStatus.GIVEN)
    )
    rows: list[Task] = list(tasks.select_related(*_RELATED).order_by("-created_at", "-pk")[:limit])
    rows.sort(
        key=lambda t: (t.status not in AWAITING_ANSWER, t.due_at is None, t.due_at or t.created_at)
    )
    return rows


def sent(user: User, *, limit: int = 200) -> list[Task]:
    """Referrals and tasks sent by me or by my organisations, for patients I may still reach."""
    organisation_ids = receiving_organisation_ids(user)
    tasks = Task.objects.filter(
        Q(requester=user) | Q(requester_organisation_id__in=organisation_ids)
    ).filter(patient__in=accessible_patients(user))
    return list(
        tasks.select_related(*_RELATED)
        .prefetch_related("events__by")
        .order_by("-created_at", "-pk")[:limit]
    )


def for_patient(patient_id: int) -> QuerySet[Task]:
    """A patient's tasks; call only after `access_patient` granted the patient."""
    return (
        Task.objects.filter(patient_id=patient_id)
        .select_related(*_RELATED)
        .order_by("-created_at", "-pk")
    )


def assignable_users(patient_id: int) -> list[User]:
    """People a task about this patient can go to: the professionals of the active circle who
    have an account, and the care roles of the member organisations and services."""
    from django.utils import timezone

    from parcours.accounts.models import Membership, Role
    from parcours.patients.models import CircleMember

    today = timezone.localdate()
    members = (
        CircleMember.objects.filter(patient_id=patient_id, start_date__lte=today)
        .exclude(end_date__lt=today)
        .exclude(visibility="none")
        .select_related("professional", "service")
    )
    user_ids: set[int] = set()
    organisation_ids: set[int] = set()
    for member in members:
        if member.professional is not None and member.professional.user_id:
            user_ids.add(member.professional.user_id)
        elif member.service is not None:
            organisation_ids.add(member.service.organisation_id)
        elif member.organisation_id:
            organisation_ids.add(member.organisation_id)
    user_ids.update(
        Membership.objects.filter(
            organisation_id__in=organisation_ids, active=True, role__in=list(Role.care_roles())
        ).values_list("user_id", flat=True)
    )
    return list(
        User.objects.filter(pk__in=user_ids, is_active=True).order_by("last_name", "first_name")
    )


def group_of(task: Task) -> list[Task]:
    return list(
        Task.objects.filter(group=task.group)
        .select_related("owner_service__organisation", "owner_user")
        .order_by("pk")
    )


def events_of(task: Task) -> list[TaskEvent]:
    return list(task.events.select_related("by").order_by("at", "pk"))
