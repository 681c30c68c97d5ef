"""JSON API of the authenticated user's notifications: list them, mark them read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from parcours.accounts.models import User
from parcours.audit.models import AuditAction
from parcours.messaging import actions, selectors
from parcours.messaging.conversation_actions import (
    InvalidMessage,
    conversation_mark_read,
    conversation_message_post,
)
from parcours.messaging.conversations import (
    ConversationNotFound,
    conversation_access,
    conversation_list,
    messages_page,
)

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


# --- Conversations -------------------------------------------------------------------------

conversations_router = Router(tags=["conversations"])


class ConversationOut(Schema):
    id: int
    kind: str
    patient_id: int | None
    title: str
    last_message_at: datetime | None
    unread: int


class AttachmentOut(Schema):
    id: int
    filename: str
    size: int
    url: str


class MessageOut(Schema):
    id: int
    author: str
    author_name: str
    body: str
    created_at: datetime
    mentions: list[str]
    attachments: list[AttachmentOut]


class MessagePageOut(Schema):
    items: list[MessageOut]
    next_before: int | None


class MessageIn(Schema):
    body: str
    mentions: list[str] = []
    client_key: str | None = None


def _conversation(
    request: HttpRequest, conversation_id: int, action: str = AuditAction.READ
) -> Any:
    try:
        return conversation_access(request.auth, conversation_id, action=action)  # type: ignore[attr-defined]
    except ConversationNotFound:
        raise HttpError(404, gettext("This conversation does not exist.")) from None


def _message_out(message: Any) -> MessageOut:
    return MessageOut(
        id=message.pk,
        author=message.author.username,
        author_name=message.author.get_full_name() or message.author.username,
        body=message.body,
        created_at=message.created_at,
        mentions=[user.username for user in message.mentions.all()],
        attachments=[
            AttachmentOut(
                id=a.pk,
                filename=a.filename,
                size=a.size,
                url=reverse("conversations:attachment", args=[a.pk]),
            )
            for a in message.attachments.all()
        ],
    )


@conversations_router.get("/", response=list[ConversationOut], summary="My conversations")
def list_conversations(request: HttpRequest, limit: int = 50) -> list[ConversationOut]:
    user: User = request.auth  # type: ignore[attr-defined]
    return [
        ConversationOut(
            id=c.pk,
            kind=c.kind,
            patient_id=c.patient_id,
            title=c.patient.display_name if c.patient else c.subject,
            last_message_at=c.last_message_at,
            unread=c.unread,  # type: ignore[attr-defined]
        )
        for c in conversation_list(user, limit=max(1, min(limit, 100)))
    ]


@conversations_router.get(
    "/{conversation_id}/messages",
    response=MessagePageOut,
    summary="Messages of a conversation, newest page first; page back with `before`",
)
def list_messages(
    request: HttpRequest, conversation_id: int, before: int | None = None, limit: int = 50
) -> MessagePageOut:
    access = _conversation(request, conversation_id)
    page = messages_page(access, before=before, limit=max(1, min(limit, 200)))
    if before is None:
        conversation_mark_read(access=access)
    more = bool(page) and access.conversation.messages.filter(pk__lt=page[0].pk).exists()
    return MessagePageOut(
        items=[_message_out(m) for m in page], next_before=page[0].pk if more else None
    )


@conversations_router.post(
    "/{conversation_id}/messages",
    response={201: MessageOut, 422: dict[str, str]},
    summary="Post a message (text; attachments through the page)",
)
def post_message(request: HttpRequest, conversation_id: int, body: MessageIn) -> Any:
    access = _conversation(request, conversation_id, action=AuditAction.CREATE)
    mention_ids = list(User.objects.filter(username__in=body.mentions).values_list("pk", flat=True))
    try:
        message = conversation_message_post(
            access=access, body=body.body, mention_ids=mention_ids, client_key=body.client_key
        )
    except InvalidMessage as exc:
        return Status(422, {"detail": str(exc)})
    return Status(201, _message_out(message))
