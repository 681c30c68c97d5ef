"""The WebSocket process's internal publish endpoint, through its ASGI app (in-memory layer):
who may hand it events and what it does with a signed batch (docs/decisions/0006)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from asgiref.testing import ApplicationCommunicator
from channels.layers import get_channel_layer

from parcours.live import PUBLISH_PATH, SIGNATURE_HEADER, publish_endpoint, sign, user_group


def batch(**overrides: Any) -> bytes:
    data = {"at": int(time.time()), "messages": [{"group": "user-41", "event": {"topic": "t"}}]}
    data.update(overrides)
    return json.dumps(data).encode()


def call(
    body: bytes,
    *,
    signature: str | None = None,
    client: str = "127.0.0.1",
    method: str = "POST",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> int:
    signature = sign(body) if signature is None else signature
    scope = {
        "type": "http",
        "method": method,
        "path": PUBLISH_PATH,
        "client": (client, 50000),
        "server": ("127.0.0.1", 8001),
        "headers": [
            (SIGNATURE_HEADER.lower().encode(), signature.encode()),
            (b"content-length", str(len(body)).encode()),
            *(headers or []),
        ],
    }

    async def run() -> int:
        communicator = ApplicationCommunicator(publish_endpoint, scope)
        await communicator.send_input({"type": "http.request", "body": body})
        start = await communicator.receive_output(5)
        await communicator.receive_output(5)
        await communicator.wait(5)
        return int(start["status"])

    return asyncio.run(run())


def test_a_signed_batch_from_loopback_reaches_the_user_group() -> None:
    layer = get_channel_layer()
    assert layer is not None

    async def scenario() -> dict[str, Any]:
        channel = await layer.new_channel()
        await layer.group_add(user_group(41), channel)
        body = batch()
        status = await asyncio.to_thread(call, body)
        assert status == 204
        return await asyncio.wait_for(layer.receive(channel), 5)  # type: ignore[no-any-return]

    message = asyncio.run(scenario())
    assert message == {"type": "live.event", "event": {"topic": "t"}}


def test_refusals() -> None:
    body = batch()
    assert call(body, signature="0" * 64) == 403
    assert call(body, signature="") == 403
    assert call(body, client="192.0.2.7") == 403
    assert call(body, client="::ffff:192.0.2.7") == 403
    assert call(body, headers=[(b"x-forwarded-for", b"192.0.2.7")]) == 403
    assert call(body, method="GET") == 405
    assert call(b"x" * (64 * 1024 + 1)) == 413
    assert call(batch(at=int(time.time()) - 3600)) == 400
    assert call(batch(messages=[{"group": "admins", "event": {}}])) == 400
    assert call(batch(messages=[{"group": "user-1", "event": "text"}])) == 400
    assert call(b"not json") == 400
    assert call(body, client="::1") == 204
