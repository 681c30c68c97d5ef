"""Notification kinds of the transitions area (delivered by the messaging outbox)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from parcours.messaging.kinds import NotificationKind, register

STAY_REFERENT_ASSIGNED = register(
    NotificationKind(
        "stay.referent_assigned",
        gettext_noop("You are now the complex-pathway referent of a stay at %(hospital)s"),
        _("You are named complex-pathway referent"),
    )
)
PLAN_ITEM_ASSIGNED = register(
    NotificationKind(
        "stay.plan_item_assigned",
        gettext_noop("%(actor)s gave you an item of a discharge plan at %(hospital)s"),
        _("Discharge plan item assigned to you"),
        webhook=False,
    )
)
