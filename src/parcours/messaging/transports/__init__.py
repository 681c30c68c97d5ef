"""One module per channel. Each `deliver(message, now)` returns when the recipient accepted the
message and raises `DeliveryError` otherwise (`PermanentFailure` when retrying cannot help)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from parcours.messaging.models import Channel, OutboxMessage


class DeliveryError(Exception):
    pass


class PermanentFailure(DeliveryError):
    pass


Transport = Callable[[OutboxMessage, datetime], None]


def transport_for(channel: str) -> Transport:
    from parcours.messaging.transports import email, in_app, webhook

    transports: dict[str, Transport] = {
        Channel.IN_APP: in_app.deliver,
        Channel.EMAIL: email.deliver,
        Channel.WEBHOOK: webhook.deliver,
    }
    return transports[channel]
