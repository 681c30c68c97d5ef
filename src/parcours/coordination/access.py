"""Who may see and act on a task or referral. Audited like `patients/access.py`.

A referral reaches a service that is not (yet) in the patient's circle of care: it must read who
the patient is and what is asked before it can answer. So there are two ways in:

1. the **receiving side** — the task's owner user, or a care role in the organisation of the
   owner service — reads *this task only*, at the minimum: the patient's name and birth date,
   the need, the reason, the due date and the history of the task. It gets nothing else of the
   record until it accepts and joins the circle (then `access_patient` lets it in);
2. the **requesting side** — whoever `access_patient(..., purpose=coordination)` lets in, which
   covers the requester, the circle of care and the hospital team of an open or planned stay.

The patient's exclusion of a professional and a refused or withdrawn consent win over the
receiving side as they win over everything in `access.py`. Not found and not allowed give the
same `TaskNotFound`. Every call writes one audit row (the requesting side's row is the one
`access_patient` writes).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser

from parcours.accounts.models import Membership, Role, User
from parcours.audit.actions import Actor, audit_record
from parcours.audit.models import AuditAction, AuditOutcome
from parcours.coordination.models import Task
from parcours.patients.access import (
    PatientAccess,
    PatientNotFound,
    Purpose,
    access_patient,
    actor_of,
    consent_status,
)
from parcours.patients.models import ConsentStatus, Exclusion

RECEIVER = "receiver"
REQUESTER = "requester"


class TaskNotFound(Exception):
    """An unknown task and a refused access alike."""


@dataclass(frozen=True)
class TaskAccess:
    task: Task
    user: User
    side: str  # RECEIVER or REQUESTER
    actor: Actor
    patient_access: PatientAccess | None = None  # the requesting side's access

    @property
    def is_receiver(self) -> bool:
        return self.side == RECEIVER

    @property
    def is_requester(self) -> bool:
        return self.side == REQUESTER


def receiving_organisation_ids(user: User) -> list[int]:
    return [m.organisation_id for m in user.active_memberships() if m.role in Role.care_roles()]


def is_receiver(user: User, task: Task) -> bool:
    if task.owner_user_id is not None:
        return task.owner_user_id == user.pk
    if task.owner_service is None:
        return False
    return task.owner_service.organisation_id in receiving_organisation_ids(user)


def receiving_user_ids(task: Task) -> list[int]:
    """Who answers for the task: its owner user, or the care roles of the owner service."""
    if task.owner_user_id is not None:
        return [task.owner_user_id]
    if task.owner_service is None:
        return []
    return sorted(
        set(
            Membership.objects.filter(
                organisation_id=task.owner_service.organisation_id,
                active=True,
                role__in=list(Role.care_roles()),
                user__is_active=True,
            ).values_list("user_id", flat=True)
        )
    )


def _receiver_refusal(user: User, task: Task) -> str:
    """Why the receiving side may not see this task ('' when it may)."""
    professional = getattr(user, "professional", None)
    if (
        professional is not None
        and Exclusion.objects.filter(
            patient_id=task.patient_id, professional=professional, lifted_at__isnull=True
        ).exists()
    ):
        return "excluded"
    if consent_status(task.patient) in (ConsentStatus.REFUSED, ConsentStatus.WITHDRAWN):
        return "consent-withdrawn"
    return ""


def _load(task_id: int | str) -> Task | None:
    try:
        pk = int(task_id)
    except (TypeError, ValueError):
        return None
    if not -(2**63) <= pk < 2**63:
        return None
    return (
        Task.objects.select_related(
            "patient",
            "owner_service__organisation",
            "owner_user",
            "requester",
            "requester_organisation",
        )
        .filter(pk=pk)
        .first()
    )


def access_task(
    user: User | AnonymousUser | None,
    task_id: int | str,
    *,
    action: str = AuditAction.READ,
) -> TaskAccess:
    """Grant access to one task or referral, or raise TaskNotFound. Always audited."""
    if user is None or not user.is_authenticated or not user.is_active:
        audit_record(
            actor=actor_of(user),
            action=action,
            what="referral",
            outcome=AuditOutcome.DENIED,
            reason="unauthenticated",
        )
        raise TaskNotFound
    assert isinstance(user, User)
    task = _load(task_id)
    if task is not None and is_receiver(user, task):
        refusal = _receiver_refusal(user, task)
        actor = actor_of(user)
        audit_record(
            actor=actor,
            action=action,
            what="referral",
            outcome=AuditOutcome.DENIED if refusal else AuditOutcome.SUCCESS,
            patient_id=task.patient_id,
            purpose=Purpose.COORDINATION,
            reason=refusal or "receiving-service",
            detail={"task": task.pk},
        )
        if refusal:
            raise TaskNotFound
        return TaskAccess(task=task, user=user, side=RECEIVER, actor=actor)
    if task is None:
        audit_record(
            actor=actor_of(user),
            action=action,
            what="referral",
            outcome=AuditOutcome.DENIED,
            purpose=Purpose.COORDINATION,
            reason="not-found",
            detail={"requested": str(task_id)[:20]},
        )
        raise TaskNotFound
    try:
        patient_access = access_patient(
            user, task.patient_id, purpose=Purpose.COORDINATION, action=action, what="referral"
        )
    except PatientNotFound as exc:
        raise TaskNotFound from exc
    return TaskAccess(
        task=task,
        user=user,
        side=REQUESTER,
        actor=patient_access.actor,
        patient_access=patient_access,
    )


# The readers of `access_task` call it "access_referral" in the design notes.
access_referral = access_task
