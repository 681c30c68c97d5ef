from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HOSPITAL_LIAISON_NURSE = "hospital_liaison_nurse", _("Hospital liaison nurse")
    HOSPITAL_SOCIAL_WORKER = "hospital_social_worker", _("Hospital social worker")
    WARD_PHYSICIAN = "ward_physician", _("Ward physician")
    COMPLEX_PATHWAY_REFERENT = "complex_pathway_referent", _("Complex-pathway referent")
    GP = "gp", _("General practitioner")
    HOME_NURSE = "home_nurse", _("Home nurse")
    PHARMACIST = "pharmacist", _("Pharmacist")
    PHYSIOTHERAPIST = "physiotherapist", _("Physiotherapist")
    HOME_CARE_COORDINATOR = "home_care_coordinator", _("Home-care coordinator")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    HEALTH_MEDIATOR = "health_mediator", _("Health mediator")
    CARE_AREA_COORDINATOR = "care_area_coordinator", _("Care-area coordinator")
    ORGANISATION_ADMIN = "organisation_admin", _("Organisation administrator")
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")

    @classmethod
    def hospital_roles(cls) -> frozenset[Role]:
        return frozenset(
            {
                cls.HOSPITAL_LIAISON_NURSE,
                cls.HOSPITAL_SOCIAL_WORKER,
                cls.WARD_PHYSICIAN,
                cls.COMPLEX_PATHWAY_REFERENT,
            }
        )

    @classmethod
    def admin_roles(cls) -> frozenset[Role]:
        return frozenset({cls.ORGANISATION_ADMIN, cls.PLATFORM_ADMIN})

    @classmethod
    def care_roles(cls) -> frozenset[Role]:
        """Roles that take part in patient care (platform admins manage the platform only)."""
        return frozenset(set(cls) - cls.admin_roles())


class User(AbstractUser):
    """A person who logs in. Their organisations and roles come from memberships."""

    language = models.CharField(
        _("interface language"), max_length=8, choices=settings.LANGUAGES, blank=True
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def active_memberships(self) -> models.QuerySet[Membership]:
        return self.memberships.filter(active=True).select_related("organisation__parent")

    @property
    def roles(self) -> frozenset[str]:
        cached = getattr(self, "_roles_cache", None)
        if cached is None:
            cached = frozenset(self.memberships.filter(active=True).values_list("role", flat=True))
            self._roles_cache = cached
        return cached

    @property
    def is_platform_admin(self) -> bool:
        return Role.PLATFORM_ADMIN in self.roles

    @property
    def requires_two_factor(self) -> bool:
        return self.is_superuser or bool(self.roles & Role.admin_roles())

    @property
    def has_two_factor(self) -> bool:
        return TOTPDevice.objects.filter(user=self, confirmed_at__isnull=False).exists()


class Membership(models.Model):
    """A user's role in one organisation. A person can hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"


class LoginAttempt(models.Model):
    """One login attempt, kept as a row: the lockout is counted from these."""

    username = models.CharField(max_length=150, db_index=True)
    succeeded = models.BooleanField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["username", "at"], name="login_attempt_user_at")]

    def __str__(self) -> str:
        outcome = "ok" if self.succeeded else "failed"
        return f"{self.username} {outcome} {self.at:%Y-%m-%d %H:%M}"


class TOTPDevice(models.Model):
    """A time-based one-time-password secret, usable once confirmed with a first code."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"TOTP device of {self.user}"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A Bearer token for machine clients. Only its SHA-256 is stored; it is shown once."""

    PREFIX = "pct_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def recently_used(self, now: datetime) -> bool:
        return self.last_used_at is not None and now - self.last_used_at < timedelta(minutes=5)
