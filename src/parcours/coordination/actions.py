"""Writes of tasks and referrals: each one a transaction with its event row, notifications
(outbox) and audit row. The state machine itself is `Task.can_transition_to` (models.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from parcours.accounts.models import Role, User
from parcours.audit.actions import Actor, audit_record
from parcours.audit.models import AuditAction, AuditOutcome
from parcours.coordination.access import (
    RECEIVER,
    REQUESTER,
    TaskAccess,
    receiving_user_ids,
)
from parcours.coordination.models import (
    OPEN,
    REASON_REQUIRED,
    IllegalTransition,
    Priority,
    Task,
    TaskEvent,
    TaskEventKind,
    TaskKind,
    TaskStatus,
)
from parcours.coordination.notifications import (
    REFERRAL_CANCELLED_OTHER_ACCEPTED,
    REFERRAL_OVERDUE,
    REFERRAL_RECEIVED,
    REFERRAL_UPDATED,
    TASK_ASSIGNED,
)
from parcours.directory.models import Organisation, OrganisationType, Service
from parcours.live import publish_to_users
from parcours.messaging.actions import notifications_create
from parcours.patients.access import PatientAccess, Purpose, referent_user_ids
from parcours.patients.actions import MemberInput, circle_member_add
from parcours.patients.models import CircleMember, MemberRole, Visibility
from parcours.transitions.models import Stay

LIVE_TOPIC = "coordination"
MAX_PARALLEL_REFERRALS = 10
# Stored as the source text and shown translated (see TaskEvent.reason_display).
OTHER_ACCEPTED = gettext_noop("Another service accepted the patient.")
NO_ANSWER = gettext_noop("No answer by the due date.")

S = TaskStatus

# Which side may ask for each target status. The receiving side answers and performs; the
# requesting side sends, withdraws and corrects. Either side may record a failure.
SIDES: dict[str, frozenset[str]] = {
    S.REQUESTED: frozenset({REQUESTER}),
    S.READY: frozenset({REQUESTER}),
    S.RECEIVED: frozenset({RECEIVER}),
    S.ACCEPTED: frozenset({RECEIVER}),
    S.REJECTED: frozenset({RECEIVER}),
    S.IN_PROGRESS: frozenset({RECEIVER}),
    S.ON_HOLD: frozenset({RECEIVER}),
    S.COMPLETED: frozenset({RECEIVER}),
    S.FAILED: frozenset({RECEIVER, REQUESTER}),
    S.CANCELLED: frozenset({REQUESTER}),
    S.ENTERED_IN_ERROR: frozenset({REQUESTER}),
    S.DRAFT: frozenset(),
}

# The circle role a service gets when it accepts a referral.
CIRCLE_ROLE: dict[str, str] = {
    OrganisationType.HOME_NURSING: MemberRole.HOME_NURSE,
    OrganisationType.SSIAD: MemberRole.HOME_NURSE,
    OrganisationType.HOME_HELP: MemberRole.HOME_HELP,
    OrganisationType.HOME_CARE_COORDINATION: MemberRole.HOME_CARE_COORDINATION,
    OrganisationType.SOCIAL_ACTION_CENTRE: MemberRole.SOCIAL_WORKER,
    OrganisationType.MENTAL_HEALTH_MOBILE_TEAM: MemberRole.MENTAL_HEALTH_TEAM,
    OrganisationType.HEALTH_MEDIATION: MemberRole.HEALTH_MEDIATOR,
    OrganisationType.PHARMACY: MemberRole.PHARMACIST,
    OrganisationType.PHYSIOTHERAPY: MemberRole.PHYSIOTHERAPIST,
    OrganisationType.GP_PRACTICE: MemberRole.GP,
}


class CoordinationError(ValueError):
    """A refused change, with a translated message for the user."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = message


class NotYourSide(CoordinationError):
    """The user may see the task but this change belongs to the other side."""


def _sides(access: TaskAccess) -> set[str]:
    sides = {access.side}
    # Someone who assigned a task to themselves is both sides.
    if access.task.requester_id == access.user.pk:
        sides.add(REQUESTER)
    if access.task.owner_user_id == access.user.pk:
        sides.add(RECEIVER)
    return sides


