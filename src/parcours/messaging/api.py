"""JSON API of the authenticated user's notifications: list them, mark them read."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from parcours.accounts.models import User
from parcours.messaging import actions, selectors

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    link: str
    created_at: datetime
    read_at: datetime | None


class NotificationListOut(Schema):
    unread: int
    items: list[NotificationOut]


class MarkReadIn(Schema):
    ids: list[int] | None = None


class MarkReadOut(Schema):
    marked: int


@router.get("/", response=NotificationListOut, summary="My notifications, unread first")
def list_notifications(request: HttpRequest, limit: int = 50) -> NotificationListOut:
    user: User = request.auth  # type: ignore[attr-defined]
    limit = max(1, min(limit, 100))
    items = [
        NotificationOut(
            id=n.pk,
            kind=n.kind,
            title=n.title(),
            link=n.link,
            created_at=n.created_at,
            read_at=n.read_at,
        )
        for n in selectors.inbox(user)[:limit]
    ]
    return NotificationListOut(unread=selectors.unread_count(user), items=items)


@router.post("/read", response=MarkReadOut, summary="Mark notifications read (all when no ids)")
def mark_read(request: HttpRequest, body: MarkReadIn) -> MarkReadOut:
    user: User = request.auth  # type: ignore[attr-defined]
    return MarkReadOut(marked=actions.notification_mark_read(user=user, notification_ids=body.ids))
