"""Writes of notifications. Other areas call `notification_create` inside their own transaction.

The notification and its outbox rows commit with the change that caused them, or not at all;
nothing is sent from here: `parcours worker` delivers the rows (see delivery.py).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from parcours.accounts.models import User
from parcours.directory.models import Organisation
from parcours.live import publish_to_users
from parcours.messaging.kinds import NotificationKind, get_kind
from parcours.messaging.models import (
    Channel,
    Notification,
    NotificationPreference,
    OutboxMessage,
    OutboxStatus,
    WebhookEndpoint,
)
from parcours.messaging.selectors import endpoints_for_users, preferences_for

LIVE_TOPIC = "notifications"


class InvalidNotification(ValueError):
    pass


def _check(kind_title: str, params: dict[str, Any], link: str) -> None:
    try:
        kind_title % params
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidNotification(f"parameters do not fit the title: {exc}") from None
    if link and (not link.startswith("/") or link.startswith("//")):
        raise InvalidNotification("the link must be a path inside Parcours")


def notification_create(
    *,
    recipient: User,
    kind: str,
    params: dict[str, Any],
    link: str,
    patient_id: int | None = None,
    key: str | None = None,
) -> Notification:
    """Write a notification and one outbox row per channel the recipient wants, atomically.

    Call it inside the transaction of the change. `key` makes it idempotent: the same key twice
    returns the first notification and writes nothing (a UNIQUE column, no time window).
    The one-recipient case of `notifications_create`.
    """
    return notifications_create(
        recipients=[recipient],
        kind=kind,
        params=params,
        link=link,
        patient_id=patient_id,
        keys=[key] if key else None,
    )[0]


# Retries of the bulk insert when a concurrent twin (same key) committed in between.
MAX_KEY_CONFLICTS = 3


def notifications_create(
    *,
    recipients: Sequence[User],
    kind: str,
    params: dict[str, Any],
    link: str,
    patient_id: int | None = None,
    keys: Sequence[str] | None = None,
) -> list[Notification]:
    """`notification_create` for many recipients in a constant number of queries.

    The same notification (kind, title parameters, link, patient) for each recipient, with
    `keys[i]` the idempotency key of `recipients[i]` (default: a fresh one each). Returns the
    notifications in the order of `recipients`; a key already used gives its first notification
    and writes nothing. Preferences, webhook endpoints and existing keys are read once for all
    recipients; notifications and outbox rows are written with two bulk inserts, inside the
    caller's transaction. Nothing is published here: the outbox relay tells the recipients'
    open pages when it delivers the in-app rows, and callers publish their own live event once
    for all recipients on commit.
    """
    kind_def = get_kind(kind)
    _check(kind_def.title, params, link)
    people = list(recipients)
    if keys is None:
        wanted = [f"n-{uuid.uuid4().hex}" for _person in people]
    else:
        wanted = list(keys)
        if len(wanted) != len(people) or not all(wanted):
            raise InvalidNotification("one non-empty key per recipient")
    if not people:
        return []
    with transaction.atomic():
        for _attempt in range(MAX_KEY_CONFLICTS):
            by_key = {n.key: n for n in Notification.objects.filter(key__in=set(wanted))}
            try:
                with transaction.atomic():
                    by_key.update(
                        _write_new(people, wanted, by_key, kind_def, params, link, patient_id)
                    )
                break
            except IntegrityError:
                # A concurrent twin with one of these keys committed first: read it and retry
                # the others (a conflict that reading does not explain is raised again).
                if (
                    not Notification.objects.filter(key__in=set(wanted))
                    .exclude(key__in=list(by_key))
                    .exists()
                ):
                    raise
        else:
            raise IntegrityError("notification keys kept conflicting")
    return [by_key[key] for key in wanted]


def _write_new(
    people: list[User],
    wanted: list[str],
    existing: dict[str, Notification],
    kind_def: NotificationKind,
    params: dict[str, Any],
    link: str,
    patient_id: int | None,
) -> dict[str, Notification]:
    todo: dict[str, User] = {}
    for person, key in zip(people, wanted, strict=True):
        if key not in existing and key not in todo:
            todo[key] = person
    if not todo:
        return {}
    user_ids = {person.pk for person in todo.values()}
    preferences = preferences_for(user_ids, kind_def.code)
    webhook_users = [pk for pk in user_ids if preferences[pk].webhook]
    endpoints = endpoints_for_users(webhook_users, kind_def.code) if webhook_users else {}
    now = timezone.now()
    created = Notification.objects.bulk_create(
        [
            Notification(
                recipient=person,
                kind=kind_def.code,
                title_key=kind_def.title,
                params=params,
                link=link,
                patient_id=patient_id,
                key=key,
                shown_in_app=preferences[person.pk].in_app,
                created_at=now,
            )
            for key, person in todo.items()
        ]
    )
    rows = []
    for notification, person in zip(created, todo.values(), strict=True):
        key = notification.key
        preference = preferences[person.pk]
        if preference.in_app:
            rows.append(_row(notification, Channel.IN_APP, f"{key}:in_app"))
        if preference.email and not preference.email_daily_digest and person.email:
            rows.append(_row(notification, Channel.EMAIL, f"{key}:email"))
        if preference.webhook:
            for endpoint in endpoints[person.pk]:
                row = _row(notification, Channel.WEBHOOK, f"{key}:webhook:{endpoint.pk}")
                row.endpoint = endpoint
                rows.append(row)
    OutboxMessage.objects.bulk_create(rows)
    return {notification.key: notification for notification in created}


def _row(notification: Notification, channel: str, key: str) -> OutboxMessage:
    return OutboxMessage(
        notification=notification,
        recipient_id=notification.recipient_id,
        channel=channel,
        idempotency_key=key,
        next_attempt_at=notification.created_at,
    )


def notification_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when no ids are given)."""
    with transaction.atomic():
        unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
        if notification_ids is not None:
            unread = unread.filter(pk__in=list(notification_ids))
        count = unread.update(read_at=timezone.now())
        if count:
            transaction.on_commit(
                lambda: publish_to_users([user.pk], {"topic": LIVE_TOPIC, "read": count})
            )
    return count