def may_ask(access: TaskAccess, status: str) -> bool:
    if status == S.READY and access.task.kind == TaskKind.REFERRAL:
        # "ready" is for a task whose performer is a given; a referral waits for an answer.
        return False
    return bool(SIDES.get(status, frozenset()) & _sides(access))


def available_transitions(access: TaskAccess) -> list[str]:
    """The statuses this user may move the task to now: allowed by the state machine and by
    their side. Pages show one button for each, and nothing else."""
    return [s for s in access.task.allowed_transitions() if may_ask(access, s)]


def _link(task: Task) -> str:
    return reverse("coordination:task", args=[task.pk])


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _publish(user_ids: Iterable[int], task: Task) -> None:
    ids = sorted(set(user_ids))
    event = {"topic": LIVE_TOPIC, "task": task.pk, "status": task.status}
    transaction.on_commit(lambda: publish_to_users(ids, event))


def _notify(
    user_ids: Iterable[int], *, kind: str, params: dict[str, str], task: Task, key: str
) -> list[int]:
    users = list(User.objects.filter(pk__in=sorted(set(user_ids)), is_active=True))
    notifications_create(
        recipients=users,
        kind=kind,
        params=params,
        link=_link(task),
        patient_id=task.patient_id,
        keys=[f"{key}-{user.pk}" for user in users],
    )
    return [user.pk for user in users]


def _audit(actor: Actor, task: Task, *, action: str, detail: dict[str, object]) -> None:
    audit_record(
        actor=actor,
        action=action,
        what="referral" if task.kind == TaskKind.REFERRAL else "task",
        outcome=AuditOutcome.SUCCESS,
        patient_id=task.patient_id,
        purpose=Purpose.COORDINATION,
        detail={"task": task.pk, **detail},
    )


def _requester_organisation(user: User) -> Organisation | None:
    memberships = [m for m in user.active_memberships() if m.role in Role.care_roles()]
    return memberships[0].organisation if memberships else None


def _check_new(
    access: PatientAccess,
    *,
    need: str,
    due_at: datetime | None,
    priority: str,
    stay_id: int | None,
    now: datetime,
) -> Stay | None:
    if not need.strip():
        raise CoordinationError(_("Say what is needed."))
    if priority not in Priority.values:
        raise CoordinationError(_("Unknown priority."))
    if due_at is not None and due_at <= now:
        raise CoordinationError(_("The answer's due date must be in the future."))
    if stay_id is None:
        return None
    stay = Stay.objects.filter(pk=stay_id, patient=access.patient).first()
    if stay is None:
        raise CoordinationError(_("This stay is not one of the patient's."))
    return stay


def _first_event(task: Task, *, by: User, now: datetime) -> None:
    TaskEvent.objects.create(
        task=task, from_status="", to_status=task.status, by=by, at=now, reason=""
    )


@transaction.atomic
def referral_send(
    *,
    access: PatientAccess,
    services: list[Service],
    need: str,
    reason: str = "",
    due_at: datetime | None = None,
    priority: str = Priority.ROUTINE,
    stay_id: int | None = None,
    now: datetime | None = None,
) -> list[Task]:
    """Send one referral per service for one need, as a group of parallel referrals.

    When one of them is accepted, the others still open are cancelled (see `task_accept`).
    """
    now = now or timezone.now()
    stay = _check_new(access, need=need, due_at=due_at, priority=priority, stay_id=stay_id, now=now)
    unique: dict[int, Service] = {s.pk: s for s in services}
    if not unique:
        raise CoordinationError(_("Choose at least one service."))
    if len(unique) > MAX_PARALLEL_REFERRALS:
        raise CoordinationError(
            _("Choose at most %(count)d services.") % {"count": MAX_PARALLEL_REFERRALS}
        )
    inactive = [s for s in unique.values() if not s.active]
    if inactive:
        raise CoordinationError(_("A chosen service is no longer active."))
    group = uuid.uuid4()
    requester = access.user
    organisation = _requester_organisation(requester)
    tasks = []
    for service in unique.values():
        task = Task.objects.create(
            kind=TaskKind.REFERRAL,
            patient=access.patient,
            requester=requester,
            requester_organisation=organisation,
            owner_service=service,
            group=group,
            need=need.strip()[:200],
            reason=reason.strip(),
            priority=priority,
            due_at=due_at,
            status=TaskStatus.REQUESTED,
            stay=stay,
            created_at=now,
            updated_at=now,
        )
        _first_event(task, by=requester, now=now)
        _audit(
            access.actor,
            task,
            action=AuditAction.CREATE,
            detail={"service": service.pk, "group": str(group)},
        )
        receivers = _notify(
            receiving_user_ids(task),
            kind=REFERRAL_RECEIVED.code,
            params={
                "service": service.name or service.organisation.name,
                "organisation": organisation.name if organisation else _name(requester),
            },
            task=task,
            key=f"referral-received-{task.pk}",
        )
        _publish(receivers, task)
        tasks.append(task)
    return tasks


