from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    name = "parcours.coordination"
    verbose_name = _("Coordination")

    def ready(self) -> None:
        # Register the notification kinds of this area.
        from parcours.coordination import notifications  # noqa: F401