def notification_preference_set(
    *,
    user: User,
    kind: str,
    in_app: bool,
    email: bool,
    webhook: bool,
    email_daily_digest: bool,
) -> NotificationPreference:
    get_kind(kind)
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.update_or_create(
            user=user,
            kind=kind,
            defaults={
                "in_app": in_app,
                "email": email,
                "webhook": webhook,
                "email_daily_digest": email_daily_digest,
            },
        )
    return preference


def webhook_endpoint_register(
    *, organisation: Organisation, url: str, kinds: Iterable[str] = ()
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its signing secret (give it to the receiver once)."""
    codes = sorted(set(kinds))
    for code in codes:
        get_kind(code)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            organisation=organisation, url=url, secret=secret, kinds=codes
        )
    return endpoint, secret


def webhook_endpoint_deactivate(*, endpoint: WebhookEndpoint) -> None:
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)


def outbox_requeue_dead() -> int:
    """Give every dead row a fresh set of attempts (after fixing the cause); history stays."""
    with transaction.atomic():
        return OutboxMessage.objects.filter(status=OutboxStatus.DEAD).update(
            status=OutboxStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
        )


def digest_build(*, now: datetime | None = None) -> int:
    """Write one digest e-mail row per user with unread notifications they asked to get daily.

    Idempotent per user and local day (the row's key), so running it twice a day is harmless.
    Returns the number of digest rows written.
    """
    now = now or timezone.now()
    day = timezone.localdate(now).isoformat()
    preferences = NotificationPreference.objects.filter(email_daily_digest=True, email=True)
    kinds_by_user: dict[int, set[str]] = {}
    for user_id, kind in preferences.values_list("user_id", "kind"):
        kinds_by_user.setdefault(user_id, set()).add(kind)
    written = 0
    for user_id, kinds in sorted(kinds_by_user.items()):
        key = f"digest:{user_id}:{day}"
        try:
            written += _digest_for(user_id, kinds, key, now)
        except IntegrityError:
            continue  # another worker wrote this user's digest of the day first
    return written


def _digest_for(user_id: int, kinds: set[str], key: str, now: datetime) -> int:
    with transaction.atomic():
        user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
        if user is None or OutboxMessage.objects.filter(idempotency_key=key).exists():
            return 0
        waiting = Notification.objects.filter(
            recipient=user,
            kind__in=kinds,
            read_at__isnull=True,
            digested_at__isnull=True,
            created_at__lte=now,
        )
        ids = list(waiting.order_by("created_at", "pk").values_list("pk", flat=True))
        if not ids:
            return 0
        OutboxMessage.objects.create(
            recipient=user,
            channel=Channel.EMAIL,
            idempotency_key=key,
            payload={"notifications": ids},
            next_attempt_at=now,
        )
        Notification.objects.filter(pk__in=ids).update(digested_at=now)
    return 1
