from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from parcours.i18n import localized


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
        """The name with the parent's, for wards and departments ("Geriatrics · CHU …")."""
        if self.parent is None:
            return self.display_name
        return f"{self.display_name} · {self.parent.display_name}"


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


class ProfessionalRole(models.Model):
    """A professional's role in an organisation (FHIR PractitionerRole)."""

    professional = models.ForeignKey(Professional, on_delete=models.CASCADE, related_name="roles")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="professional_roles"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("professional role")
        verbose_name_plural = _("professional roles")

    def __str__(self) -> str:
        return f"{self.professional} · {self.organisation}"


class Service(models.Model):
    """What an organisation offers (FHIR HealthcareService, Open Referral service)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="services"
    )
    name = models.JSONField(_("name"), default=dict)
    category = models.CharField(_("category"), max_length=40, choices=OrganisationType.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return localized(self.name) or str(self.organisation)
