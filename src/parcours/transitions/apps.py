from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransitionsConfig(AppConfig):
    name = "parcours.transitions"
    verbose_name = _("Transitions")

    def ready(self) -> None:
        # Register the notification kinds before the outbox renders one.
        from parcours.transitions import notifications  # noqa: F401
