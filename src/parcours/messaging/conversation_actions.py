"""Writes of conversations: open one, post a message (attachments, mentions), mark read.

The message, its attachment rows, mentions and notifications commit together; the live event
to the participants' open pages is sent on commit (parcours.live).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.accounts.models import User
from parcours.audit.actions import audit_record
from parcours.audit.models import AuditAction, AuditOutcome
from parcours.live import publish_to_users
from parcours.messaging import attachments
from parcours.messaging.actions import notification_mark_read, notifications_create
from parcours.messaging.conversations import ConversationAccess, participants
from parcours.messaging.kinds import MESSAGE_MENTION, MESSAGE_RECEIVED
from parcours.messaging.models import (
    Attachment,
    Conversation,
    ConversationKind,
    ConversationMember,
    ConversationMessage,
    ConversationReadState,
    Notification,
)
from parcours.patients.access import PatientAccess

MAX_BODY = 10_000
MAX_DIRECT_MEMBERS = 50
MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")


class InvalidMessage(ValueError):
    """A message that cannot be posted; the text is translated for the sender."""


def live_topic(conversation_id: int) -> str:
    return f"conversation-{conversation_id}"


def conversation_for_patient(*, access: PatientAccess) -> Conversation:
    """The patient's conversation, created on first use (one per patient)."""
    existing = Conversation.objects.filter(patient=access.patient).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Conversation.objects.create(
                kind=ConversationKind.PATIENT, patient=access.patient, created_by=access.user
            )
    except IntegrityError:
        return Conversation.objects.get(patient=access.patient)


@transaction.atomic
def conversation_create_direct(
    *, user: User, others: Iterable[User], subject: str = ""
) -> Conversation:
    """A conversation between `user` and other professionals (no patient)."""
    people = {u.pk: u for u in others if u.is_active and u.pk != user.pk}
    if not people:
        raise InvalidMessage(_("Choose at least one other professional."))
    if len(people) + 1 > MAX_DIRECT_MEMBERS:
        raise InvalidMessage(
            _("A conversation has at most %(count)d participants.") % {"count": MAX_DIRECT_MEMBERS}
        )
    conversation = Conversation.objects.create(
        kind=ConversationKind.DIRECT, subject=subject.strip()[:200], created_by=user
    )
    ConversationMember.objects.bulk_create(
        [ConversationMember(conversation=conversation, user=u) for u in [user, *people.values()]]
    )
    return conversation


def _mentioned(body: str, explicit: Iterable[int], people: list[User]) -> list[User]:
    names = {name.lower().rstrip(".") for name in MENTION.findall(body)}
    wanted = set(explicit)
    return [p for p in people if p.username.lower() in names or p.pk in wanted]


def conversation_message_post(
    *,
    access: ConversationAccess,
    body: str,
    files: Iterable[UploadedFile] = (),
    mention_ids: Iterable[int] = (),
    client_key: str | None = None,
) -> ConversationMessage:
    """Post a message. Files are checked before anything is written (AttachmentRefused);
    mentioned participants get `message.mention`, the others `message.received`."""
    body = (body or "").strip()
    uploads = list(files)
    if len(body) > MAX_BODY:
        raise InvalidMessage(_("A message has at most %(count)d characters.") % {"count": MAX_BODY})
    if not body and not uploads:
        raise InvalidMessage(_("Write a message or attach a file."))
    checked = attachments.check_uploads(uploads)
    client_key = (client_key or "").strip()[:64] or None
    if client_key:
        earlier = ConversationMessage.objects.filter(
            author=access.user, client_key=client_key
        ).first()
        if earlier is not None:
            return earlier
    conversation = access.conversation
    people = participants(conversation)
    if access.user.pk not in {p.pk for p in people}:
        people.append(access.user)
    stored: list[str] = []
    try:
        with transaction.atomic():
            message = _write(access, body, client_key, checked, stored, people, mention_ids)
    except BaseException:
        attachments.discard(stored)
        raise
    return message


