"""Live updates to open pages over WebSocket.

Each logged-in page joins the group of its user; areas publish small events ("worklist
changed", "new message") with `publish_to_users`, and the page refreshes the part concerned.
Across several servers the channel layer is Redis (PARCOURS_REDIS_URL).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def publish_to_users(user_ids: Iterable[int], event: dict[str, Any]) -> None:
    """Send `event` to every open page of these users. Call it from `transaction.on_commit`."""
    layer = get_channel_layer()
    if layer is None:
        return
    send = async_to_sync(layer.group_send)
    for user_id in set(user_ids):
        send(user_group(user_id), {"type": "live.event", "event": event})


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accept then close, so the page sees code 4401 and stops reconnecting.
            await self.accept()
            await self.close(code=4401)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def live_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])
