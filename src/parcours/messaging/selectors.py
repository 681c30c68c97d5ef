"""Reads of notifications: a user's inbox, effective preferences, the endpoints concerned."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from parcours.accounts.models import User
from parcours.messaging.kinds import KINDS, NotificationKind, get_kind
from parcours.messaging.models import Notification, NotificationPreference, WebhookEndpoint


@dataclass(frozen=True)
class EffectivePreference:
    kind: NotificationKind
    in_app: bool
    email: bool
    webhook: bool
    email_daily_digest: bool


def preference_for(user: User, kind_code: str) -> EffectivePreference:
    kind = get_kind(kind_code)
    row = NotificationPreference.objects.filter(user=user, kind=kind_code).first()
    if row is None:
        return EffectivePreference(kind, True, kind.email, kind.webhook, False)
    return EffectivePreference(kind, row.in_app, row.email, row.webhook, row.email_daily_digest)


def preferences_of(user: User) -> list[EffectivePreference]:
    rows = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    result = []
    for code, kind in sorted(KINDS.items()):
        row = rows.get(code)
        if row is None:
            result.append(EffectivePreference(kind, True, kind.email, kind.webhook, False))
        else:
            result.append(
                EffectivePreference(
                    kind, row.in_app, row.email, row.webhook, row.email_daily_digest
                )
            )
    return result


def inbox(user: User) -> QuerySet[Notification]:
    """The user's notifications shown in Parcours: unread first, newest first."""
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return (
        Notification.objects.filter(recipient=user, shown_in_app=True)
        .annotate(unread=unread)
        .order_by("-unread", "-created_at", "-pk")
    )


def unread_count(user: User) -> int:
    return Notification.objects.filter(
        recipient=user, shown_in_app=True, read_at__isnull=True
    ).count()


def endpoints_for(user: User, kind_code: str) -> list[WebhookEndpoint]:
    """Active endpoints of the organisations where the user has an active membership."""
    organisations = user.memberships.filter(active=True).values("organisation_id")
    endpoints = WebhookEndpoint.objects.filter(active=True, organisation_id__in=organisations)
    return [endpoint for endpoint in endpoints.order_by("pk") if endpoint.accepts(kind_code)]
