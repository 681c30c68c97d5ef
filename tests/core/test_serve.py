"""`parcours serve` for real: WSGI workers, static files, and WebSocket through the ASGI process,
with a live event published from another process crossing Redis to the open socket, and, without
Redis, through the WebSocket process's signed loopback endpoint (docs/decisions/0006)."""

from __future__ import annotations

import asyncio
import http.cookiejar
import ipaddress
import json
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
import websockets

from tests.support.processes import BIN, free_port, parcours, parcours_env, redis_server, running

pytestmark = pytest.mark.live

PASSWORD = "a long enough passphrase"
T = TypeVar("T")


def login(base: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    body = urllib.parse.urlencode(
        {"username": "claire", "password": PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    opener.open(urllib.request.Request(f"{base}/accounts/login/", data=body)).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


async def receive_published_event(
    ws_url: str, origin: str, cookie: str, publish: object
) -> dict[str, object]:
    async with websockets.connect(
        ws_url,
        additional_headers={"Cookie": cookie},
        origin=origin,  # type: ignore[arg-type]
    ) as socket:
        await socket.send(json.dumps({"type": "ping"}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 10)) == {"type": "pong"}
        await asyncio.get_running_loop().run_in_executor(None, publish)  # type: ignore[arg-type]
        return json.loads(await asyncio.wait_for(socket.recv(), 10))  # type: ignore[no-any-return]


async def anonymous_is_refused(ws_url: str, origin: str) -> int | None:
    async with websockets.connect(ws_url, origin=origin) as socket:  # type: ignore[arg-type]
        try:
            await asyncio.wait_for(socket.recv(), 10)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
    return None


def in_own_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine in a fresh thread and loop, whatever loop the test thread may hold."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def prepare(env: dict[str, str]) -> None:
    """Database, static files, and Claire (hospital liaison nurse) with PASSWORD."""
    parcours(env, "migrate", "--noinput", "-v0")
    parcours(env, "collectstatic", "--noinput", "-v0")
    parcours(
        env,
        "shell",
        "-v0",
        "-c",
        (
            "from parcours.directory.models import Organisation as O;"
            "O.objects.create(code='chu-test', name={'fr': 'CHU Test'}, type='hospital')"
        ),
    )
    parcours(
        env,
        "user",
        "create",
        "--username",
        "claire",
        "--email",
        "c@example.invalid",
        "--organisation",
        "chu-test",
        "--role",
        "hospital_liaison_nurse",
    )


def claire_id(env: dict[str, str]) -> str:
    return parcours(
        env,
        "shell",
        "-v0",
        "-c",
        "from parcours.accounts.models import User;print(User.objects.get(username='claire').pk)",
    )


def post_status(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def non_loopback_address() -> str | None:
    """An address of this host that is not loopback (the route to a documentation address)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if ipaddress.ip_address(address).is_loopback else address


def test_serve_pages_static_and_live_events_across_processes(tmp_path: Path) -> None:
    with redis_server() as redis_url:
        env = parcours_env(tmp_path, PARCOURS_REDIS_URL=redis_url, PARCOURS_NEW_PASSWORD=PASSWORD)
        prepare(env)
        port = free_port()
        ws_port = free_port()
        base = f"http://127.0.0.1:{port}"
        command = [
            str(BIN / "parcours"),
            "serve",
            "--port",
            str(port),
            "--ws-port",
            str(ws_port),
            "--workers",
            "2",
        ]
        with running(command, env=env, ready=f"{base}/healthz") as server:
            health = json.loads(urllib.request.urlopen(f"{base}/healthz").read())
            assert health == {"status": "ok", "database": "sqlite"}

            page = urllib.request.urlopen(f"{base}/accounts/login/").read().decode()
            css = re.search(r'href="(/static/vendor/pico/pico\.min\.[0-9a-f]+\.css)"', page)
            assert css, "hashed static names from the manifest"
            assert urllib.request.urlopen(f"{base}{css.group(1)}").status == 200
            assert f'data-websocket-port="{ws_port}"' not in page, "anonymous pages open no socket"

            cookie = login(base)
            home = (
                urllib.request.urlopen(
                    urllib.request.Request(f"{base}/", headers={"Cookie": cookie})
                )
                .read()
                .decode()
            )
            assert f'data-websocket-port="{ws_port}"' in home

            user_id = claire_id(env)

            def publish() -> None:
                parcours(
                    env,
                    "shell",
                    "-v0",
                    "-c",
                    (
                        "from parcours.live import publish_to_users;"
                        f"publish_to_users([{user_id}], {{'topic': 'worklist', 'stay': 7}})"
                    ),
                )

            ws_url = f"ws://127.0.0.1:{ws_port}/ws/live/"
            event = in_own_loop(receive_published_event(ws_url, base, cookie, publish))
            assert event == {"topic": "worklist", "stay": 7}
            assert in_own_loop(anonymous_is_refused(ws_url, base)) == 4401

            assert server.poll() is None
        assert server.returncode is not None


def test_serve_without_redis_hands_live_events_to_the_websocket_process(tmp_path: Path) -> None:
    env = parcours_env(tmp_path, PARCOURS_NEW_PASSWORD=PASSWORD)
    prepare(env)
    port = free_port()
    ws_port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        str(BIN / "parcours"),
        "serve",
        "--host",
        "0.0.0.0",  # noqa: S104 - to check that the publish endpoint refuses other interfaces
        "--port",
        str(port),
        "--ws-port",
        str(ws_port),
        "--workers",
        "2",
    ]
    with running(command, env=env, ready=f"{base}/healthz") as server:
        cookie = login(base)
        user_id = claire_id(env)
        # The environment `serve` gives its children (gunicorn workers, `parcours worker`).
        child_env = {**env, "PARCOURS_WEBSOCKET_PORT": str(ws_port)}

        def publish() -> None:
            parcours(
                child_env,
                "shell",
                "-v0",
                "-c",
                (
                    "from parcours.live import publish_to_users;"
                    f"publish_to_users([{user_id}], {{'topic': 'messages', 'unread': 3}})"
                ),
            )

        ws_url = f"ws://127.0.0.1:{ws_port}/ws/live/"
        event = in_own_loop(receive_published_event(ws_url, base, cookie, publish))
        assert event == {"topic": "messages", "unread": 3}

        def publish_to_many() -> None:
            # 3,001 recipients: more than one body's worth (64 KiB), so sent in several posts.
            parcours(
                child_env,
                "shell",
                "-v0",
                "-c",
                (
                    "from parcours.live import publish_to_users;"
                    f"ids = [*range(10**6, 10**6 + 3000), {user_id}];"
                    "publish_to_users(ids, {'topic': 'all'})"
                ),
            )

        event = in_own_loop(receive_published_event(ws_url, base, cookie, publish_to_many))
        assert event == {"topic": "all"}

        # An HTTP action in a gunicorn worker: marking a notification read publishes on commit.
        parcours(
            env,
            "shell",
            "-v0",
            "-c",
            (
                "from parcours.accounts.models import User;"
                "from parcours.messaging.actions import notification_create as create;"
                "create(recipient=User.objects.get(username='claire'), kind='task.assigned',"
                " params={'actor': 'Bruno'}, link='/')"
            ),
        )
        csrf = re.search(r"csrftoken=([^;]+)", cookie).group(1)  # type: ignore[union-attr]

        def mark_read() -> None:
            request = urllib.request.Request(
                f"{base}/notifications/read/",
                data=b"",
                method="POST",
                headers={"Cookie": cookie, "X-CSRFToken": csrf, "HX-Request": "true"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200

        event = in_own_loop(receive_published_event(ws_url, base, cookie, mark_read))
        assert event == {"topic": "notifications", "read": 1}

        endpoint = f"http://127.0.0.1:{ws_port}/internal/live/publish"
        body = json.dumps(
            {
                "at": int(time.time()),
                "messages": [{"group": f"user-{user_id}", "event": {"topic": "x"}}],
            }
        ).encode()
        signature = parcours(
            env, "shell", "-v0", "-c", f"from parcours.live import sign;print(sign({body!r}))"
        )
        assert post_status(endpoint, body, {"X-Parcours-Signature": "0" * 64}) == 403
        assert post_status(endpoint, body, {}) == 403
        assert post_status(endpoint, b"x" * (65 * 1024), {"X-Parcours-Signature": signature}) == 413
        assert post_status(endpoint, body, {"X-Parcours-Signature": signature}) == 204

        address = non_loopback_address()
        if address is None:
            pytest.skip("this host has no non-loopback address to check the refusal on")
        elsewhere = f"http://{address}:{ws_port}/internal/live/publish"
        assert post_status(elsewhere, body, {"X-Parcours-Signature": signature}) == 403
        assert server.poll() is None
