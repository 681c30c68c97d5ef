"""In Parcours: the notification row is already on the user's list; tell their open pages.

Publishing twice only refreshes a list twice, so a repeated delivery is harmless.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime
from typing import Any

from parcours.live import publish_to_users
from parcours.messaging.models import OutboxMessage

LIVE_TOPIC = "notifications"


def _publish(user_ids: list[int], event: dict[str, Any]) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        publish_to_users(user_ids, event)
        return
    # An event loop runs in this thread (an async caller, or a browser driver in the tests):
    # async_to_sync refuses to block it, so publish from a short-lived thread instead.
    failures: list[BaseException] = []

    def publish() -> None:
        try:
            publish_to_users(user_ids, event)
        except Exception as exc:
            failures.append(exc)

    thread = threading.Thread(target=publish, name="parcours-live-publish")
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


def deliver(message: OutboxMessage, now: datetime) -> None:
    _publish([message.recipient_id], {"topic": LIVE_TOPIC, "notification": message.notification_id})
