"""JSON API for tasks and referrals, through the same access functions and actions as pages."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from parcours.audit.models import AuditAction
from parcours.coordination import actions, selectors
from parcours.coordination.access import TaskAccess, TaskNotFound, access_task
from parcours.coordination.models import IllegalTransition, Task, TaskEvent
from parcours.directory.models import Service
from parcours.patients.access import PatientNotFound, Purpose, access_patient

router = Router(tags=["coordination"])


class EventOut(Schema):
    kind: str
    from_status: str
    to_status: str
    by: str
    at: datetime
    reason: str


class TaskOut(Schema):
    id: int
    kind: str
    patient_id: int
    patient_name: str
    group: UUID
    need: str
    reason: str
    priority: str
    due_at: datetime | None
    status: str
    status_label: str
    status_reason: str
    outcome: str
    owner_service_id: int | None
    owner_user_id: int | None
    owner: str
    requester: str
    created_at: datetime
    side: str
    allowed_transitions: list[str]
    events: list[EventOut]


class TaskSummary(Schema):
    id: int
    kind: str
    patient_id: int
    patient_name: str
    need: str
    status: str
    owner: str
    due_at: datetime | None


class ReferralIn(Schema):
    patient_id: int
    service_ids: list[int]
    need: str
    reason: str = ""
    due_at: datetime | None = None
    priority: str = "routine"


class TaskIn(Schema):
    patient_id: int
    assignee_id: int
    need: str
    reason: str = ""
    due_at: datetime | None = None
    priority: str = "routine"


class TransitionIn(Schema):
    status: str
    reason: str = ""
    outcome: str = ""


class ErrorOut(Schema):
    detail: str


def _event(event: TaskEvent) -> EventOut:
    by = event.by.get_full_name() or event.by.get_username() if event.by else ""
    return EventOut(
        kind=event.kind,
        from_status=event.from_status,
        to_status=event.to_status,
        by=by,
        at=event.at,
        reason=event.reason_display,
    )


def _summary(task: Task) -> TaskSummary:
    return TaskSummary(
        id=task.pk,
        kind=task.kind,
        patient_id=task.patient_id,
        patient_name=task.patient.display_name,
        need=task.need,
        status=task.status,
        owner=task.owner_label,
        due_at=task.due_at,
    )


def _out(access: TaskAccess) -> TaskOut:
    task = access.task
    return TaskOut(
        id=task.pk,
        kind=task.kind,
        patient_id=task.patient_id,
        patient_name=task.patient.display_name,
        group=task.group,
        need=task.need,
        reason=task.reason,
        priority=task.priority,
        due_at=task.due_at,
        status=task.status,
        status_label=task.get_status_display(),
        status_reason=task.status_reason_display,
        outcome=task.outcome,
        owner_service_id=task.owner_service_id,
        owner_user_id=task.owner_user_id,
        owner=task.owner_label,
        requester=task.requester.get_full_name() or task.requester.get_username(),
        created_at=task.created_at,
        side=access.side,
        allowed_transitions=actions.available_transitions(access),
        events=[_event(e) for e in selectors.events_of(task)],
    )


def _access(request: HttpRequest, task_id: int, **kwargs: object) -> TaskAccess:
    try:
        return access_task(request.auth, task_id, **kwargs)  # type: ignore[attr-defined,arg-type]
    except TaskNotFound as exc:
        raise HttpError(404, _("No referral found.")) from exc


@router.get("/referrals", response=list[TaskSummary], summary="Referrals and tasks")
def referral_list(
    request: HttpRequest, box: Literal["inbox", "sent"] = "inbox"
) -> list[TaskSummary]:
    """`inbox`: to my services and to me; `sent`: sent by me or my organisations."""
    user = request.auth  # type: ignore[attr-defined]
    tasks = selectors.inbox(user) if box == "inbox" else selectors.sent(user)
    return [_summary(t) for t in tasks]


@router.get("/referrals/{task_id}", response=TaskOut, summary="One referral or task")
def referral_get(request: HttpRequest, task_id: int) -> TaskOut:
    access = _access(request, task_id)
    actions.task_receive_on_open(access=access)
    return _out(access)


@router.post(
    "/referrals",
    response={201: list[TaskSummary], 400: ErrorOut, 404: ErrorOut},
    summary="Send parallel referrals for one need",
)
def referral_create(request: HttpRequest, payload: ReferralIn) -> Status[object]:
    try:
        access = access_patient(
            request.auth,  # type: ignore[attr-defined]
            payload.patient_id,
            purpose=Purpose.COORDINATION,
            action=AuditAction.CREATE,
            what="referral",
        )
    except PatientNotFound as exc:
        raise HttpError(404, _("No patient found.")) from exc
    services = list(Service.objects.filter(pk__in=payload.service_ids))
    if len(services) != len(set(payload.service_ids)):
        return Status(400, {"detail": _("A chosen service does not exist.")})
    try:
        tasks = actions.referral_send(
            access=access,
            services=services,
            need=payload.need,
            reason=payload.reason,
            due_at=payload.due_at,
            priority=payload.priority,
        )
    except actions.CoordinationError as exc:
        return Status(400, {"detail": str(exc.message)})
    return Status(201, [_summary(t) for t in tasks])


@router.post(
    "/tasks",
    response={201: TaskSummary, 400: ErrorOut, 404: ErrorOut},
    summary="Give a task to a person of the patient's circle",
)
def task_create(request: HttpRequest, payload: TaskIn) -> Status[object]:
    try:
        access = access_patient(
            request.auth,  # type: ignore[attr-defined]
            payload.patient_id,
            purpose=Purpose.COORDINATION,
            action=AuditAction.CREATE,
            what="task",
        )
    except PatientNotFound as exc:
        raise HttpError(404, _("No patient found.")) from exc
    assignee = next(
        (u for u in selectors.assignable_users(access.patient.pk) if u.pk == payload.assignee_id),
        None,
    )
    if assignee is None:
        return Status(400, {"detail": _("A task goes to a person of the patient's circle.")})
    try:
        task = actions.task_create(
            access=access,
            assignee=assignee,
            need=payload.need,
            reason=payload.reason,
            due_at=payload.due_at,
            priority=payload.priority,
        )
    except actions.CoordinationError as exc:
        return Status(400, {"detail": str(exc.message)})
    return Status(201, _summary(task))


@router.post(
    "/referrals/{task_id}/transition",
    response={200: TaskOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Change the status (FHIR Task state machine)",
)
def referral_transition(
    request: HttpRequest, task_id: int, payload: TransitionIn
) -> Status[object]:
    """409 with a translated message when the state machine does not allow the change."""
    access = _access(request, task_id, action=AuditAction.UPDATE)
    try:
        actions.task_transition(
            access=access, status=payload.status, reason=payload.reason, outcome=payload.outcome
        )
    except IllegalTransition as exc:
        return Status(409, {"detail": str(exc.message)})
    except actions.NotYourSide as exc:
        return Status(403, {"detail": str(exc.message)})
    except actions.CoordinationError as exc:
        return Status(400, {"detail": str(exc.message)})
    access.task.refresh_from_db()
    return Status(200, _out(access))
