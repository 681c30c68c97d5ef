"""A message posted through server A arrives over WebSocket on server B: two `parcours serve`
processes sharing the run's database (PostgreSQL, or one SQLite file) and one Redis."""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import re
import urllib.parse
import urllib.request
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TypeVar

import pytest
import websockets
from django.db import connection

from tests.support.processes import (
    BIN,
    database_url,
    free_port,
    parcours,
    parcours_env,
    redis_server,
    running,
)

pytestmark = pytest.mark.live

PASSWORD = "a long enough passphrase"
T = TypeVar("T")


def login(base: str, username: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    body = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    opener.open(urllib.request.Request(f"{base}/accounts/login/", data=body)).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def in_own_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def receive_after(
    ws_url: str, origin: str, cookie: str, action: Callable[[], dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    async with websockets.connect(
        ws_url,
        additional_headers={"Cookie": cookie},
        origin=origin,  # type: ignore[arg-type]
    ) as socket:
        await socket.send(json.dumps({"type": "ping"}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 10)) == {"type": "pong"}
        result = await asyncio.get_running_loop().run_in_executor(None, action)
        event = json.loads(await asyncio.wait_for(socket.recv(), 15))
        return result, event


@pytest.fixture
def shared_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """Environment of both servers: the run's PostgreSQL test database, else one SQLite file."""
    extra = {"PARCOURS_NEW_PASSWORD": PASSWORD, "PARCOURS_SECRET_KEY": "k" * 50}
    if connection.vendor == "postgresql":
        request.getfixturevalue("transactional_db")  # committed rows, flushed afterwards
        url = database_url(connection.settings_dict)
        assert url is not None
        extra["PARCOURS_DATABASE_URL"] = url
    env = parcours_env(tmp_path, **extra)
    if connection.vendor != "postgresql":
        parcours(env, "migrate", "--noinput", "-v0")
    parcours(env, "collectstatic", "--noinput", "-v0")
    parcours(
        env,
        "shell",
        "-v0",
        "-c",
        "from parcours.directory.models import Organisation as O;"
        "O.objects.create(code='chu-2s', name={'fr': 'CHU'}, type='hospital');"
        "O.objects.create(code='mm-2s', name={'fr': 'MM'}, type='health_centre')",
    )
    for username, organisation, role in (
        ("claire2s", "chu-2s", "hospital_liaison_nurse"),
        ("luc2s", "mm-2s", "gp"),
    ):
        parcours(
            env,
            "user",
            "create",
            "--username",
            username,
            "--email",
            f"{username}@example.invalid",
            "--organisation",
            organisation,
            "--role",
            role,
        )
    return env


def serve(stack: ExitStack, env: dict[str, str]) -> tuple[str, int]:
    port, ws_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(BIN / "parcours"), "serve", "--port", str(port), "--ws-port", str(ws_port)]
    stack.enter_context(running([*command, "--workers", "1"], env=env, ready=f"{base}/healthz"))
    return base, ws_port


def test_message_posted_on_server_a_arrives_on_server_b(shared_env: dict[str, str]) -> None:
    conversation_id = int(
        parcours(
            shared_env,
            "shell",
            "-v0",
            "-c",
            "from parcours.accounts.models import User;"
            "from parcours.messaging.conversation_actions import conversation_create_direct;"
            "c = conversation_create_direct(user=User.objects.get(username='luc2s'),"
            " others=[User.objects.get(username='claire2s')], subject='Garde');"
            "print(c.pk)",
        )
    )
    token = parcours(shared_env, "token", "create", "--user", "luc2s")
    with redis_server() as redis_url, ExitStack() as stack:
        env = {**shared_env, "PARCOURS_REDIS_URL": redis_url}
        base_a, _ws_a = serve(stack, env)
        base_b, ws_b = serve(stack, env)
        cookie_b = login(base_b, "claire2s")

        def post_on_a() -> dict[str, Any]:
            request = urllib.request.Request(
                f"{base_a}/api/conversations/{conversation_id}/messages",
                data=json.dumps({"body": "Posté sur A, lu sur B"}).encode(),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request) as response:
                assert response.status == 201
                return json.loads(response.read())  # type: ignore[no-any-return]

        posted, event = in_own_loop(
            receive_after(f"ws://127.0.0.1:{ws_b}/ws/live/", base_b, cookie_b, post_on_a)
        )
        assert event["topic"] == f"conversation-{conversation_id}"
        assert event["message"] == posted["id"]
        # The page on B then fetches the message through its own access check.
        request = urllib.request.Request(
            f"{base_b}/conversations/{conversation_id}/messages/", headers={"Cookie": cookie_b}
        )
        assert "Posté sur A, lu sur B" in urllib.request.urlopen(request).read().decode()
