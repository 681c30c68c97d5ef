from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.directory.calendars import is_public_holiday
from parcours.directory.identifiers import IdentifierKind
from parcours.i18n import localized

TIME_ZONES = {"BE": "Europe/Brussels", "FR": "Europe/Paris"}


class OrganisationType(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital")
    WARD = "ward", _("Ward or department")
    HEALTH_CENTRE = "health_centre", _("Multi-professional health centre (MSP, maison médicale)")
    CPTS = "cpts", _("Territorial professional health community (CPTS)")
    DAC = "dac", _("Coordination support service (DAC)")
    SSIAD = "ssiad", _("Home nursing service (SSIAD)")
    HOME_CARE_COORDINATION = "home_care_coordination", _("Home-care coordination")
    HOME_NURSING = "home_nursing", _("Home nursing")
    HOME_HELP = "home_help", _("Home help")
    PHARMACY = "pharmacy", _("Pharmacy")
    GP_PRACTICE = "gp_practice", _("GP practice")
    SOCIAL_ACTION_CENTRE = "social_action_centre", _("Social action centre (CPAS, OCMW, CCAS)")
    MENTAL_HEALTH_MOBILE_TEAM = "mental_health_mobile_team", _("Mobile mental-health team")
    ADDICTION_SERVICE = "addiction_service", _("Addiction service")
    CURE_POST_CURE = "cure_post_cure", _("Residential addiction treatment (cure, post-cure)")
    NURSING_HOME = "nursing_home", _("Nursing home")
    HEALTH_MEDIATION = "health_mediation", _("Health mediation")
    PATIENT_ASSOCIATION = "patient_association", _("Patient or caregiver association")
    CARE_AREA_SUPPORT = "care_area_support", _("Care-area support team")
    PHYSIOTHERAPY = "physiotherapy", _("Physiotherapy practice")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    """An organisation of the health, social or medico-social sectors (FHIR Organization)."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.JSONField(_("name"), default=dict, help_text=_("Name per language code."))
    type = models.CharField(_("type"), max_length=40, choices=OrganisationType.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    country = models.CharField(_("country"), max_length=2, default="BE")
    active = models.BooleanField(_("active"), default=True)
    description = models.JSONField(_("description"), default=dict, blank=True)
    municipality = models.ForeignKey(
        "territory.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return localized(self.name) or self.code

    @property
    def full_name(self) -> str:
        """A ward is named with its hospital: "Gériatrie · CHU Bruxelles-Sud"."""
        if self.parent_id and self.parent is not None:
            return f"{self.display_name} · {self.parent.display_name}"
        return self.display_name

    def current_referents(self, on: date | None = None) -> models.QuerySet[Referent]:
        day = on or timezone.localdate()
        return (
            self.referents.filter(starts_on__lte=day)
            .filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=day))
            .select_related("professional")
        )


class OrganisationIdentifier(models.Model):
    """A national identifier (FHIR Organization.identifier, HSDS organization_identifier)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="identifiers"
    )
    kind = models.CharField(_("type"), max_length=10, choices=IdentifierKind.choices)
    value = models.CharField(_("value"), max_length=20)
    warning = models.CharField(_("warning"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("organisation identifier")
        verbose_name_plural = _("organisation identifiers")
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="organisation_identifier_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"


class Location(models.Model):
    """A place where an organisation works (FHIR Location, HSDS location)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="locations"
    )
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.JSONField(_("name"), default=dict)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    municipality = models.ForeignKey(
        "territory.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return localized(self.name) or self.code


class Profession(models.TextChoices):
    PHYSICIAN_GP = "gp", _("General practitioner")
    PHYSICIAN_SPECIALIST = "specialist", _("Specialist physician")
    NURSE = "nurse", _("Nurse")
    PHARMACIST = "pharmacist", _("Pharmacist")
    PHYSIOTHERAPIST = "physiotherapist", _("Physiotherapist")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    HEALTH_MEDIATOR = "health_mediator", _("Health mediator")
    PSYCHOLOGIST = "psychologist", _("Psychologist")
    HOME_HELPER = "home_helper", _("Home helper")
    COORDINATOR = "coordinator", _("Care coordinator")
    OTHER = "other", _("Other profession")


class Professional(models.Model):
    """A health or social professional (FHIR Practitioner)."""

    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    profession = models.CharField(_("profession"), max_length=30, choices=Profession.choices)
    languages = models.JSONField(_("languages spoken"), default=list)
    specialty = models.CharField(_("specialty"), max_length=100, blank=True)
    rpps = models.CharField(_("RPPS number"), max_length=11, blank=True)
    riziv = models.CharField(_("RIZIV/INAMI number"), max_length=11, blank=True)
    code = models.CharField(_("code"), max_length=64, null=True, blank=True, unique=True)
    user = models.OneToOneField(
        "accounts.User",
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="professional",
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("professional")
        verbose_name_plural = _("professionals")

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def national_number(self) -> str:
        return self.rpps or self.riziv


class ProfessionalRole(models.Model):
    """A professional's role in an organisation (FHIR PractitionerRole)."""

    professional = models.ForeignKey(Professional, on_delete=models.CASCADE, related_name="roles")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="professional_roles"
    )
    active = models.BooleanField(_("active"), default=True)
    title = models.JSONField(_("title"), default=dict, blank=True)
    accepting_new_patients = models.BooleanField(_("accepting new patients"), default=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("professional role")
        verbose_name_plural = _("professional roles")

    def __str__(self) -> str:
        return f"{self.professional} · {self.organisation}"


class CapacityStatus(models.TextChoices):
    ACCEPTING = "accepting", _("Accepting")
    LIMITED = "limited", _("Limited")
    FULL = "full", _("Full")
    WAITING_LIST = "waiting_list", _("Waiting list")


class TargetGroup(models.TextChoices):
    GERIATRICS = "geriatrics", _("Older people")
    PSYCHIATRY = "psychiatry", _("Mental health")
    ADDICTION = "addiction", _("Addiction")
    PRECARITY = "precarity", _("Precarity, homelessness")
    DISABILITY = "disability", _("Disability")
    CHILDREN = "children", _("Children and families")
    PALLIATIVE = "palliative", _("Palliative care")
    MIGRANTS = "migrants", _("Migrants, undocumented people")
    LGBTQIA = "lgbtqia", _("LGBTQIA+-friendly")
    CAREGIVERS = "caregivers", _("Family caregivers")
    ADULTS = "adults", _("Adults")


class Service(models.Model):
    """What an organisation offers (FHIR HealthcareService, Open Referral service)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="services"
    )
    name = models.JSONField(_("name"), default=dict)
    category = models.CharField(_("category"), max_length=40, choices=OrganisationType.choices)
    active = models.BooleanField(_("active"), default=True)
    code = models.CharField(_("code"), max_length=64, null=True, blank=True, unique=True)
    description = models.JSONField(_("description"), default=dict, blank=True)
    target_groups = models.JSONField(_("target groups"), default=list, blank=True)
    eligibility = models.JSONField(_("eligibility"), default=dict, blank=True)
    fees = models.JSONField(_("fees"), default=dict, blank=True)
    referral = models.JSONField(_("how to refer"), default=dict, blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    country = models.CharField(_("country"), max_length=2, default="BE")
    location = models.ForeignKey(
        Location,
        verbose_name=_("location"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="services",
    )
    areas = models.ManyToManyField(
        "territory.Municipality",
        verbose_name=_("municipalities served"),
        related_name="served_by",
        blank=True,
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    capacity_status = models.CharField(
        _("capacity"), max_length=20, choices=CapacityStatus.choices, blank=True
    )
    waiting_list_length = models.PositiveIntegerField(_("people waiting"), null=True, blank=True)
    typical_wait_days = models.PositiveIntegerField(_("typical wait (days)"), null=True, blank=True)
    capacity_updated_at = models.DateTimeField(_("capacity updated at"), null=True, blank=True)
    capacity_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("capacity updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return localized(self.name) or str(self.organisation)

    @property
    def time_zone(self) -> ZoneInfo:
        return ZoneInfo(TIME_ZONES.get(self.country, settings.TIME_ZONE))

    @property
    def target_group_labels(self) -> list[str]:
        return [str(TargetGroup(g).label) for g in self.target_groups if g in TargetGroup.values]

    @property
    def capacity_is_stale(self) -> bool:
        """Capacity is stale when nobody confirmed it within PARCOURS_CAPACITY_STALE_DAYS."""
        if not self.capacity_status or self.capacity_updated_at is None:
            return True
        limit = timedelta(days=settings.CAPACITY_STALE_DAYS)
        return timezone.now() - self.capacity_updated_at > limit

    def hours_on(self, day: date) -> list[OpeningHours]:
        """The opening hours that apply on a day: closures, then public holidays, then weekdays."""
        if any(c.starts_on <= day <= c.ends_on for c in self.closures.all()):
            return []
        weekday = HOLIDAY if is_public_holiday(self.country, day) else day.weekday()
        return [h for h in self.opening_hours.all() if h.day == weekday]

    def open_on(self, day: date) -> bool:
        return bool(self.hours_on(day))

    def is_open_at(self, moment: datetime) -> bool:
        local = timezone.localtime(moment, self.time_zone)
        minute = local.hour * 60 + local.minute
        return any(h.opens <= minute < h.closes for h in self.hours_on(local.date()))

    def next_opening(self, moment: datetime, days: int = 14) -> datetime | None:
        """The next moment the service opens (or `moment` if it is open), within `days`."""
        local = timezone.localtime(moment, self.time_zone)
        for offset in range(days + 1):
            day = local.date() + timedelta(days=offset)
            for hours in sorted(self.hours_on(day), key=lambda h: h.opens):
                start = datetime.combine(day, datetime.min.time(), self.time_zone) + timedelta(
                    minutes=hours.opens
                )
                end = start + timedelta(minutes=hours.closes - hours.opens)
                if end > local:
                    return max(start, local)
        return None


HOLIDAY = 7  # OpeningHours.day for public holidays


class OpeningHours(models.Model):
    """One opening period of a service on a weekday or on public holidays (availableTime)."""

    class Day(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")
        HOLIDAY = 7, _("Public holidays")

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="opening_hours")
    day = models.PositiveSmallIntegerField(_("day"), choices=Day.choices)
    opens = models.PositiveSmallIntegerField(_("opens (minute of the day)"))
    closes = models.PositiveSmallIntegerField(_("closes (minute of the day)"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["day", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens__lt=models.F("closes"), closes__lte=1440),
                name="opening_hours_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_day_display()} {self.opens_label}–{self.closes_label}"

    @staticmethod
    def label(minute: int) -> str:
        return f"{minute // 60:02d}:{minute % 60:02d}"

    @property
    def opens_label(self) -> str:
        return self.label(self.opens)

    @property
    def closes_label(self) -> str:
        return self.label(self.closes)


class Closure(models.Model):
    """An exceptional closure of a service (notAvailable)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="closures")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.JSONField(_("reason"), default=dict, blank=True)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["starts_on"]

    def __str__(self) -> str:
        return f"{self.starts_on}–{self.ends_on}"


class CapacityUpdate(models.Model):
    """One capacity statement by the service's staff, kept as a row."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="capacity_updates")
    status = models.CharField(_("capacity"), max_length=20, choices=CapacityStatus.choices)
    waiting_list_length = models.PositiveIntegerField(_("people waiting"), null=True, blank=True)
    typical_wait_days = models.PositiveIntegerField(_("typical wait (days)"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("capacity update")
        verbose_name_plural = _("capacity updates")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.service_id} {self.status} {self.at:%Y-%m-%d}"


class ChannelKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    MSSANTE = "mssante", _("MSSanté address")
    EHEALTHBOX = "ehealthbox", _("eHealthBox")
    PARCOURS = "parcours", _("Messaging in Parcours")
    WEBSITE = "website", _("Website")


class ContactChannel(models.Model):
    """How to reach an organisation, a service or a role (telecom and Endpoint)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="channels"
    )
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="channels"
    )
    role = models.ForeignKey(
        ProfessionalRole, on_delete=models.CASCADE, null=True, blank=True, related_name="channels"
    )
    kind = models.CharField(_("channel"), max_length=20, choices=ChannelKind.choices)
    value = models.CharField(_("address or number"), max_length=200)
    label = models.JSONField(_("label"), default=dict, blank=True)

    class Meta:
        verbose_name = _("contact channel")
        verbose_name_plural = _("contact channels")
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"

    @property
    def is_secure(self) -> bool:
        return self.kind in {ChannelKind.MSSANTE, ChannelKind.EHEALTHBOX, ChannelKind.PARCOURS}


