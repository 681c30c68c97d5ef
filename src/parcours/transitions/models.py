"""Hospital stays. Minimal for now: enough for "the hospital team of an open stay"."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StayStatus(models.TextChoices):
    OPEN = "open", _("In hospital")
    DISCHARGED = "discharged", _("Discharged")
    CANCELLED = "cancelled", _("Cancelled")


class Stay(models.Model):
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="stays")
    hospital = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    ward = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    admitted_at = models.DateTimeField(_("admitted"), default=timezone.now)
    expected_discharge_at = models.DateTimeField(_("expected discharge"), null=True, blank=True)
    discharged_at = models.DateTimeField(_("discharged"), null=True, blank=True)
    status = models.CharField(max_length=12, choices=StayStatus.choices, default=StayStatus.OPEN)
    # The sender's visit number (HL7 PV1-19) and the sender (HL7 MSH-4 facility): "" by hand.
    external_id = models.CharField(_("visit number"), max_length=100, blank=True, default="")
    source = models.CharField(_("source"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("hospital stay")
        verbose_name_plural = _("hospital stays")
        ordering = ["-admitted_at"]
        indexes = [models.Index(fields=["patient", "status"], name="stay_patient_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="stay_source_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return f"stay of patient {self.patient_id} at {self.hospital_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == StayStatus.OPEN


from parcours.transitions.aftercare_models import *  # noqa: E402,F403
