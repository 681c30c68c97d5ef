"""The liaison letter of a stay: the nurse's draft, and each version sent to the circle.

Imported at the end of `parcours.transitions.models` so that Django finds these models. The
letter's content is composed from the stay by `parcours.transitions.letter`; what each recipient
received is the `messaging.TransmissionRecipient` copy of the version's transmission, and the
patient's own plain-language copy (the patient has no circle membership) is kept here with its
hand-over.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LetterDraft(models.Model):
    """What the liaison nurse writes for the letter; the rest comes from the stay."""

    stay = models.OneToOneField(
        "transitions.Stay", on_delete=models.CASCADE, related_name="letter_draft"
    )
    reason = models.TextField(
        _("reason for admission and diagnosis"),
        blank=True,
        default="",
        help_text=_("Medical: only the GP's view shows it."),
    )
    care_instructions = models.TextField(_("care instructions"), blank=True, default="")
    medication_changes = models.TextField(_("medication changes"), blank=True, default="")
    non_medical_notes = models.TextField(
        _("practical, non-medical information"),
        blank=True,
        default="",
        help_text=_("For home help and social services: no diagnosis, no medication."),
    )
    plain_summary = models.TextField(
        _("summary in plain language"),
        blank=True,
        default="",
        help_text=_("For the patient and their family: simple words, no abbreviations."),
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("liaison letter draft")
        verbose_name_plural = _("liaison letter drafts")

    def __str__(self) -> str:
        return f"letter draft of stay {self.stay_id}"


class LiaisonLetter(models.Model):
    """One version of the letter as sent: its transmission and the patient's own copy."""

    stay = models.ForeignKey(
        "transitions.Stay", on_delete=models.CASCADE, related_name="liaison_letters"
    )
    version = models.PositiveIntegerField(_("version"))
    transmission = models.OneToOneField(
        "messaging.Transmission",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="liaison_letter",
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    left_before_discharge = models.BooleanField(_("sent before the patient left"), default=True)
    # The nurse's texts as they were sent (the draft keeps changing).
    draft = models.JSONField(default=dict, blank=True)
    patient_body = models.TextField(_("patient's copy"), blank=True, default="")
    patient_language = models.CharField(_("patient's language"), max_length=8, blank=True)
    patient_handed_over_at = models.DateTimeField(_("handed to the patient"), null=True, blank=True)
    patient_handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    patient_hand_over_note = models.CharField(_("note"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("liaison letter")
        verbose_name_plural = _("liaison letters")
        ordering = ["stay_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["stay", "version"], name="liaison_letter_version")
        ]

    def __str__(self) -> str:
        return f"liaison letter v{self.version} of stay {self.stay_id}"