def _write(
    access: ConversationAccess,
    body: str,
    client_key: str | None,
    checked: list[attachments.CheckedFile],
    stored: list[str],
    people: list[User],
    mention_ids: Iterable[int],
) -> ConversationMessage:
    conversation = access.conversation
    user = access.user
    now = timezone.now()
    message = ConversationMessage.objects.create(
        conversation=conversation, author=user, body=body, created_at=now, client_key=client_key
    )
    for item in checked:
        stored_name = attachments.store(item)
        stored.append(stored_name)
        Attachment.objects.create(
            message=message,
            filename=item.filename,
            content_type=item.content_type,
            size=len(item.content),
            sha256=item.sha256,
            stored_name=stored_name,
        )
    others = [p for p in people if p.pk != user.pk]
    mentioned = _mentioned(body, mention_ids, others)
    if mentioned:
        message.mentions.set(mentioned)
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
    ConversationReadState.objects.update_or_create(
        conversation=conversation,
        user=user,
        defaults={"last_read_message": message, "updated_at": now},
    )
    mentioned_ids = {m.pk for m in mentioned}
    link = reverse("conversations:detail", args=[conversation.pk])
    sender = user.get_full_name() or user.username
    # One unread "new message" per conversation and reader: a lively conversation does not
    # bury the inbox (nor cost five writes per reader per message). Mentions always notify.
    already_told = set(
        Notification.objects.filter(
            recipient__in=[p.pk for p in others],
            kind=MESSAGE_RECEIVED.code,
            link=link,
            read_at__isnull=True,
        ).values_list("recipient_id", flat=True)
    )
    mention_readers = [p for p in others if p.pk in mentioned_ids]
    new_readers = [p for p in others if p.pk not in mentioned_ids and p.pk not in already_told]
    for kind, readers in ((MESSAGE_MENTION, mention_readers), (MESSAGE_RECEIVED, new_readers)):
        if readers:
            notifications_create(
                recipients=readers,
                kind=kind.code,
                params={"sender": sender},
                link=link,
                patient_id=conversation.patient_id,
                keys=[f"conversation-message-{message.pk}-{p.pk}" for p in readers],
            )
    if access.patient_access is not None:
        audit_record(
            actor=access.patient_access.actor,
            action=AuditAction.CREATE,
            what="conversation-message",
            outcome=AuditOutcome.SUCCESS,
            patient_id=conversation.patient_id,
            purpose=access.patient_access.purpose,
            detail={"conversation": conversation.pk, "message": message.pk, "files": len(stored)},
        )
    event = {
        "topic": live_topic(conversation.pk),
        "topics": [live_topic(conversation.pk), "conversations", "notifications"],
        "kind": "message.created",
        "conversation": conversation.pk,
        "message": message.pk,
    }
    user_ids = [p.pk for p in people]
    transaction.on_commit(lambda: publish_to_users(user_ids, event))
    return message


def conversation_mark_read(*, access: ConversationAccess, up_to: int | None = None) -> int:
    """Move the user's read mark forward to message `up_to` (default: the latest). Returns it."""
    messages = ConversationMessage.objects.filter(conversation=access.conversation)
    if up_to is not None:
        messages = messages.filter(pk__lte=up_to)
    latest = messages.aggregate(latest=Max("pk"))["latest"]
    if latest is None:
        return 0
    if up_to is None:
        link = reverse("conversations:detail", args=[access.conversation.pk])
        told = Notification.objects.filter(
            recipient=access.user,
            kind__in=[MESSAGE_RECEIVED.code, MESSAGE_MENTION.code],
            link=link,
            read_at__isnull=True,
        ).values_list("pk", flat=True)
        if told:
            notification_mark_read(user=access.user, notification_ids=list(told))
    with transaction.atomic():
        state, _created = ConversationReadState.objects.select_for_update().get_or_create(
            conversation=access.conversation, user=access.user
        )
        if (state.last_read_message_id or 0) < latest:
            state.last_read_message_id = latest
            state.updated_at = timezone.now()
            state.save(update_fields=["last_read_message", "updated_at"])
        return int(state.last_read_message_id or 0)
