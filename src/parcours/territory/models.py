from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from parcours.i18n import localized


class Municipality(models.Model):
    """A municipality: REFNIS code in Belgium, INSEE code in France."""

    country = models.CharField(_("country"), max_length=2)
    code = models.CharField(_("official code"), max_length=10)
    name = models.JSONField(_("name"), default=dict)
    postcodes = models.JSONField(_("postcodes"), default=list)
    region = models.CharField(_("region"), max_length=10, blank=True)
    department = models.CharField(_("department"), max_length=3, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        constraints = [
            models.UniqueConstraint(fields=["country", "code"], name="municipality_country_code")
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return localized(self.name) or self.code


class CareArea(models.Model):
    """A territory that coordination works at: a Brussels care area (bassin) or a CPTS."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.JSONField(_("name"), default=dict)
    country = models.CharField(_("country"), max_length=2)
    time_zone = models.CharField(_("time zone"), max_length=40, default="Europe/Brussels")
    municipalities = models.ManyToManyField(
        Municipality, related_name="care_areas", verbose_name=_("municipalities")
    )

    class Meta:
        verbose_name = _("care area")
        verbose_name_plural = _("care areas")

    def __str__(self) -> str:
        return localized(self.name) or self.code