@transaction.atomic
def task_create(
    *,
    access: PatientAccess,
    assignee: User,
    need: str,
    reason: str = "",
    due_at: datetime | None = None,
    priority: str = Priority.ROUTINE,
    stay_id: int | None = None,
    now: datetime | None = None,
) -> Task:
    """A task for one person (e.g. a decision of a case meeting), about this patient."""
    now = now or timezone.now()
    stay = _check_new(access, need=need, due_at=due_at, priority=priority, stay_id=stay_id, now=now)
    if not assignee.is_active or not any(
        m.role in Role.care_roles() for m in assignee.active_memberships()
    ):
        raise CoordinationError(_("A task goes to an active professional."))
    task = Task.objects.create(
        kind=TaskKind.TASK,
        patient=access.patient,
        requester=access.user,
        requester_organisation=_requester_organisation(access.user),
        owner_user=assignee,
        need=need.strip()[:200],
        reason=reason.strip(),
        priority=priority,
        due_at=due_at,
        status=TaskStatus.REQUESTED,
        stay=stay,
        created_at=now,
        updated_at=now,
    )
    _first_event(task, by=access.user, now=now)
    _audit(access.actor, task, action=AuditAction.CREATE, detail={"owner": assignee.pk})
    if assignee.pk != access.user.pk:
        _notify(
            [assignee.pk],
            kind=TASK_ASSIGNED.code,
            params={"actor": _name(access.user)},
            task=task,
            key=f"task-assigned-{task.pk}",
        )
        _publish([assignee.pk], task)
    return task


def _change(
    task: Task, target: str, *, by: User | None, reason: str, now: datetime, outcome: str = ""
) -> TaskEvent:
    """Move a locked task to `target` and write its event row, or raise IllegalTransition."""
    if not task.can_transition_to(target):
        raise IllegalTransition(task.status, target)
    event = TaskEvent.objects.create(
        task=task, from_status=task.status, to_status=target, by=by, at=now, reason=reason[:500]
    )
    task.status = target
    task.updated_at = now
    fields = ["status", "updated_at"]
    if reason or target in REASON_REQUIRED:
        task.status_reason = reason[:500]
        fields.append("status_reason")
    if outcome:
        task.outcome = outcome
        fields.append("outcome")
    task.save(update_fields=fields)
    return event


def _locked(task: Task) -> Task:
    return (
        Task.objects.select_for_update(of=("self",))
        .select_related("patient", "owner_service__organisation", "requester")
        .get(pk=task.pk)
    )


