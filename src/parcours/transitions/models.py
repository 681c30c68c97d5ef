"""Hospital stays, their events, the liaison protocol, the discharge plan and the screenings.

A stay is opened at admission (by hand or by the HL7 feed) and its discharge is prepared from
that moment: the hospital's (or the ward's) `LiaisonProtocol` becomes `PlanItem` rows of the stay,
screenings recorded on the stay (`ScreeningRecord`) add items through `ScreeningTrigger` rows, and
the discharge creates the follow-up items of the protocol's "after discharge" phase.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.i18n import localized
from parcours.transitions.calendar import is_friday_afternoon_weekend_or_holiday


class StayStatus(models.TextChoices):
    PLANNED = "planned", _("Planned admission")
    OPEN = "open", _("In hospital")
    DISCHARGED = "discharged", _("Discharged")
    CANCELLED = "cancelled", _("Cancelled")


class Destination(models.TextChoices):
    HOME = "home", _("Home")
    HOME_WITH_SERVICES = "home_with_services", _("Home, with services")
    NURSING_HOME = "nursing_home", _("Nursing home")
    REHABILITATION = "rehabilitation", _("Rehabilitation / post-cure")
    OTHER_HOSPITAL = "other_hospital", _("Other hospital")
    DECEASED = "deceased", _("Deceased")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


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
    admitting_physician = models.ForeignKey(
        "directory.Professional",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("admitting physician"),
    )
    # As the feed names them (HL7 PV1-17) when no directory professional matches.
    admitting_physician_name = models.CharField(
        _("admitting physician (name)"), max_length=200, blank=True, default=""
    )
    destination = models.CharField(
        _("destination"), max_length=30, choices=Destination.choices, blank=True, default=""
    )
    # The sender's raw code (HL7 PV1-36 discharge disposition).
    discharge_disposition = models.CharField(
        _("discharge disposition (code)"), max_length=20, blank=True, default=""
    )
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referent_stays",
        verbose_name=_("complex-pathway referent"),
    )
    liaison_letter_sent_at = models.DateTimeField(_("liaison letter sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("hospital stay")
        verbose_name_plural = _("hospital stays")
        ordering = ["-admitted_at"]
        indexes = [
            models.Index(fields=["patient", "status"], name="stay_patient_status"),
            models.Index(
                fields=["hospital", "status", "expected_discharge_at"],
                name="stay_hospital_status_expected",
            ),
            models.Index(
                fields=["ward", "status", "expected_discharge_at"], name="stay_ward_status_expected"
            ),
        ]
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

    @property
    def is_active(self) -> bool:
        """Planned or open: the discharge is still being prepared."""
        return self.status in (StayStatus.PLANNED, StayStatus.OPEN)

    @property
    def discharge_moment(self) -> datetime | None:
        """The actual discharge if any, else the expected one."""
        return self.discharged_at or self.expected_discharge_at

    @property
    def is_weekend_or_friday_afternoon_discharge(self) -> bool:
        """Discharge (actual, else expected) on Friday from 14:00, at a weekend or on a public
        holiday of the hospital's country, in the hospital's local time."""
        moment = self.discharge_moment
        if moment is None:
            return False
        return is_friday_afternoon_weekend_or_holiday(moment, self.hospital.country)

    @property
    def admitting_physician_label(self) -> str:
        if self.admitting_physician is not None:
            return str(self.admitting_physician)
        return self.admitting_physician_name

    def anchor_moment(self, anchor: str) -> datetime | None:
        """When an anchor of the protocol falls for this stay (None while unknown)."""
        if anchor == Anchor.ADMISSION:
            return self.admitted_at
        if anchor == Anchor.EXPECTED_DISCHARGE:
            return self.expected_discharge_at
        if anchor == Anchor.DISCHARGE:
            return self.discharged_at
        raise ValueError(anchor)


class StayEventKind(models.TextChoices):
    PLANNED = "planned", _("Admission planned")
    ADMITTED = "admitted", _("Admitted")
    TRANSFERRED = "transferred", _("Transferred")
    DISCHARGED = "discharged", _("Discharged")
    CANCELLED = "cancelled", _("Cancelled")
    REOPENED = "reopened", _("Discharge cancelled")
    REFERENT = "referent", _("Referent changed")
    EXPECTED_DISCHARGE = "expected_discharge", _("Expected discharge changed")
    PHYSICIAN = "physician", _("Admitting physician changed")


class StayEvent(models.Model):
    """One change in a stay's life, in order: the timeline of the stay page."""

    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=30, choices=StayEventKind.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    ward = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.CharField(_("by"), max_length=150, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("stay event")
        verbose_name_plural = _("stay events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["stay", "at"], name="stay_event_stay_at")]

    def __str__(self) -> str:
        return f"{self.kind} of stay {self.stay_id} at {self.at:%Y-%m-%d %H:%M}"


class Anchor(models.TextChoices):
    ADMISSION = "admission", _("Admission")
    EXPECTED_DISCHARGE = "expected_discharge", _("Expected discharge")
    DISCHARGE = "discharge", _("Discharge")


class Phase(models.TextChoices):
    BEFORE_DISCHARGE = "before_discharge", _("Before discharge")
    AFTER_DISCHARGE = "after_discharge", _("After discharge")


class ScheduledItem(models.Model):
    """What a protocol item, a trigger and a plan item share: a label, who, and when."""

    code = models.SlugField(
        _("code"),
        max_length=50,
        blank=True,
        default="",
        help_text=_("Stable name (e.g. day-2-call): the same code is never planned twice."),
    )
    label = models.JSONField(_("label"), default=dict, help_text=_("Label per language code."))
    responsible_role = models.CharField(
        _("responsible role"), max_length=40, blank=True, default=""
    )
    anchor = models.CharField(
        _("relative to"), max_length=20, choices=Anchor.choices, default=Anchor.ADMISSION
    )
    offset_days = models.IntegerField(
        _("days after (negative: before)"),
        default=0,
    )
    phase = models.CharField(
        _("phase"), max_length=20, choices=Phase.choices, default=Phase.BEFORE_DISCHARGE
    )

    class Meta:
        abstract = True

    @property
    def display_label(self) -> str:
        return localized(self.label) or self.code

    @property
    def responsible_role_label(self) -> str:
        from parcours.accounts.models import Role

        if self.responsible_role in Role.values:
            return str(Role(self.responsible_role).label)
        return self.responsible_role

    def due_from(self, stay: Stay) -> datetime | None:
        moment = stay.anchor_moment(self.anchor)
        return moment + timedelta(days=self.offset_days) if moment is not None else None


class LiaisonProtocol(models.Model):
    """A hospital's (or one ward's) checklist for preparing and following up a discharge."""

    hospital = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.CASCADE,
        related_name="liaison_protocols",
        verbose_name=_("hospital"),
    )
    ward = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="ward_liaison_protocols",
        verbose_name=_("ward"),
        help_text=_("Empty: the whole hospital."),
    )
    name = models.CharField(_("name"), max_length=200)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("liaison protocol")
        verbose_name_plural = _("liaison protocols")
        ordering = ["hospital_id", "ward_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["hospital", "ward"],
                condition=models.Q(active=True, ward__isnull=False),
                name="protocol_one_active_per_ward",
            ),
            models.UniqueConstraint(
                fields=["hospital"],
                condition=models.Q(active=True, ward__isnull=True),
                name="protocol_one_active_per_hospital",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProtocolItem(ScheduledItem):
    protocol = models.ForeignKey(LiaisonProtocol, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("protocol item")
        verbose_name_plural = _("protocol items")
        ordering = ["protocol_id", "phase", "order", "pk"]

    def __str__(self) -> str:
        return self.display_label


class PlanItemStatus(models.TextChoices):
    TODO = "todo", _("To do")
    DONE = "done", _("Done")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")
    CANCELLED = "cancelled", _("Cancelled")


class PlanItemSource(models.TextChoices):
    PROTOCOL = "protocol", _("Protocol")
    SCREENING = "screening", _("Screening")
    MANUAL = "manual", _("Added by hand")


class PlanItem(ScheduledItem):
    """One item of a stay's discharge plan (before discharge) or follow-up (after)."""

    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="plan_items")
    protocol_item = models.ForeignKey(
        ProtocolItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    trigger = models.ForeignKey(
        "ScreeningTrigger", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    screening = models.ForeignKey(
        "ScreeningRecord",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_items",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    owner_organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner organisation"),
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PlanItemStatus.choices, default=PlanItemStatus.TODO
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    source = models.CharField(
        _("source"), max_length=20, choices=PlanItemSource.choices, default=PlanItemSource.MANUAL
    )
    note = models.TextField(_("note"), blank=True, default="")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # Set by `stay_transfer`: an open protocol item of the ward the stay left that the new
    # ward's protocol does not have. Kept (not deleted) so the team decides what to do with it.
    outside_protocol_of = models.ForeignKey(
        "LiaisonProtocol",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("not in the protocol of the current ward"),
    )

    class Meta:
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        ordering = ["phase", "due_at", "order", "pk"]
        indexes = [
            models.Index(fields=["stay", "status"], name="plan_item_stay_status"),
            models.Index(fields=["status", "due_at"], name="plan_item_status_due"),
        ]

    def __str__(self) -> str:
        return f"{self.display_label} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == PlanItemStatus.TODO

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()


class ScreeningRecord(models.Model):
    """One administration of a screening instrument on a stay, with what it computed."""

    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="screenings")
    instrument = models.CharField(_("instrument"), max_length=30)
    version = models.CharField(_("version"), max_length=20)
    answers = models.JSONField(_("answers"), default=dict)
    score = models.FloatField(_("score"))
    band = models.CharField(_("band"), max_length=30)
    positive = models.BooleanField(_("positive"))
    details = models.JSONField(_("details"), default=dict, blank=True)
    thresholds = models.JSONField(_("thresholds"), default=dict, blank=True)
    validated = models.BooleanField(_("validated instrument"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_by_label = models.CharField(_("recorded by"), max_length=150, blank=True, default="")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")
        ordering = ["-recorded_at", "-pk"]
        indexes = [
            models.Index(fields=["stay", "instrument", "recorded_at"], name="screening_stay_instr"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.score_display} ({self.band}) on stay {self.stay_id}"

    @property
    def score_display(self) -> str:
        """Whole scores without a decimal point; EPICES with its two decimals."""
        if float(self.score).is_integer():
            return str(int(self.score))
        return f"{self.score:.2f}"

    @property
    def instrument_definition(self) -> Any:
        from parcours.transitions.screening import INSTRUMENTS

        return INSTRUMENTS.get(self.instrument)


class ScreeningTrigger(ScheduledItem):
    """When a screening matches `condition`, add an item to the stay's plan.

    Condition grammar (see `parcours.transitions.triggers`): `positive`, `band=<code>`,
    `score>=<number>`, `answer:<key>=<value>`, `detail:<key>=<value>` (values: true, false or a
    number; details are the instrument's per-domain results, e.g. ICOPE `detail:mobility=true`).
    """

    hospital = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.CASCADE,
        related_name="screening_triggers",
        verbose_name=_("hospital"),
    )
    ward = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="ward_screening_triggers",
        verbose_name=_("ward"),
        help_text=_("Empty: the whole hospital."),
    )
    instrument = models.CharField(_("instrument"), max_length=30)
    condition = models.CharField(_("condition"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("screening trigger")
        verbose_name_plural = _("screening triggers")
        ordering = ["hospital_id", "instrument", "order", "pk"]
        indexes = [
            models.Index(fields=["hospital", "instrument", "active"], name="trigger_hospital_instr")
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.condition} → {self.display_label}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from parcours.transitions.triggers import InvalidCondition, parse_condition

        try:
            parse_condition(self.instrument, self.condition)
        except InvalidCondition as exc:
            raise ValidationError({"condition": exc.message}) from exc


# The liaison letter (draft and sent versions) lives in its own module.
from parcours.transitions.aftercare_models import *  # noqa: E402,F403
from parcours.transitions.letter_models import LetterDraft, LiaisonLetter  # noqa: E402, F401
