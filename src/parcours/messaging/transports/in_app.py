"""In Parcours: the notification row is already on the user's list; tell their open pages.

Publishing twice only refreshes a list twice, so a repeated delivery is harmless.
"""

from __future__ import annotations

from datetime import datetime

from parcours.live import publish_to_users
from parcours.messaging.models import OutboxMessage

LIVE_TOPIC = "notifications"


def deliver(message: OutboxMessage, now: datetime) -> None:
    publish_to_users(
        [message.recipient_id], {"topic": LIVE_TOPIC, "notification": message.notification_id}
    )
