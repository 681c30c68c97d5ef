"""Notifications and their outbox.

A notification is written with one outbox row per channel in the transaction of the change that
caused it; `parcours worker` delivers the rows and records every attempt as a row. See
docs/notifications.md for the guarantees.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from parcours.messaging.kinds import KINDS


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In Parcours")
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class Notification(models.Model):
    """Something a user should know about, shown in Parcours and sent on their channels."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications_received"
    )
    kind = models.CharField(_("kind"), max_length=64)
    # The title's message id (source text) and its parameters: rendered in the reader's language
    # when shown, so a notification written for a Dutch-speaking GP reads in Dutch.
    title_key = models.CharField(max_length=200)
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    # The patient concerned, by id only: the patients app is built in parallel. This becomes a
    # foreign key to patients.Patient once it lands; keep it out of e-mails and webhooks.
    patient_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # The caller's idempotency key: creating the same notification twice gives one row.
    key = models.CharField(max_length=200, unique=True)
    shown_in_app = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at", "created_at"], name="notification_inbox")
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def title(self, language: str | None = None) -> str:
        """The title in `language` (default: the active one)."""
        with translation.override(language or translation.get_language()):
            template = gettext(self.title_key)
            try:
                return template % self.params
            except (KeyError, TypeError, ValueError):
                return str(self.label(language))

    def label(self, language: str | None = None) -> str:
        kind = KINDS.get(self.kind)
        with translation.override(language or translation.get_language()):
            return str(kind.label) if kind else gettext("Notification")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    IN_FLIGHT = "in_flight", _("being delivered")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed, will retry")
    DEAD = "dead", _("given up")


class OutboxMessage(models.Model):
    """One delivery to do on one channel. The relay claims it with a lease and records attempts."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, null=True, blank=True, related_name="outbox"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outbox_messages"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    endpoint = models.ForeignKey(
        "messaging.WebhookEndpoint",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_messages",
    )
    # Unique: the same hand-off twice is one row. E-mail Message-ID and the webhook delivery id
    # derive from it, so receivers can drop a re-delivery after a crash.
    idempotency_key = models.CharField(max_length=255, unique=True)
    # Extra content for rows without a notification (the daily digest: its notification ids).
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.channel} {self.idempotency_key} ({self.status})"

    @property
    def is_digest(self) -> bool:
        return self.notification_id is None


class AttemptOutcome(models.TextChoices):
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")
    INTERRUPTED = "interrupted", _("interrupted (worker stopped or crashed)")


class DeliveryAttempt(models.Model):
    """One try at delivering an outbox message. Unfinished rows are crashes."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="deliveries")
    number = models.PositiveIntegerField()
    worker = models.CharField(max_length=100)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["message", "pk"]

    def __str__(self) -> str:
        return f"{self.message_id} #{self.number} {self.outcome or 'running'}"


class NotificationPreference(models.Model):
    """How one user wants one kind of notification. No row: the kind's defaults."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=64)
    in_app = models.BooleanField(_("in Parcours"), default=True)
    email = models.BooleanField(_("by e-mail"), default=True)
    webhook = models.BooleanField(_("to my organisation's systems"), default=True)
    email_daily_digest = models.BooleanField(_("e-mail once a day instead"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"

    def channels(self) -> dict[str, Any]:
        return {"in_app": self.in_app, "email": self.email, "webhook": self.webhook}


class WebhookEndpoint(models.Model):
    """An organisation's system that receives signed notifications of its members."""

    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=500)
    # Kept readable: the HMAC needs it. Shown once at registration.
    secret = models.CharField(max_length=128)
    active = models.BooleanField(_("active"), default=True)
    # Kind codes delivered to this endpoint; empty: every kind.
    kinds = models.JSONField(_("kinds"), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.url}"

    def accepts(self, kind: str) -> bool:
        return self.active and (not self.kinds or kind in self.kinds)


# Transmissions ------------------------------------------------------------------------------
# A structured document sent to members of a patient's circle, each of whom acknowledges it.
# The actions are in transmission_actions.py; docs/messaging.md explains states and deadlines.


class TransmissionKind(models.TextChoices):
    LIAISON_LETTER = "liaison_letter", _("Liaison letter")
    CARE_INSTRUCTIONS = "care_instructions", _("Care instructions")
    MEDICATION_CHANGES = "medication_changes", _("Medication changes")
    QUESTION_TO_REFERENT = "question_to_referent", _("Question to the hospital referent")
    OTHER = "other", _("Other")


class TransmissionState(models.TextChoices):
    SENT = "sent", pgettext_lazy("transmission state", "Sent")
    DELIVERED = "delivered", pgettext_lazy("transmission state", "Delivered")
    READ = "read", pgettext_lazy("transmission state", "Read")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("transmission state", "Acknowledged")


class Transmission(models.Model):
    """One source document; what each recipient sees is on its TransmissionRecipient row."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="transmissions"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="transmissions_sent"
    )
    sender_organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=TransmissionKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    stay = models.ForeignKey(
        "transitions.Stay", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    acknowledge_by = models.DateTimeField(_("acknowledge by"))

    class Meta:
        verbose_name = _("transmission")
        verbose_name_plural = _("transmissions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} (patient {self.patient_id})"


class TransmissionRecipient(models.Model):
    """One recipient's copy: their view of the content, its state and its deadline follow-up."""

    transmission = models.ForeignKey(
        Transmission, on_delete=models.CASCADE, related_name="recipients"
    )
    circle_member = models.ForeignKey(
        "patients.CircleMember",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The account that acknowledges; empty for a service (any of its team) or a person.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transmissions_received",
    )
    language = models.CharField(_("language"), max_length=8)
    body = models.TextField(_("content"))
    visibility = models.CharField(max_length=20, blank=True)  # the member's, when sent
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=TransmissionState.choices,
        default=TransmissionState.SENT,
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_on_behalf = models.BooleanField(default=False)
    acknowledgement_note = models.CharField(_("note"), max_length=500, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    notification_ids = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("transmission recipient")
        verbose_name_plural = _("transmission recipients")
        ordering = ["transmission", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(circle_member__isnull=False) | models.Q(user__isnull=False),
                name="transmission_recipient_someone",
            )
        ]
        indexes = [
            models.Index(fields=["state", "reminded_at"], name="transmission_open"),
            models.Index(fields=["user", "state"], name="transmission_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.transmission_id} → {self.user_id or self.circle_member_id} ({self.state})"

    @property
    def is_acknowledged(self) -> bool:
        return self.state == TransmissionState.ACKNOWLEDGED

    @property
    def display_name(self) -> str:
        if self.circle_member is not None:
            return self.circle_member.display_name
        if self.user is not None:
            return self.user.get_full_name() or self.user.username
        return ""


class TransmissionEventType(models.TextChoices):
    SENT = "sent", _("sent")
    DELIVERED = "delivered", _("delivered")
    READ = "read", _("read")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    REMINDED = "reminded", _("reminder sent")
    ESCALATED = "escalated", _("escalated to the referent")


class TransmissionEvent(models.Model):
    """One change of a recipient's copy. Never updated."""

    recipient = models.ForeignKey(
        TransmissionRecipient, on_delete=models.CASCADE, related_name="events"
    )
    type = models.CharField(max_length=16, choices=TransmissionEventType.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.type} {self.at:%Y-%m-%d %H:%M}"
