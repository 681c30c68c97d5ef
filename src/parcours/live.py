"""Live updates to open pages over WebSocket.

Each logged-in page joins the group of its user; areas publish small events ("worklist
changed", "new message") with `publish_to_users`, and the page refreshes the part concerned.

How an event reaches the process that holds the sockets (docs/decisions/0006-live-events-
without-redis.md):

- with PARCOURS_REDIS_URL the channel layer is Redis and crosses processes and servers;
- without Redis, inside the WebSocket (uvicorn) process itself, the in-memory layer is used
  directly;
- without Redis, in any other process (gunicorn workers, `parcours worker`, `parcours shell`)
  when PARCOURS_WEBSOCKET_PORT is set, the event is POSTed to the WebSocket process's internal
  endpoint `/internal/live/publish` on 127.0.0.1, signed with HMAC-SHA256 (key derived from
  SECRET_KEY) and accepted from a loopback client only. A live event is best-effort: the data
  is already committed, so a failure is logged, never raised.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import re
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from asgiref.sync import async_to_sync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

logger = logging.getLogger(__name__)

PUBLISH_PATH = "/internal/live/publish"
SIGNATURE_HEADER = "X-Parcours-Signature"
MAX_BODY_BYTES = 64 * 1024
MAX_AGE_SECONDS = 60
POST_TIMEOUT_SECONDS = 2.0
_SALT = "parcours.live.publish"
_GROUP = re.compile(r"user-[0-9]{1,19}")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]

_in_websocket_process = False


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def mark_websocket_process() -> None:
    """Called by parcours.asgi: this process holds the sockets, publish into its own layer."""
    global _in_websocket_process
    _in_websocket_process = True


def sign(body: bytes) -> str:
    return salted_hmac(_SALT, body, algorithm="sha256").hexdigest()


def publish_to_users(user_ids: Iterable[int], event: dict[str, Any]) -> None:
    """Send `event` to every open page of these users. Call it from `transaction.on_commit`."""
    groups = sorted({user_group(user_id) for user_id in user_ids})
    if not groups:
        return
    if settings.REDIS_URL or _in_websocket_process or not settings.WEBSOCKET_PORT:
        _publish_locally([(group, event) for group in groups])
    else:
        _post_to_websocket_process([(group, event) for group in groups])


def _publish_locally(batch: list[tuple[str, dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all() -> None:
        for group, event in batch:
            await layer.group_send(group, {"type": "live.event", "event": event})

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(send_all)()
        return
    # Synchronous code running inside an event loop's thread (a browser-driving test, a script
    # under an async runner): async_to_sync refuses to block that loop, so publish from a
    # short-lived thread of our own.
    thread = threading.Thread(target=async_to_sync(send_all), name="live-publish")
    thread.start()
    thread.join()


def _post_to_websocket_process(batch: list[tuple[str, dict[str, Any]]]) -> None:
    """POST the batch in bodies under MAX_BODY_BYTES (many recipients make several posts)."""
    items = [json.dumps({"group": g, "event": e}, separators=(",", ":")) for g, e in batch]
    chunk: list[str] = []
    size = 0
    for item in items:
        if chunk and size + len(item) + 64 > MAX_BODY_BYTES:
            _post(chunk)
            chunk, size = [], 0
        chunk.append(item)
        size += len(item) + 1
    if chunk:
        _post(chunk)


def _post(items: list[str]) -> None:
    body = f'{{"at":{int(time.time())},"messages":[{",".join(items)}]}}'.encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{settings.WEBSOCKET_PORT}{PUBLISH_PATH}",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body)},
    )
    try:
        with urllib.request.urlopen(request, timeout=POST_TIMEOUT_SECONDS) as response:  # noqa: S310
            response.read()
    except (OSError, ValueError) as error:
        # urllib's HTTPError and URLError are OSErrors; the event is lost, the data is not.
        logger.warning("live event not delivered to the WebSocket process: %s", error)


def _is_loopback(scope: Scope) -> bool:
    client = scope.get("client")
    if not client:
        return False
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback


async def _respond(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(body))],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _parse_batch(body: bytes) -> list[tuple[str, dict[str, Any]]] | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("at"), int):
        return None
    if abs(time.time() - data["at"]) > MAX_AGE_SECONDS:
        return None
    messages = data.get("messages")
    if not isinstance(messages, list):
        return None
    batch: list[tuple[str, dict[str, Any]]] = []
    for item in messages:
        if not isinstance(item, dict):
            return None
        group, event = item.get("group"), item.get("event")
        if not isinstance(group, str) or not _GROUP.fullmatch(group) or not isinstance(event, dict):
            return None
        batch.append((group, event))
    return batch


async def publish_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """ASGI app of PUBLISH_PATH in the WebSocket process: a signed batch into the local layer."""
    headers = {name.lower(): value for name, value in scope.get("headers", [])}
    if not _is_loopback(scope) or b"x-forwarded-for" in headers:
        await _respond(send, 403, "forbidden")
        return
    if scope.get("method") != "POST":
        await _respond(send, 405, "method not allowed")
        return
    try:
        declared = int(headers.get(b"content-length", b"0"))
    except ValueError:
        declared = MAX_BODY_BYTES + 1
    if declared > MAX_BODY_BYTES:
        await _respond(send, 413, "too large")
        return
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body += message.get("body", b"")
        if len(body) > MAX_BODY_BYTES:
            await _respond(send, 413, "too large")
            return
        if not message.get("more_body"):
            break
    signature = headers.get(SIGNATURE_HEADER.lower().encode(), b"").decode("latin-1")
    if not signature or not constant_time_compare(signature, sign(body)):
        await _respond(send, 403, "bad signature")
        return
    batch = _parse_batch(body)
    if batch is None:
        await _respond(send, 400, "bad batch")
        return
    layer = get_channel_layer()
    if layer is not None:
        for group, event in batch:
            await layer.group_send(group, {"type": "live.event", "event": event})
    await _respond(send, 204, "")


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
