from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "parcours.messaging"
    label = "messaging"
    verbose_name = _("Messaging and notifications")
