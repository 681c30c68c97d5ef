"""The kinds of notification. Each area registers its own with `register`.

A kind has a title (a message id with named placeholders, rendered in the recipient's language
when shown) and a generic label: the label is what e-mails and the preferences page say, so it
never carries parameters, and therefore never a name or anything about a patient.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class UnknownKind(LookupError):
    pass


@dataclass(frozen=True)
class NotificationKind:
    code: str
    title: str  # a gettext_noop message id with %(name)s placeholders
    label: str | Promise  # generic, parameter-free: safe for e-mails
    email: bool = True  # default channels when the user has set no preference
    webhook: bool = True


KINDS: dict[str, NotificationKind] = {}


def register(kind: NotificationKind) -> NotificationKind:
    KINDS[kind.code] = kind
    return kind


def get_kind(code: str) -> NotificationKind:
    try:
        return KINDS[code]
    except KeyError:
        raise UnknownKind(code) from None


MESSAGE_RECEIVED = register(
    NotificationKind(
        "message.received",
        gettext_noop("New message from %(sender)s"),
        _("New message in a conversation"),
    )
)
TRANSMISSION_RECEIVED = register(
    NotificationKind(
        "transmission.received",
        gettext_noop("Transmission from %(sender)s to acknowledge"),
        _("Transmission to acknowledge"),
    )
)
TRANSMISSION_REMINDER = register(
    NotificationKind(
        "transmission.reminder",
        gettext_noop("Reminder: a transmission from %(sender)s awaits your acknowledgement"),
        _("Transmission still to acknowledge"),
    )
)
TRANSMISSION_ESCALATED = register(
    NotificationKind(
        "transmission.escalated",
        gettext_noop("A transmission from %(sender)s was not acknowledged by %(recipient)s"),
        _("Transmission not acknowledged in time"),
    )
)
TRANSMISSION_HAND_OVER_DUE = register(
    NotificationKind(
        "transmission.hand_over_due",
        gettext_noop("Record the hand-over of your transmission to %(recipient)s"),
        _("Transmission hand-over to record"),
    )
)
REFERRAL_UPDATED = register(
    NotificationKind(
        "referral.updated",
        gettext_noop("%(actor)s updated a referral you follow"),
        _("Referral update"),
    )
)
TASK_ASSIGNED = register(
    NotificationKind(
        "task.assigned",
        gettext_noop("%(actor)s assigned a task to you"),
        _("Task assigned to you"),
        webhook=False,
    )
)
