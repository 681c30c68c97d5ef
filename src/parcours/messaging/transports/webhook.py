"""Webhook: a signed JSON POST to the organisation's endpoint (contract: docs/notifications.md).

Headers: X-Parcours-Delivery (the idempotency key, stable across retries: receivers dedupe on
it), X-Parcours-Timestamp (Unix seconds) and X-Parcours-Signature: sha256=<hex HMAC-SHA256 of
"<timestamp>.<body>" with the endpoint's secret>. Any 2xx is success; anything else is retried.
The body names the kind and links to Parcours; it never carries the title's parameters or the
patient: the receiver fetches details through the API with its own, access-checked token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from django.urls import reverse

from parcours.messaging.models import OutboxMessage
from parcours.messaging.transports import DeliveryError, PermanentFailure
from parcours.messaging.transports.email import absolute

TIMEOUT_SECONDS = 10


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def payload(message: OutboxMessage) -> dict[str, Any]:
    notification = message.notification
    assert notification is not None
    return {
        "delivery": message.idempotency_key,
        "type": "notification",
        "kind": notification.kind,
        "notification": notification.pk,
        "recipient": message.recipient.username,
        "created_at": notification.created_at.isoformat(),
        "url": absolute(reverse("messaging:open", args=[notification.pk])),
    }


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def deliver(message: OutboxMessage, now: datetime) -> None:
    endpoint = message.endpoint
    if endpoint is None or not endpoint.active:
        raise PermanentFailure("the webhook endpoint is gone or inactive")
    if urlparse(endpoint.url).scheme not in {"http", "https"}:
        raise PermanentFailure("the webhook URL is not http(s)")
    body = json.dumps(payload(message), separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(now.timestamp()))
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Parcours-Webhook/1",
            "X-Parcours-Delivery": message.idempotency_key,
            "X-Parcours-Timestamp": timestamp,
            "X-Parcours-Signature": sign(endpoint.secret, timestamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}") from None
    except OSError as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status}")
