"""Writes of notifications. Other areas call `notification_create` inside their own transaction.

The notification and its outbox rows commit with the change that caused them, or not at all;
nothing is sent from here: `parcours worker` delivers the rows (see delivery.py).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from parcours.accounts.models import User
from parcours.directory.models import Organisation
from parcours.live import publish_to_users
from parcours.messaging.kinds import get_kind
from parcours.messaging.models import (
    Channel,
    Notification,
    NotificationPreference,
    OutboxMessage,
    OutboxStatus,
    WebhookEndpoint,
)
from parcours.messaging.selectors import endpoints_for, preference_for

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
    """
    kind_def = get_kind(kind)
    _check(kind_def.title, params, link)
    key = key or f"n-{uuid.uuid4().hex}"
    with transaction.atomic():
        existing = Notification.objects.filter(key=key).first()
        if existing is not None:
            return existing
        preference = preference_for(recipient, kind)
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=recipient,
                    kind=kind,
                    title_key=kind_def.title,
                    params=params,
                    link=link,
                    patient_id=patient_id,
                    key=key,
                    shown_in_app=preference.in_app,
                )
        except IntegrityError:
            # A concurrent twin with the same key committed first.
            return Notification.objects.get(key=key)
        rows = []
        if preference.in_app:
            rows.append(_row(notification, Channel.IN_APP, f"{key}:in_app"))
        if preference.email and not preference.email_daily_digest and recipient.email:
            rows.append(_row(notification, Channel.EMAIL, f"{key}:email"))
        if preference.webhook:
            for endpoint in endpoints_for(recipient, kind):
                row = _row(notification, Channel.WEBHOOK, f"{key}:webhook:{endpoint.pk}")
                row.endpoint = endpoint
                rows.append(row)
        OutboxMessage.objects.bulk_create(rows)
    return notification


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
