"""Notification kinds of the follow-up after discharge (delivered by the messaging outbox).

Titles are shown in the application only; e-mails carry the generic label, never a name or a
health detail."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from parcours.messaging.kinds import NotificationKind, register

FOLLOWUP_BROKEN = register(
    NotificationKind(
        "followup.broken",
        gettext_noop(
            "No contact recorded for %(days)s days with a patient watched by %(organisation)s: "
            "please reach out"
        ),
        _("Broken follow-up of a patient you follow"),
    )
)
HELP_REACTIVATED = register(
    NotificationKind(
        "followup.help_reactivated",
        gettext_noop("%(by)s (%(organisation)s) reactivated help for a patient you follow"),
        _("Help reactivated for a patient you follow"),
    )
)
STAY_READMISSION = register(
    NotificationKind(
        "stay.readmission",
        gettext_noop(
            "A patient you follow was readmitted to %(hospital)s, %(days)s days after leaving "
            "%(previous)s"
        ),
        _("Readmission of a patient you follow"),
    )
)
