"""Reads of notifications: a user's inbox, effective preferences, the endpoints concerned."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet

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
    return preferences_for([user.pk], kind_code)[user.pk]


def preferences_for(user_ids: Iterable[int], kind_code: str) -> dict[int, EffectivePreference]:
    """Each user's effective preference for one kind, in one query whatever the number of users."""
    kind = get_kind(kind_code)
    ids = set(user_ids)
    rows = {
        row.user_id: row
        for row in NotificationPreference.objects.filter(user_id__in=ids, kind=kind_code)
    }
    result = {}
    for user_id in ids:
        row = rows.get(user_id)
        if row is None:
            result[user_id] = EffectivePreference(kind, True, kind.email, kind.webhook, False)
        else:
            result[user_id] = EffectivePreference(
                kind, row.in_app, row.email, row.webhook, row.email_daily_digest
            )
    return result


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
    return endpoints_for_users([user.pk], kind_code)[user.pk]


def endpoints_for_users(
    user_ids: Iterable[int], kind_code: str
) -> dict[int, list[WebhookEndpoint]]:
    """`endpoints_for` of several users in one query, by user id."""
    ids = set(user_ids)
    result: dict[int, list[WebhookEndpoint]] = {user_id: [] for user_id in ids}
    if not ids:
        return result
    rows = (
        WebhookEndpoint.objects.filter(
            active=True,
            organisation__memberships__user_id__in=ids,
            organisation__memberships__active=True,
        )
        .annotate(member_id=F("organisation__memberships__user_id"))
        .order_by("pk")
    )
    for endpoint in rows:
        found = result[endpoint.member_id]
        if endpoint.accepts(kind_code) and all(e.pk != endpoint.pk for e in found):
            found.append(endpoint)
    return result
