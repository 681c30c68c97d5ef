from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Project-wide commands (serve, worker, demo); no tables of its own."""

    name = "parcours.core"
    label = "core"
    verbose_name = _("Parcours")
