"""After discharge: watch lists kept by community teams, contacts, refusals of help, broken
follow-up and 30-day readmissions. Each is a row with its timestamps, so the care-area
indicators (time to first community contact, refusals, broken follow-up, readmissions) can be
counted later without guessing."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Registers the follow-up notification kinds wherever the models are loaded (web and worker).
from parcours.transitions import aftercare_notifications  # noqa: F401


class WatchEntry(models.Model):
    """A community organisation keeps a patient on its watch list until it ends the watch."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="watch_entries"
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("watching organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("why"), max_length=300, blank=True)
    started_at = models.DateTimeField(_("watched since"), default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(_("watch ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(_("why the watch ended"), max_length=300, blank=True)
    broken_follow_up_flagged_at = models.DateTimeField(
        _("broken follow-up flagged"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("watch-list entry")
        verbose_name_plural = _("watch-list entries")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["organisation", "ended_at"], name="watch_org_ended")]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "organisation"],
                condition=models.Q(ended_at__isnull=True),
                name="watch_one_active_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"watch of patient {self.patient_id} by {self.organisation_id}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class ContactChannel(models.TextChoices):
    VISIT = "visit", _("Visit")
    PHONE = "phone", _("Phone call")
    MESSAGE = "message", _("Message")
    CONSULTATION = "consultation", _("Consultation")
    OTHER = "other", _("Other")


class ContactKind(models.TextChoices):
    CONTACT = "contact", _("Contact")
    HELP_REACTIVATED = "help_reactivated", _("Help reactivated")


class Contact(models.Model):
    """A recorded contact with the patient (by a community or hospital professional)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="contacts"
    )
    # The stay this contact follows (the latest discharge before it), for "time to first contact".
    stay = models.ForeignKey(
        "transitions.Stay", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=ContactKind.choices, default=ContactKind.CONTACT
    )
    channel = models.CharField(_("how"), max_length=20, choices=ContactChannel.choices)
    at = models.DateTimeField(_("when"))
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-at"]
        indexes = [models.Index(fields=["patient", "at"], name="contact_patient_at")]

    def __str__(self) -> str:
        return f"contact with patient {self.patient_id} at {self.at:%Y-%m-%d %H:%M}"


class RefusedBy(models.TextChoices):
    PATIENT = "patient", _("The patient")
    CAREGIVER = "caregiver", _("The caregiver")
    LEGAL_REPRESENTATIVE = "legal_representative", _("The legal representative")


class Refusal(models.Model):
    """Help that was offered and refused: who refused, when, and what was offered."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="refusals"
    )
    stay = models.ForeignKey(
        "transitions.Stay", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    offered = models.CharField(_("what was offered"), max_length=300)
    service = models.ForeignKey(
        "directory.Service",
        verbose_name=_("service offered"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    refused_by = models.CharField(_("refused by"), max_length=30, choices=RefusedBy.choices)
    at = models.DateTimeField(_("when"))
    reason = models.TextField(_("reason given"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("refusal of help")
        verbose_name_plural = _("refusals of help")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"refusal by patient {self.patient_id} at {self.at:%Y-%m-%d}"


class BrokenFollowUp(models.Model):
    """One rise of the broken-follow-up flag of a watch entry, and what cleared it."""

    entry = models.ForeignKey(WatchEntry, on_delete=models.CASCADE, related_name="alerts")
    # A named relation (not "+"): patient_merge moves every visible relation to the target.
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="broken_followups"
    )
    flagged_at = models.DateTimeField()
    since = models.DateTimeField(help_text="Watch start or last contact, whichever is later.")
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-flagged_at"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "since"], name="broken_followup_once")
        ]

    def __str__(self) -> str:
        return f"broken follow-up of watch {self.entry_id} at {self.flagged_at:%Y-%m-%d}"


class Readmission(models.Model):
    """A stay that began within 30 days of the patient's previous discharge (any hospital)."""

    stay = models.OneToOneField(
        "transitions.Stay", on_delete=models.CASCADE, related_name="readmission"
    )
    previous_stay = models.ForeignKey(
        "transitions.Stay", on_delete=models.CASCADE, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="readmissions"
    )
    days = models.PositiveSmallIntegerField(_("days after discharge"))
    detected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("readmission")
        verbose_name_plural = _("readmissions")
        ordering = ["-detected_at"]

    def __str__(self) -> str:
        return f"readmission {self.stay_id} {self.days} days after {self.previous_stay_id}"


__all__ = [
    "BrokenFollowUp",
    "Contact",
    "ContactChannel",
    "ContactKind",
    "Readmission",
    "Refusal",
    "RefusedBy",
    "WatchEntry",
]