def task_transition(
    *,
    access: TaskAccess,
    status: str,
    reason: str = "",
    outcome: str = "",
    now: datetime | None = None,
) -> Task:
    """Move the task to `status` if the state machine and the user's side allow it.

    Raises IllegalTransition (the state machine refuses; nothing changes), NotYourSide, or
    CoordinationError (a reason is missing).
    """
    if status not in TaskStatus.values:
        raise CoordinationError(_("Unknown status."))
    if status == TaskStatus.ACCEPTED:
        return task_accept(access=access, now=now)
    now = now or timezone.now()
    reason = reason.strip()
    with transaction.atomic():
        task = _locked(access.task)
        if not task.can_transition_to(status):
            raise IllegalTransition(task.status, status)
        if not may_ask(access, status):
            raise NotYourSide(_("This change belongs to the other side of the referral."))
        if status in REASON_REQUIRED and not reason:
            raise CoordinationError(_("Give a reason."))
        if (
            status == TaskStatus.COMPLETED
            and not outcome.strip()
            and task.kind == TaskKind.REFERRAL
        ):
            raise CoordinationError(_("Describe the outcome."))
        _change(task, status, by=access.user, reason=reason, now=now, outcome=outcome.strip())
        _audit(
            access.actor,
            task,
            action=AuditAction.UPDATE,
            detail={"status": status, "side": access.side},
        )
        _tell_other_side(access, task)
    access.task.status = task.status
    return task


def _tell_other_side(access: TaskAccess, task: Task) -> None:
    other_side = [task.requester_id] if access.side == RECEIVER else receiving_user_ids(task)
    recipients = [uid for uid in other_side if uid != access.user.pk]
    _notify(
        recipients,
        kind=REFERRAL_UPDATED.code,
        params={"actor": _name(access.user)},
        task=task,
        key=f"task-{task.pk}-{task.status}-{task.events.count()}",
    )
    _publish([*recipients, access.user.pk], task)


def task_receive(*, access: TaskAccess, now: datetime | None = None) -> Task:
    """The receiving side has opened the referral (requested → received)."""
    return task_transition(access=access, status=TaskStatus.RECEIVED, now=now)


def task_receive_on_open(*, access: TaskAccess, now: datetime | None = None) -> Task:
    """Called when the receiving side opens a referral: marks it received the first time."""
    if access.is_receiver and access.task.status == TaskStatus.REQUESTED:
        try:
            return task_receive(access=access, now=now)
        except IllegalTransition:
            # Another request moved it meanwhile; the page shows the current state.
            access.task.refresh_from_db()
    return access.task


def task_reject(*, access: TaskAccess, reason: str, now: datetime | None = None) -> Task:
    return task_transition(access=access, status=TaskStatus.REJECTED, reason=reason, now=now)


def task_start(*, access: TaskAccess, now: datetime | None = None) -> Task:
    return task_transition(access=access, status=TaskStatus.IN_PROGRESS, now=now)


def task_complete(*, access: TaskAccess, outcome: str, now: datetime | None = None) -> Task:
    return task_transition(access=access, status=TaskStatus.COMPLETED, outcome=outcome, now=now)


def task_cancel(*, access: TaskAccess, reason: str, now: datetime | None = None) -> Task:
    return task_transition(access=access, status=TaskStatus.CANCELLED, reason=reason, now=now)


def task_fail(*, access: TaskAccess, reason: str, now: datetime | None = None) -> Task:
    return task_transition(access=access, status=TaskStatus.FAILED, reason=reason, now=now)


@transaction.atomic
def task_accept(*, access: TaskAccess, now: datetime | None = None) -> Task:
    """The receiving side accepts. The other open referrals of the group are cancelled with a
    message to their services, and the accepting service joins the patient's circle."""
    now = now or timezone.now()
    # Lock the whole group in a stable order: two services accepting at once are serialised
    # and the second finds its referral cancelled (cancelled → accepted is illegal).
    group = list(
        Task.objects.select_for_update(of=("self",))
        .select_related("patient", "owner_service__organisation", "requester")
        .filter(group=access.task.group)
        .order_by("pk")
    )
    task = next(t for t in group if t.pk == access.task.pk)
    if not task.can_transition_to(TaskStatus.ACCEPTED):
        raise IllegalTransition(task.status, TaskStatus.ACCEPTED)
    if not may_ask(access, TaskStatus.ACCEPTED):
        raise NotYourSide(_("This change belongs to the other side of the referral."))
    _change(task, TaskStatus.ACCEPTED, by=access.user, reason="", now=now)
    _audit(access.actor, task, action=AuditAction.UPDATE, detail={"status": TaskStatus.ACCEPTED})
    _tell_other_side(access, task)
    if task.kind == TaskKind.REFERRAL:
        for other in group:
            if other.pk == task.pk or other.status not in OPEN:
                continue
            _change(other, TaskStatus.CANCELLED, by=access.user, reason=OTHER_ACCEPTED, now=now)
            _audit(
                access.actor,
                other,
                action=AuditAction.UPDATE,
                detail={"status": TaskStatus.CANCELLED, "accepted": task.pk},
            )
            receivers = _notify(
                receiving_user_ids(other),
                kind=REFERRAL_CANCELLED_OTHER_ACCEPTED.code,
                params={
                    "service": (other.owner_service.name or other.owner_service.organisation.name)
                    if other.owner_service
                    else ""
                },
                task=other,
                key=f"referral-cancelled-{other.pk}",
            )
            _publish(receivers, other)
        _join_circle(access, task)
    access.task.status = task.status
    return task


