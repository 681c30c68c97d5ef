"""Pages of conversations: the list, one conversation (live), posting, attachment download."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcours.accounts.http import request_user
from parcours.accounts.models import User
from parcours.audit.models import AuditAction
from parcours.messaging import attachments, conversations
from parcours.messaging.conversation_actions import (
    InvalidMessage,
    conversation_create_direct,
    conversation_for_patient,
    conversation_mark_read,
    conversation_message_post,
    live_topic,
)
from parcours.messaging.conversations import ConversationAccess, ConversationNotFound
from parcours.messaging.models import Attachment


def _open(request: HttpRequest, pk: int, action: str = AuditAction.READ) -> ConversationAccess:
    try:
        return conversations.conversation_access(request_user(request), pk, action=action)
    except ConversationNotFound:
        raise Http404(_("This conversation does not exist.")) from None


def _title(access: ConversationAccess) -> str:
    conversation = access.conversation
    if conversation.patient is not None:
        return conversation.patient.display_name
    return conversation.subject or _("Conversation between professionals")


def _context(access: ConversationAccess, **extra: object) -> dict[str, object]:
    people = conversations.participants(access.conversation)
    return {
        "conversation": access.conversation,
        "title": _title(access),
        "patient": access.conversation.patient,
        "access": access.patient_access,
        "messages_page": conversations.messages_page(access),
        "last_read": conversations.last_read_id(access),
        "participants": people,
        "mentionable": [p for p in people if p.pk != access.user.pk],
        "live_topic": live_topic(access.conversation.pk),
        "max_bytes": settings.ATTACHMENT_MAX_BYTES,
        # A double click or a resent form posts once: the key is UNIQUE per author.
        "client_key": uuid.uuid4().hex,
        **extra,
    }


@login_required
def conversation_list(request: HttpRequest) -> HttpResponse:
    rows = conversations.conversation_list(request_user(request))
    template = "messaging/conversations/list.html"
    if request.headers.get("HX-Request"):
        template = "messaging/conversations/_list.html"
    return render(request, template, {"conversations": rows})


@login_required
def patient_conversation(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The patient page's "Conversation" link: open (creating on first use) and go there."""
    try:
        access, conversation = conversations.patient_conversation_access(
            request_user(request), patient_id
        )
    except ConversationNotFound:
        raise Http404(_("This conversation does not exist.")) from None
    if conversation is None:
        conversation = conversation_for_patient(access=access)
        # The patient access above is the audited read; this one opens the new row.
    return redirect("conversations:detail", pk=conversation.pk)


@login_required
def conversation_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    error = ""
    if request.method == "POST":
        names = request.POST.get("usernames", "").replace(",", " ").split()
        others = list(User.objects.filter(username__in=names[:50], is_active=True))
        unknown = sorted(set(names) - {u.username for u in others})
        if unknown:
            error = _("Unknown user names: %(names)s") % {"names": ", ".join(unknown)}
        else:
            try:
                conversation = conversation_create_direct(
                    user=user, others=others, subject=request.POST.get("subject", "")
                )
            except InvalidMessage as exc:
                error = str(exc)
            else:
                return redirect("conversations:detail", pk=conversation.pk)
    return render(
        request, "messaging/conversations/new.html", {"error": error, "form_data": request.POST}
    )


@login_required
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = _open(request, pk)
    context = _context(access)
    conversation_mark_read(access=access)
    return render(request, "messaging/conversations/detail.html", context)


@login_required
def conversation_messages(request: HttpRequest, pk: int) -> HttpResponse:
    """The message list, refreshed on each live event of the conversation (htmx)."""
    access = _open(request, pk)
    context = _context(access)
    conversation_mark_read(access=access)
    return render(request, "messaging/conversations/_messages.html", context)


@login_required
@require_POST
def conversation_post(request: HttpRequest, pk: int) -> HttpResponse:
    access = _open(request, pk, action=AuditAction.CREATE)
    error = ""
    mention_ids = [int(v) for v in request.POST.getlist("mention") if v.isdigit()]
    try:
        conversation_message_post(
            access=access,
            body=request.POST.get("body", ""),
            files=request.FILES.getlist("files"),
            mention_ids=mention_ids,
            client_key=request.POST.get("client_key") or None,
        )
    except (InvalidMessage, attachments.AttachmentRefused) as exc:
        error = str(exc)
    if request.headers.get("HX-Request"):
        context = _context(
            access, oob=True, error=error, body=request.POST.get("body", "") if error else ""
        )
        return render(request, "messaging/conversations/_composer.html", context)
    if error:
        messages.error(request, error)
    return redirect("conversations:detail", pk=pk)


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = Attachment.objects.select_related("message").filter(pk=pk).first()
    if attachment is None:
        raise Http404(_("This file does not exist."))
    _open(request, attachment.message.conversation_id)
    path = attachments.path_of(attachment.stored_name)
    if not path.exists():
        raise Http404(_("This file does not exist."))
    response = FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
