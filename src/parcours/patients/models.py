"""The patient, their identifiers, their circle of care, consent, exclusions and break-the-glass.

Nothing here is read directly by pages or APIs: `parcours.patients.access` is the way in.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.patients.identifiers import IdentifierSystem, display


class AdministrativeSex(models.TextChoices):
    """The sex on official documents (FHIR Patient.gender); shown only where a rule needs it."""

    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class PatientStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MERGED = "merged", _("Merged into another record")


class Patient(models.Model):
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    administrative_sex = models.CharField(
        _("administrative sex"),
        max_length=10,
        choices=AdministrativeSex.choices,
        default=AdministrativeSex.UNKNOWN,
    )
    gender_identity = models.CharField(
        _("gender identity"), max_length=100, blank=True, help_text=_("As the person states it.")
    )
    pronouns = models.CharField(
        _("pronouns"),
        max_length=60,
        blank=True,
        help_text=_("For example: elle, zij/haar, she/her."),
    )
    address_line = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    municipality = models.ForeignKey(
        "territory.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    languages = models.JSONField(_("preferred languages"), default=list, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_provisional = models.BooleanField(
        _("provisional identity"),
        default=False,
        help_text=_("No national number yet (homeless, undocumented): reconcile it later."),
    )
    status = models.CharField(max_length=10, choices=PatientStatus.choices, default="active")
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_records"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        indexes = [models.Index(fields=["family_name", "birth_date"], name="patient_name_birth")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday


class PatientIdentifier(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="identifiers")
    system = models.CharField(_("type"), max_length=10, choices=IdentifierSystem.choices)
    value = models.CharField(_("number"), max_length=40)
    assigning_authority = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("assigning authority"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["system", "value"],
                condition=~Q(system="local"),
                name="patient_identifier_national_unique",
            ),
            models.UniqueConstraint(
                fields=["system", "value", "assigning_authority"],
                condition=Q(system="local"),
                name="patient_identifier_local_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_system_display()} {self.display_value}"

    @property
    def display_value(self) -> str:
        return display(self.system, self.value)


class MemberRole(models.TextChoices):
    GP = "gp", _("GP (médecin traitant)")
    HOME_NURSE = "home_nurse", _("Home nurse")
    PHARMACIST = "pharmacist", _("Pharmacist")
    PHYSIOTHERAPIST = "physiotherapist", _("Physiotherapist")
    HOME_CARE_COORDINATION = "home_care_coordination", _("Home-care coordination")
    HOME_HELP = "home_help", _("Home help")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    CASE_MANAGER = "case_manager", _("Case manager")
    HEALTH_MEDIATOR = "health_mediator", _("Health mediator")
    MENTAL_HEALTH_TEAM = "mental_health_team", _("Mental-health team")
    HOSPITAL_REFERENT = "hospital_referent", _("Hospital referent")
    OTHER_PROFESSIONAL = "other_professional", _("Other professional")
    CAREGIVER = "caregiver", _("Family caregiver")
    TRUSTED_PERSON = "trusted_person", _("Trusted person")
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")

    @classmethod
    def person_roles(cls) -> frozenset[str]:
        return frozenset({cls.CAREGIVER, cls.TRUSTED_PERSON, cls.LEGAL_REPRESENTATIVE})


class Visibility(models.TextChoices):
    """What a member may see. Ordered from most to least."""

    FULL = "full", _("Everything")
    CARE_INSTRUCTIONS = "care_instructions", _("Care instructions")
    NON_MEDICAL = "non_medical", _("Non-medical information")
    NONE = "none", _("Nothing")

    @classmethod
    def rank(cls, value: str) -> int:
        return [cls.NONE, cls.NON_MEDICAL, cls.CARE_INSTRUCTIONS, cls.FULL].index(cls(value))


class LegalScope(models.TextChoices):
    PERSON = "person", _("Person")
    PROPERTY = "property", _("Property")
    BOTH = "both", _("Person and property")


class CircleMember(models.Model):
    """One member of the circle: a professional, a service, an organisation, or a person."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="circle")
    role = models.CharField(_("role"), max_length=30, choices=MemberRole.choices)
    professional = models.ForeignKey(
        "directory.Professional", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person_name = models.CharField(_("name"), max_length=200, blank=True)
    person_relationship = models.CharField(
        _("relationship"), max_length=60, blank=True, help_text=_("Daughter, son, partner…")
    )
    person_phone = models.CharField(_("phone"), max_length=40, blank=True)
    person_language = models.CharField(_("language"), max_length=8, blank=True)
    legal_scope = models.CharField(
        _("legal scope"), max_length=10, choices=LegalScope.choices, blank=True
    )
    legal_basis = models.CharField(
        _("decision it rests on"),
        max_length=200,
        blank=True,
        help_text=_("Court decision or mandate, with its date."),
    )
    start_date = models.DateField(_("from"), default=timezone.localdate)
    end_date = models.DateField(_("until"), null=True, blank=True)
    patient_confirmed = models.BooleanField(_("confirmed by the patient"), default=False)
    visibility = models.CharField(
        _("may see"), max_length=20, choices=Visibility.choices, default=Visibility.FULL
    )
    is_referent = models.BooleanField(
        _("referent of the circle"),
        default=False,
        help_text=_("Manages the circle, sees who looked at the record, is told of emergencies."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("member of the circle of care")
        verbose_name_plural = _("circle of care")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(professional__isnull=False, service__isnull=True, person_name="")
                    | Q(professional__isnull=True, service__isnull=False, person_name="")
                    | Q(
                        professional__isnull=True,
                        service__isnull=True,
                        organisation__isnull=False,
                        person_name="",
                    )
                    | Q(professional__isnull=True, service__isnull=True, organisation__isnull=True)
                    & ~Q(person_name="")
                ),
                name="circle_member_one_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} · {self.get_role_display()}"

    @property
    def kind(self) -> str:
        if self.professional_id:
            return "professional"
        if self.service_id:
            return "service"
        if self.organisation_id and not self.person_name:
            return "organisation"
        return "person"

    @property
    def display_name(self) -> str:
        if self.professional_id:
            return str(self.professional)
        if self.service_id:
            return self.service.display_name if self.service else ""
        if self.organisation_id and not self.person_name and self.organisation:
            return self.organisation.display_name
        return self.person_name

    def is_active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


class ConsentStatus(models.TextChoices):
    GIVEN = "given", _("Given")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ConsentMethod(models.TextChoices):
    ORAL = "oral", _("Orally, to the professional")
    WRITTEN = "written", _("Signed form")
    ELECTRONIC = "electronic", _("Electronically")
    REPRESENTATIVE = "representative", _("Through their representative")


class ConsentEvent(models.Model):
    """One change of the patient's consent to share within the circle. Never updated."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="consent_events")
    status = models.CharField(_("consent"), max_length=10, choices=ConsentStatus.choices)
    method = models.CharField(_("how"), max_length=20, choices=ConsentMethod.choices)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.recorded_at:%Y-%m-%d}"


class Exclusion(models.Model):
    """A professional the patient does not want informed. Wins over every way in."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="exclusions")
    professional = models.ForeignKey(
        "directory.Professional",
        verbose_name=_("professional"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"exclusion of {self.professional}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class BreakGlass(models.Model):
    """Emergency access with a written reason, for a limited time."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="break_glasses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"break-the-glass by {self.user} until {self.expires_at:%Y-%m-%d %H:%M}"

    def is_open_at(self, moment: datetime) -> bool:
        return self.ended_at is None and self.expires_at > moment


class Notification(models.Model):
    """An in-app notification for one user.

    Deliberately minimal: the messaging area will grow it into an outbox with transports
    (e-mail, eHealthBox, MSSanté). `kind` says what happened, `payload` holds plain values for
    rendering in the recipient's language.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user}"
