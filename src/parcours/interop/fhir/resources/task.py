"""Task ⇄ coordination.Task: read, search, create (referral_send / task_create), update (status).

A referral is a Task owned by a HealthcareService (code `referral`); a task for a person is owned
by a Practitioner (code `task`). Mapping: status = the task's status (the 12 FHIR codes),
intent = order, description = the need, for = Patient, requester = the requesting Practitioner
(or its display), owner, reasonCode.text = the reason, restriction.period.end = the answer's
due date, output = the outcome, groupIdentifier = the group of parallel referrals
(`urn:uuid:<group>`), statusReason.text = the last change's reason, encounter = the stay.

Reads go through `coordination.access.access_task`: the requesting side (the circle of care, as
`access_patient` decides) and the receiving side (the owner, or the owner service's team) see
the task; everyone else gets 404. Update only changes the status, through `task_transition`: a
change the state machine refuses is 409, a change that belongs to the other side 403.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from fhir.resources.R4B.task import Task as TaskModel

from parcours.audit.actions import audit_record
from parcours.audit.models import AuditAction, AuditOutcome
from parcours.coordination.access import (
    TaskAccess,
    TaskNotFound,
    access_task,
    receiving_organisation_ids,
)
from parcours.coordination.actions import (
    CoordinationError,
    NotYourSide,
    referral_send,
    task_create,
    task_transition,
)
from parcours.coordination.models import (
    IllegalTransition,
    Priority,
    Task,
    TaskKind,
    TaskStatus,
)
from parcours.directory.models import Professional, Service
from parcours.interop.fhir import params
from parcours.interop.fhir.context import Context
from parcours.interop.fhir.errors import (
    FhirError,
    Kind,
    invalid,
    must_refer_to,
    not_found,
    unprocessable,
)
from parcours.interop.fhir.registry import Found, Json, ResourceType, SearchParam, register
from parcours.interop.fhir.resources.common import NS, coding, compact, person, reference
from parcours.interop.fhir.resources.scope import patient_access
from parcours.patients.access import Purpose, accessible_patients, actor_of
from parcours.patients.models import ConsentEvent, ConsentStatus, Exclusion

TASK_CODE = f"{NS}/CodeSystem/task-kind"
GROUP_SYSTEM = "urn:ietf:rfc:3986"
STATUS: dict[str, object] = {status: status for status in TaskStatus.values}
KIND_LABEL = {TaskKind.REFERRAL: "Referral", TaskKind.TASK: "Task"}


def _queryset() -> QuerySet[Task]:
    return Task.objects.select_related(
        "owner_service__organisation",
        "owner_user__professional",
        "requester__professional",
        "requester_organisation",
    )


def to_fhir(ctx: Context, task: Task) -> Json:
    if task.owner_service is not None:
        owner = reference("HealthcareService", task.owner_service_id, task.owner_label)
    else:
        owner = person(task.owner_user)
    output = []
    if task.outcome:
        output.append({"type": {"text": "outcome"}, "valueString": task.outcome})
    return compact(
        {
            "resourceType": "Task",
            "id": str(task.pk),
            "groupIdentifier": {"system": GROUP_SYSTEM, "value": f"urn:uuid:{task.group}"},
            "status": task.status,
            "statusReason": {"text": task.status_reason} if task.status_reason else None,
            "intent": "order",
            "priority": task.priority,
            "code": {
                "coding": [coding(TASK_CODE, task.kind, KIND_LABEL.get(TaskKind(task.kind), ""))]
            },
            "description": task.need,
            "for": reference("Patient", task.patient_id),
            "encounter": reference("Encounter", task.stay_id),
            "authoredOn": task.created_at.isoformat(),
            "lastModified": task.updated_at.isoformat(),
            "requester": person(task.requester),
            "owner": owner,
            "reasonCode": {"text": task.reason} if task.reason else None,
            "restriction": (
                {"period": {"end": task.due_at.isoformat()}} if task.due_at is not None else None
            ),
            "output": output,
        }
    )


def _access(ctx: Context, resource_id: str, *, action: str = AuditAction.READ) -> TaskAccess:
    if not resource_id.isdigit() or len(resource_id) > 18:
        raise not_found("Task", resource_id)
    try:
        return access_task(ctx.user, resource_id, action=action)
    except TaskNotFound:
        raise not_found("Task", resource_id) from None


def read(ctx: Context, resource_id: str) -> Json:
    access = _access(ctx, resource_id)
    return to_fhir(ctx, _queryset().get(pk=access.task.pk))


def search(ctx: Context, q: Q) -> Found:
    """The requesting side's tasks (patients the user may reach, consent sharing) and the
    receiving side's (owned by the user or their organisation's services), minus the patients
    who excluded the user or refused consent. One audit row for the search."""
    user = ctx.user
    reachable = accessible_patients(user).filter(
        Q(consent__isnull=True) | Q(consent=ConsentStatus.GIVEN)
    )
    receiving = Q(owner_user=user) | Q(
        owner_service__organisation_id__in=receiving_organisation_ids(user)
    )
    latest_consent = ConsentEvent.objects.filter(patient=OuterRef("patient")).order_by(
        "-recorded_at", "-pk"
    )
    queryset = _queryset().filter(q).annotate(consent=Subquery(latest_consent.values("status")[:1]))
    professional = getattr(user, "professional", None)
    excluded = (
        Exclusion.objects.filter(professional=professional, lifted_at__isnull=True).values(
            "patient_id"
        )
        if professional is not None
        else Exclusion.objects.none().values("patient_id")
    )
    receiver_allowed = (
        receiving
        & ~Q(patient_id__in=excluded)
        & (Q(consent__isnull=True) | Q(consent=ConsentStatus.GIVEN))
    )
    queryset = queryset.filter(Q(patient__in=reachable.values("pk")) | receiver_allowed)
    audit_record(
        actor=actor_of(user),
        action=AuditAction.READ,
        what="fhir-Task-search",
        outcome=AuditOutcome.SUCCESS,
        purpose=Purpose.COORDINATION,
        detail={"resource": "Task"},
    )
    return Found(queryset.order_by("pk"), to_fhir)


def owner_param() -> SearchParam:
    def to_q(ctx: Context, values: list[str], modifier: str) -> Q:
        result = Q(pk__in=[])
        for raw in values:
            kind = raw.strip().rstrip("/").rsplit("/", 2)[-2] if "/" in raw else ""
            target = {
                "HealthcareService": "owner_service_id",
                "Organization": "owner_service__organisation_id",
                "Practitioner": "owner_user__professional__id",
            }.get(kind)
            pk = params.reference_id(raw, kind) if target else None
            if target is None or pk is None:
                raise invalid(
                    _(
                        "owner is a reference such as HealthcareService/1, Organization/1 or "
                        "Practitioner/1."
                    ),
                    ["owner"],
                )
            result |= Q(**{target: pk})
        return result

    return SearchParam(
        "owner", "reference", "Who answers: HealthcareService, Organization or Practitioner.", to_q
    )


# --- create --------------------------------------------------------------------------------


def _due(resource: Json) -> datetime | None:
    end = (((resource.get("restriction") or {}).get("period")) or {}).get("end")
    if not end:
        return None
    found = parse_datetime(str(end))
    if found is None or found.tzinfo is None:
        raise unprocessable(
            _("Task.restriction.period.end is a date and time with its time zone."),
            ["Task.restriction.period.end"],
        )
    return found


def _kind(resource: Json) -> str:
    codes = [
        c.get("code")
        for c in ((resource.get("code") or {}).get("coding") or [])
        if c.get("system") in (TASK_CODE, None)
    ]
    kinds = [c for c in codes if c in TaskKind.values]
    if len(kinds) != 1:
        raise unprocessable(
            _("Task.code is %(system)s|referral or |task.") % {"system": TASK_CODE}, ["Task.code"]
        )
    return str(kinds[0])


def create(ctx: Context, resource: Json) -> Json:
    if resource.get("intent") != "order":
        raise unprocessable(_("Task.intent is order."), ["Task.intent"])
    if resource.get("status") != TaskStatus.REQUESTED:
        raise unprocessable(_("A new Task has the status requested."), ["Task.status"])
    kind = _kind(resource)
    patient_ref = str((resource.get("for") or {}).get("reference", ""))
    patient_id = params.reference_id(patient_ref, "Patient") if patient_ref else None
    if patient_id is None:
        raise must_refer_to("Task.for", "Patient")
    owner_ref = str((resource.get("owner") or {}).get("reference", ""))
    target = "HealthcareService" if kind == TaskKind.REFERRAL else "Practitioner"
    owner_id = params.reference_id(owner_ref, target) if owner_ref else None
    if owner_id is None:
        raise must_refer_to("Task.owner", target)
    priority = str(resource.get("priority") or Priority.ROUTINE)
    need = str(resource.get("description") or (resource.get("code") or {}).get("text") or "")
    reason = str((resource.get("reasonCode") or {}).get("text") or "")
    due_at = _due(resource)
    encounter_ref = str((resource.get("encounter") or {}).get("reference", ""))
    stay_id = params.reference_id(encounter_ref, "Encounter") if encounter_ref else None
    if encounter_ref and stay_id is None:
        raise must_refer_to("Task.encounter", "Encounter")
    access = patient_access(
        ctx,
        patient_id,
        resource_type="Patient",
        resource_id=str(patient_id),
        purpose=Purpose.COORDINATION,
        action=AuditAction.CREATE,
    )
    try:
        if kind == TaskKind.REFERRAL:
            service = Service.objects.select_related("organisation").filter(pk=owner_id).first()
            if service is None:
                raise unprocessable(
                    _("%(reference)s is not known.")
                    % {"reference": f"HealthcareService/{owner_id}"},
                    ["Task.owner"],
                    kind=Kind.INVALID_REFERENCE,
                )
            tasks = referral_send(
                access=access,
                services=[service],
                need=need,
                reason=reason,
                due_at=due_at,
                priority=priority,
                stay_id=stay_id,
            )
            task = tasks[0]
        else:
            professional = Professional.objects.select_related("user").filter(pk=owner_id).first()
            if professional is None or professional.user is None:
                raise unprocessable(
                    _("%(reference)s has no Parcours account to own a task.")
                    % {"reference": f"Practitioner/{owner_id}"},
                    ["Task.owner"],
                    kind=Kind.INVALID_REFERENCE,
                )
            task = task_create(
                access=access,
                assignee=professional.user,
                need=need,
                reason=reason,
                due_at=due_at,
                priority=priority,
                stay_id=stay_id,
            )
    except CoordinationError as exc:
        raise unprocessable(exc.message) from None
    return to_fhir(ctx, _queryset().get(pk=task.pk))


# --- update --------------------------------------------------------------------------------


def update(ctx: Context, resource_id: str, resource: Json) -> Json:
    access = _access(ctx, resource_id, action=AuditAction.UPDATE)
    current = to_fhir(ctx, _queryset().get(pk=access.task.pk))
    for element in ("for", "owner", "code", "intent", "description"):
        if resource.get(element) != current.get(element) and not (
            element in ("for", "owner")
            and (resource.get(element) or {}).get("reference")
            == (current.get(element) or {}).get("reference")
        ):
            raise unprocessable(
                _(
                    "Only Task.status (with statusReason and output) can change; "
                    "%(element)s differs from the stored task."
                )
                % {"element": f"Task.{element}"},
                [f"Task.{element}"],
            )
    status = str(resource.get("status") or "")
    if status == access.task.status:
        return current
    reason = str((resource.get("statusReason") or {}).get("text") or "")
    outcome = next(
        (str(o.get("valueString")) for o in resource.get("output") or [] if o.get("valueString")),
        "",
    )
    try:
        task_transition(access=access, status=status, reason=reason, outcome=outcome)
    except IllegalTransition as exc:
        raise FhirError(
            409, "conflict", exc.message, kind=Kind.ILLEGAL_TRANSITION, expression=["Task.status"]
        ) from None
    except NotYourSide as exc:
        raise FhirError(
            403, "forbidden", exc.message, kind=Kind.FORBIDDEN, expression=["Task.status"]
        ) from None
    except CoordinationError as exc:
        raise unprocessable(exc.message) from None
    return to_fhir(ctx, _queryset().get(pk=access.task.pk))


register(
    ResourceType(
        name="Task",
        model=TaskModel,
        read=read,
        search=search,
        create=create,
        update=update,
        search_params={
            p.name: p
            for p in [
                params.ids_param(),
                params.reference("patient", "The patient.", "Patient", "patient"),
                params.code("status", "The task's status (FHIR task-status).", "status", STATUS),
                owner_param(),
            ]
        },
        documentation="Referrals to a HealthcareService (code referral) and tasks for a "
        "Practitioner (code task). Create sends it; update changes the status only, through "
        "the coordination state machine (409 when it refuses, 403 for the other side's change).",
    )
)
