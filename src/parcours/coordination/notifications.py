"""Notification kinds of the coordination area (delivered by the messaging outbox).

`referral.updated` and `task.assigned` are registered by messaging; the kinds below add what a
closed loop needs. Titles never name the patient: the link leads through the access checks.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from parcours.messaging.kinds import REFERRAL_UPDATED, TASK_ASSIGNED, NotificationKind, register

REFERRAL_RECEIVED = register(
    NotificationKind(
        "referral.received",
        gettext_noop("New referral to %(service)s from %(organisation)s"),
        _("New referral to your service"),
    )
)
REFERRAL_CANCELLED_OTHER_ACCEPTED = register(
    NotificationKind(
        "referral.cancelled_other_accepted",
        gettext_noop(
            "A referral to %(service)s was cancelled: another service accepted the patient"
        ),
        _("Referral cancelled"),
    )
)
REFERRAL_OVERDUE = register(
    NotificationKind(
        "referral.overdue",
        gettext_noop("No answer from %(service)s by %(due)s"),
        _("Referral without an answer by its due date"),
    )
)

__all__ = [
    "REFERRAL_CANCELLED_OTHER_ACCEPTED",
    "REFERRAL_OVERDUE",
    "REFERRAL_RECEIVED",
    "REFERRAL_UPDATED",
    "TASK_ASSIGNED",
]