def _join_circle(access: TaskAccess, task: Task) -> CircleMember | None:
    """Add the accepting service to the circle of care, unless it is already in it.

    The acceptor is not a manager of the circle; the requester who sent the referral is, and
    sending it asked this service to take the patient on. So the addition is made under a
    PatientAccess whose basis says so ("referral-accepted"), audited by `circle_member_add`.
    """
    service = task.owner_service
    if service is None:
        return None
    today = timezone.localdate()
    already = (
        CircleMember.objects.filter(patient=task.patient, service=service, start_date__lte=today)
        .exclude(end_date__lt=today)
        .exists()
    )
    if already:
        return None
    grant = PatientAccess(
        patient=task.patient,
        user=access.user,
        basis="referral-accepted",
        visibility=Visibility.NONE,
        purpose=Purpose.COORDINATION,
        can_manage=True,
        actor=access.actor,
    )
    return circle_member_add(
        access=grant,
        member=MemberInput(
            role=CIRCLE_ROLE.get(service.category, MemberRole.OTHER_PROFESSIONAL),
            service=service,
            visibility=Visibility.CARE_INSTRUCTIONS,
        ),
    )


SYSTEM = Actor(user_id=None, username="parcours-worker")


def tasks_check_due(*, now: datetime | None = None) -> int:
    """Escalate every task still waiting for an answer after its due date, once.

    The requester and the patient's referents are told; the escalation is an event row. Safe to
    run from several workers at once: the conditional update decides who escalates.
    """
    now = now or timezone.now()
    due = Task.objects.filter(
        status__in=[TaskStatus.REQUESTED, TaskStatus.RECEIVED],
        due_at__lte=now,
        escalated_at__isnull=True,
    ).order_by("due_at", "pk")
    escalated = 0
    for task_id in list(due.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            claimed = Task.objects.filter(
                pk=task_id,
                escalated_at__isnull=True,
                status__in=[TaskStatus.REQUESTED, TaskStatus.RECEIVED],
            ).update(escalated_at=now)
            if not claimed:
                continue
            task = Task.objects.select_related("patient", "owner_service", "owner_user").get(
                pk=task_id
            )
            TaskEvent.objects.create(
                task=task,
                kind=TaskEventKind.ESCALATION,
                from_status=task.status,
                to_status=task.status,
                by=None,
                at=now,
                reason=NO_ANSWER,
            )
            audit_record(
                actor=SYSTEM,
                action=AuditAction.EXECUTE,
                what="referral-escalation",
                outcome=AuditOutcome.SUCCESS,
                patient_id=task.patient_id,
                purpose=Purpose.COORDINATION,
                detail={"task": task.pk},
            )
            assert task.due_at is not None
            recipients = {task.requester_id, *referent_user_ids(task.patient)}
            sent = _notify(
                recipients,
                kind=REFERRAL_OVERDUE.code,
                params={
                    "service": task.owner_label,
                    "due": date_format(timezone.localtime(task.due_at), "SHORT_DATETIME_FORMAT"),
                },
                task=task,
                key=f"referral-overdue-{task.pk}",
            )
            _publish(sent, task)
            escalated += 1
    return escalated