class ReferentKind(models.TextChoices):
    COMPLEX_PATHWAY = "complex_pathway", _("Complex-pathway referent")
    LIAISON = "liaison", _("Liaison nurse")
    SOCIAL = "social", _("Social worker referent")
    DISCHARGE = "discharge", _("Discharge coordinator")
    MEDICAL = "medical", _("Medical referent")


class Referent(models.Model):
    """A named person to ask for, in a ward or an organisation, over a period."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="referents"
    )
    professional = models.ForeignKey(
        Professional, on_delete=models.CASCADE, related_name="referent_for"
    )
    kind = models.CharField(_("referent for"), max_length=30, choices=ReferentKind.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("referent")
        verbose_name_plural = _("referents")
        ordering = ["kind", "starts_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.professional} ({self.organisation})"

    def is_current(self, on: date | None = None) -> bool:
        day = on or timezone.localdate()
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)


class ServiceDocument(models.Model):
    """The denormalised search text of a service (FTS5 / tsvector), rebuilt by actions."""

    service = models.OneToOneField(
        Service, on_delete=models.CASCADE, primary_key=True, related_name="document"
    )
    body = models.TextField()

    class Meta:
        verbose_name = _("service search document")
        verbose_name_plural = _("service search documents")

    def __str__(self) -> str:
        return f"service {self.service_id}"


class ProfessionalDocument(models.Model):
    """The denormalised search text of a professional and their roles and referent duties."""

    professional = models.OneToOneField(
        Professional, on_delete=models.CASCADE, primary_key=True, related_name="document"
    )
    body = models.TextField()

    class Meta:
        verbose_name = _("professional search document")
        verbose_name_plural = _("professional search documents")

    def __str__(self) -> str:
        return f"professional {self.professional_id}"
