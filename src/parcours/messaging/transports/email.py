"""E-mail: says that something is waiting in Parcours, in the recipient's language, with a link.

Never the title's parameters, the patient or anything about their health: only the kind's generic
label. The Message-ID derives from the outbox row's idempotency key, so a message re-sent after a
crash (SMTP accepted it, the worker died before recording it) is recognisable as the same one.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from parcours.messaging.kinds import KINDS
from parcours.messaging.models import Notification, OutboxMessage
from parcours.messaging.transports import DeliveryError, PermanentFailure

SMTP_TIMEOUT_SECONDS = 20


def message_id(idempotency_key: str) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "parcours.invalid"
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<notification.{digest}@{domain}>"


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def render(message: OutboxMessage) -> tuple[str, str]:
    """Subject and body in the recipient's language."""
    recipient = message.recipient
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        context: dict[str, object] = {
            "recipient": recipient,
            "inbox_url": absolute(reverse("messaging:notifications")),
            "preferences_url": absolute(reverse("messaging:preferences")),
        }
        if message.notification_id is None:
            ids = message.payload.get("notifications", [])
            kinds = Counter(Notification.objects.filter(pk__in=ids).values_list("kind", flat=True))
            context["lines"] = [
                (count, str(KINDS[code].label) if code in KINDS else code)
                for code, count in sorted(kinds.items())
            ]
            context["total"] = sum(kinds.values())
            template = "messaging/email/digest"
        else:
            notification = message.notification
            assert notification is not None
            context["label"] = notification.label()
            context["open_url"] = absolute(reverse("messaging:open", args=[notification.pk]))
            template = "messaging/email/notification"
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    return subject, body


def deliver(message: OutboxMessage, now: datetime) -> None:
    address = message.recipient.email
    if not address:
        raise PermanentFailure("the recipient has no e-mail address")
    subject, body = render(message)
    connection = get_connection(fail_silently=False, timeout=SMTP_TIMEOUT_SECONDS)
    email = EmailMultiAlternatives(
        subject=subject,
        body=body,
        to=[address],
        headers={"Message-ID": message_id(message.idempotency_key)},
        connection=connection,
    )
    try:
        sent = email.send()
    except OSError as exc:  # smtplib errors are OSErrors, so are refused connections
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
    if sent != 1:
        raise DeliveryError("the e-mail backend did not accept the message")
