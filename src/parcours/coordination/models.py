"""Tasks and referrals with FHIR Task semantics (standards.md §3.3).

The state machine lives here: `Task.can_transition_to(status)` reads the table below, and
`actions.py` refuses any other change. Every status change is a `TaskEvent` row.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class TaskKind(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    TASK = "task", _("Task")


class TaskStatus(models.TextChoices):
    """http://hl7.org/fhir/task-status (the 12 codes)."""

    DRAFT = "draft", _("Draft")
    REQUESTED = "requested", _("Requested")
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Declined")
    READY = "ready", _("Ready")
    CANCELLED = "cancelled", _("Cancelled")
    IN_PROGRESS = "in-progress", _("In progress")
    ON_HOLD = "on-hold", _("On hold")
    FAILED = "failed", _("Failed")
    COMPLETED = "completed", _("Completed")
    ENTERED_IN_ERROR = "entered-in-error", _("Entered in error")


S = TaskStatus

# The project's state machine (standards.md §3.3), from → allowed targets.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.REQUESTED, S.READY, S.CANCELLED, S.ENTERED_IN_ERROR}),
    S.REQUESTED: frozenset(
        {S.RECEIVED, S.ACCEPTED, S.REJECTED, S.READY, S.CANCELLED, S.ENTERED_IN_ERROR}
    ),
    S.RECEIVED: frozenset({S.ACCEPTED, S.REJECTED, S.CANCELLED, S.ENTERED_IN_ERROR}),
    S.ACCEPTED: frozenset({S.IN_PROGRESS, S.ON_HOLD, S.CANCELLED, S.FAILED, S.ENTERED_IN_ERROR}),
    S.READY: frozenset({S.IN_PROGRESS, S.CANCELLED, S.ENTERED_IN_ERROR}),
    S.IN_PROGRESS: frozenset({S.ON_HOLD, S.COMPLETED, S.FAILED, S.CANCELLED, S.ENTERED_IN_ERROR}),
    S.ON_HOLD: frozenset({S.IN_PROGRESS, S.CANCELLED, S.FAILED, S.ENTERED_IN_ERROR}),
    S.REJECTED: frozenset({S.ENTERED_IN_ERROR}),
    S.CANCELLED: frozenset({S.ENTERED_IN_ERROR}),
    S.FAILED: frozenset({S.ENTERED_IN_ERROR}),
    S.COMPLETED: frozenset({S.ENTERED_IN_ERROR}),
    S.ENTERED_IN_ERROR: frozenset(),
}

# Waiting for the receiving side's answer: what the due date and the inbox are about.
AWAITING_ANSWER = frozenset({S.REQUESTED, S.RECEIVED})
# Not finished: a referral of a group in one of these is cancelled when another one is accepted.
OPEN = frozenset({S.DRAFT, S.REQUESTED, S.RECEIVED, S.READY})
TERMINAL = frozenset({S.REJECTED, S.CANCELLED, S.FAILED, S.COMPLETED, S.ENTERED_IN_ERROR})
# Transitions that need a written reason.
REASON_REQUIRED = frozenset({S.REJECTED, S.CANCELLED, S.FAILED, S.ENTERED_IN_ERROR})


class Priority(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    URGENT = "urgent", _("Urgent")
    ASAP = "asap", _("As soon as possible")
    STAT = "stat", _("Immediately")


class IllegalTransition(ValueError):
    """A status change the state machine does not allow; the message is translated."""

    def __init__(self, current: str, target: str) -> None:
        self.current = current
        self.target = target
        self.message: str | Promise = _("This cannot go from “%(current)s” to “%(target)s”.") % {
            "current": status_label(current),
            "target": status_label(target),
        }
        super().__init__(str(self.message))


def status_label(status: str) -> str:
    return str(TaskStatus(status).label) if status in TaskStatus.values else status


class Task(models.Model):
    """A referral to a directory service or a task for a person, about one patient."""

    kind = models.CharField(_("kind"), max_length=10, choices=TaskKind.choices)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="coordination_tasks"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tasks_requested"
    )
    requester_organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks_requested",
    )
    # The owner (FHIR Task.owner): a directory service (its organisation's care roles answer)
    # or one user. Exactly one of the two is set.
    owner_service = models.ForeignKey(
        "directory.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks_received",
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks_owned",
    )
    # Parallel referrals for one need share a group (FHIR Task.groupIdentifier).
    group = models.UUIDField(_("group"), default=uuid.uuid4, db_index=True)
    need = models.CharField(_("need"), max_length=200)
    reason = models.TextField(_("reason"), blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.ROUTINE
    )
    due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.REQUESTED
    )
    status_reason = models.CharField(_("status reason"), max_length=500, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    stay = models.ForeignKey(
        "transitions.Stay",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="coordination_tasks",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("task or referral")
        verbose_name_plural = _("tasks and referrals")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["owner_service", "status"], name="task_service_status"),
            models.Index(fields=["status", "due_at"], name="task_status_due"),
            models.Index(fields=["patient", "status"], name="task_patient_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(owner_service__isnull=False, owner_user__isnull=True)
                    | models.Q(owner_service__isnull=True, owner_user__isnull=False)
                ),
                name="task_one_owner",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=TaskStatus.values), name="task_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} ({self.status})"

    def can_transition_to(self, status: str) -> bool:
        return status in TRANSITIONS.get(self.status, frozenset())

    def allowed_transitions(self) -> list[str]:
        """The allowed targets, in the order of TaskStatus (stable for buttons)."""
        allowed = TRANSITIONS.get(self.status, frozenset())
        return [s for s in TaskStatus.values if s in allowed]

    @property
    def is_awaiting_answer(self) -> bool:
        return self.status in AWAITING_ANSWER

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    def is_overdue(self, now: datetime | None = None) -> bool:
        moment = now or timezone.now()
        return self.is_awaiting_answer and self.due_at is not None and self.due_at <= moment

    @property
    def status_reason_display(self) -> str:
        return gettext(self.status_reason) if self.status_reason else ""

    @property
    def owner_label(self) -> str:
        if self.owner_service is not None:
            return f"{self.owner_service.display_name} — {self.owner_service.organisation}"
        if self.owner_user is not None:
            return self.owner_user.get_full_name() or self.owner_user.get_username()
        return ""


class TaskEventKind(models.TextChoices):
    TRANSITION = "transition", _("Status change")
    ESCALATION = "escalation", _("No answer by the due date")


class TaskEvent(models.Model):
    """One row per status change (and per escalation): who, when, from what, to what, why."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(
        max_length=12, choices=TaskEventKind.choices, default=TaskEventKind.TRANSITION
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("task event")
        verbose_name_plural = _("task events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.from_status} → {self.to_status}"

    @property
    def reason_display(self) -> str:
        """System reasons are stored as source text and shown translated; people's are as is."""
        return gettext(self.reason) if self.reason else ""

    @property
    def from_label(self) -> str:
        return status_label(self.from_status) if self.from_status else ""

    @property
    def to_label(self) -> str:
        return status_label(self.to_status)
