"""Notification kinds of the patients area (delivered by the messaging outbox)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from parcours.messaging.kinds import NotificationKind, register

BREAK_THE_GLASS = register(
    NotificationKind(
        "patient.break_the_glass",
        gettext_noop(
            "Emergency access to a record you follow, by %(by)s (%(organisation)s), until %(until)s"
        ),
        _("Emergency access to a record you follow"),
    )
)

STAY_ADMITTED = register(
    NotificationKind(
        "stay.admitted",
        gettext_noop("A patient you follow was admitted to %(hospital)s"),
        _("Admission of a patient you follow"),
    )
)
STAY_DISCHARGED = register(
    NotificationKind(
        "stay.discharged",
        gettext_noop("A patient you follow left %(hospital)s"),
        _("Discharge of a patient you follow"),
    )
)
