from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.interop.hl7v2.reasons import reason_text
from parcours.transitions.models import Destination

# FHIR R4 "discharge-disposition" codes (http://terminology.hl7.org/CodeSystem/discharge-disposition)
# accepted in a source's map as aliases of the stay destinations they mean.
FHIR_DISCHARGE_DISPOSITIONS: dict[str, str] = {
    "home": Destination.HOME,
    "alt-home": Destination.HOME,
    "other-hcf": Destination.OTHER_HOSPITAL,
    "hosp": Destination.OTHER,
    "long": Destination.NURSING_HOME,
    "aadvice": Destination.OTHER,
    "exp": Destination.DECEASED,
    "psy": Destination.OTHER_HOSPITAL,
    "rehab": Destination.REHABILITATION,
    "snf": Destination.NURSING_HOME,
    "oth": Destination.OTHER,
}


def destination_for(value: str) -> str | None:
    """The stay destination a map value names: a `Destination` value, or a FHIR alias."""
    if value in Destination.values:
        return value
    alias = FHIR_DISCHARGE_DISPOSITIONS.get(value)
    return str(alias) if alias is not None else None


class Hl7Source(models.Model):
    """A hospital that sends ADT messages: its MSH-4 facility code mapped to an organisation."""

    facility = models.CharField(
        _("sending facility"), max_length=100, unique=True, help_text=_("MSH-4 namespace ID.")
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="hl7_sources",
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/Brussels",
        help_text=_("How HL7 times without an offset are read."),
    )
    discharge_dispositions = models.JSONField(
        _("discharge-disposition map"),
        default=dict,
        blank=True,
        help_text=_("PV1-36 code of this source → destination of the stay."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("HL7 source")
        verbose_name_plural = _("HL7 sources")
        ordering = ["facility"]

    def __str__(self) -> str:
        return self.facility

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Received (validated, awaiting domain mapping)")
    APPLIED = "applied", _("Applied")
    REJECTED = "rejected", _("Rejected")
    ERROR = "error", _("Error")
    CONFLICT = "conflict", _("Conflicting duplicate")

    @classmethod
    def accepted(cls) -> frozenset[str]:
        return frozenset({cls.RECEIVED, cls.APPLIED})

    @classmethod
    def error_queue(cls) -> tuple[str, ...]:
        return (cls.REJECTED, cls.ERROR, cls.CONFLICT)

    @classmethod
    def replayable(cls) -> frozenset[str]:
        return frozenset({cls.REJECTED, cls.ERROR})


class InboundMessage(models.Model):
    """One HL7 v2 message as received, kept raw with its outcome and acknowledgement.

    The idempotency key is (MSH-3, MSH-4, MSH-10) as sent: unique among originals, so a resend
    of the same content finds its first copy; a resend with other content is stored beside it
    as a conflicting duplicate (`duplicate_of`)."""

    source = models.ForeignKey(
        Hl7Source,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
    )
    sending_application = models.CharField(_("sending application"), max_length=227, blank=True)
    sending_facility = models.CharField(_("sending facility"), max_length=227, blank=True)
    control_id = models.CharField(_("control ID"), max_length=199, blank=True)
    message_type = models.CharField(_("message type"), max_length=40, blank=True)
    event = models.CharField(_("event"), max_length=8, blank=True)
    version = models.CharField(_("version"), max_length=16, blank=True)
    message_time = models.DateTimeField(_("message time"), null=True, blank=True)
    raw_text = models.TextField(_("raw message"))
    content_hash = models.CharField(max_length=64)
    charset = models.CharField(_("character set"), max_length=20)
    charset_fallback = models.BooleanField(_("character set fallback"), default=False)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    peer = models.CharField(_("sender address"), max_length=100, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=16, choices=InboundStatus.choices)
    ack_code = models.CharField(_("acknowledgement"), max_length=2)
    error_code = models.CharField(_("reason code"), max_length=40, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    error_location = models.CharField(max_length=40, blank=True)
    attempts = models.PositiveIntegerField(_("processing attempts"), default=1)
    resend_count = models.PositiveIntegerField(_("identical resends"), default=0)
    last_resent_at = models.DateTimeField(null=True, blank=True)
    replayed_at = models.DateTimeField(_("replayed at"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
    )

    class Meta:
        verbose_name = _("inbound HL7 message")
        verbose_name_plural = _("inbound HL7 messages")
        constraints = [
            models.UniqueConstraint(
                fields=["sending_application", "sending_facility", "control_id"],
                condition=Q(duplicate_of__isnull=True) & ~Q(control_id=""),
                name="inbound_message_unique_key",
            )
        ]
        indexes = [
            models.Index(
                fields=["control_id", "sending_facility", "sending_application"],
                name="inbound_message_key",
            ),
            models.Index(fields=["status", "received_at"], name="inbound_message_status"),
            models.Index(fields=["source", "status"], name="inbound_message_source"),
        ]

    def __str__(self) -> str:
        return f"{self.sending_facility} {self.control_id} {self.event} {self.status}"

    @property
    def reason(self) -> str:
        """The reason in the active language, empty when accepted."""
        return reason_text(self.error_code, self.error_params) if self.error_code else ""

    @property
    def segments(self) -> list[str]:
        return self.raw_text.split("\r")

    @property
    def is_replayable(self) -> bool:
        return self.status in InboundStatus.replayable()
