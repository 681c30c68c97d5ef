"""B7 — conversation messages: sustained messages per second and delivery latency to 500 open
WebSocket clients, with one `parcours serve` and with two sharing Redis; beside it the bare
Redis publish-to-receive latency (the floor).

    .venv/bin/python bench/messaging.py [--clients 500] [--per-conversation 10] [--seconds 10]

Set-up: 500 receivers in 50 direct conversations of 10 receivers plus one sender (a circle of
care is about that size); every receiver holds a WebSocket to /ws/live/ (session cookie), all
from this process. The sender posts through the JSON API (Bearer token): each post checks
access, writes the message, one notification + outbox rows per participant, and publishes on
commit. Latency = time from just before the POST to the client's receipt of the live event,
over every (message, receiver) pair.
Runs: "saturated" (4 concurrent posters, as fast as the server answers) and "paced" (10 posts/s).
Two servers: posts alternate between A and B; half the clients listen on A, half on B.
The database is SQLite (WAL) in a throw-away data dir unless PARCOURS_DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis.asyncio as aioredis
import websockets

from bench._harness import BIN, data_dir, free_port, machine_line, parcours, running
from tests.support.processes import redis_server

SETUP = """
import json
from django.contrib.auth import HASH_SESSION_KEY, BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from parcours.accounts.actions import api_token_create
from parcours.accounts.models import Membership, User
from parcours.directory.models import Organisation
from parcours.messaging.models import Conversation, ConversationMember
org = Organisation.objects.create(code="bench-mm", name={"fr": "Bench"}, type="health_centre")
sender = User.objects.create_user(username="bench-sender", password=None)
Membership.objects.create(user=sender, organisation=org, role="gp")
out = {"token": api_token_create(user=sender, name="bench").raw, "conversations": []}
backend = "django.contrib.auth.backends.ModelBackend"
for c in range(CONVERSATIONS):
    conversation = Conversation.objects.create(kind="direct", subject=f"b{c}", created_by=sender)
    ConversationMember.objects.create(conversation=conversation, user=sender)
    sessions = []
    for r in range(PER_CONVERSATION):
        user = User.objects.create_user(username=f"bench-{c}-{r}", password=None)
        Membership.objects.create(user=user, organisation=org, role="home_nurse")
        ConversationMember.objects.create(conversation=conversation, user=user)
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    out["conversations"].append({"id": conversation.pk, "sessions": sessions})
open(OUTPUT, "w").write(json.dumps(out))
"""


@dataclass
class Server:
    base: str
    ws_url: str


@dataclass
class Run:
    sent: dict[int, float] = field(default_factory=dict)  # message id → perf_counter at POST
    received: list[tuple[int, float]] = field(default_factory=list)
    post_ms: list[float] = field(default_factory=list)  # POST round trips
    posted: int = 0
    errors: int = 0
    elapsed: float = 0.0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


@contextmanager
def servers(env: dict[str, str], count: int, workers: int) -> Iterator[list[Server]]:
    with ExitStack() as stack:
        found = []
        for _ in range(count):
            port, ws_port = free_port(), free_port()
            base = f"http://127.0.0.1:{port}"
            command = [str(BIN / "parcours"), "serve", "--port", str(port)]
            command += ["--ws-port", str(ws_port), "--workers", str(workers)]
            stack.enter_context(running(command, env=env, ready=f"{base}/healthz"))
            found.append(Server(base, f"ws://127.0.0.1:{ws_port}/ws/live/"))
        yield found


async def listen(url: str, origin: str, session: str, run: Run, ready: asyncio.Event) -> None:
    async with websockets.connect(
        url,
        additional_headers={"Cookie": f"sessionid={session}"},
        origin=origin,  # type: ignore[arg-type]
        max_queue=None,
        open_timeout=60,
    ) as socket:
        ready.set()
        try:
            async for raw in socket:
                event = json.loads(raw)
                if event.get("kind") == "message.created":
                    run.received.append((int(event["message"]), time.perf_counter()))
        except websockets.ConnectionClosed:
            return


def post(base: str, token: str, conversation_id: int, number: int, run: Run) -> None:
    request = urllib.request.Request(
        f"{base}/api/conversations/{conversation_id}/messages",
        data=json.dumps({"body": f"bench message {number}"}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            message_id = int(json.loads(response.read())["id"])
    except OSError:  # HTTP errors included: counted, the run goes on
        run.errors += 1
        return
    run.sent[message_id] = started
    run.post_ms.append((time.perf_counter() - started) * 1000)
    run.posted += 1


def drive(
    found: list[Server], setup: dict, seconds: float, posters: int, rate: float | None
) -> Run:
    """Connect every client, post for `seconds`, wait for the deliveries, return the run."""
    run = Run()
    loop = asyncio.new_event_loop()
    clients: list[asyncio.Future[None]] = []
    readies: list[asyncio.Event] = []

    async def connect_all() -> None:
        index = 0
        for conversation in setup["conversations"]:
            for session in conversation["sessions"]:
                server = found[index % len(found)]
                index += 1
                ready = asyncio.Event()
                readies.append(ready)
                clients.append(
                    asyncio.ensure_future(listen(server.ws_url, server.base, session, run, ready))
                )
                if index % 50 == 0:
                    await asyncio.sleep(0.05)
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(connect_all(), loop).result(180)
    time.sleep(1.0)
    conversations = [c["id"] for c in setup["conversations"]]
    counter = iter(range(10**9))
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()

    def poster(offset: int) -> None:
        while time.perf_counter() < deadline:
            with lock:
                number = next(counter)
            target = found[number % len(found)].base
            post(target, setup["token"], conversations[number % len(conversations)], number, run)
            if rate:
                due = start + (number + 1) / rate
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)

    with ThreadPoolExecutor(max_workers=posters) as pool:
        list(pool.map(poster, range(posters)))
    run.elapsed = time.perf_counter() - start
    expected = run.posted * len(setup["conversations"][0]["sessions"])
    wait_until = time.perf_counter() + 15
    while len(run.received) < expected and time.perf_counter() < wait_until:
        time.sleep(0.1)

    async def close_all() -> None:
        for client in clients:
            client.cancel()
        await asyncio.gather(*clients, return_exceptions=True)

    asyncio.run_coroutine_threadsafe(close_all(), loop).result(60)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()
    return run


def report(name: str, run: Run, per_conversation: int) -> str:
    latencies = [
        (received - run.sent[mid]) * 1000 for mid, received in run.received if mid in run.sent
    ]
    expected = run.posted * per_conversation
    return (
        f"{name:<44} {run.posted / run.elapsed:7.1f} msg/s  "
        f"{len(latencies) / run.elapsed:8.0f} deliveries/s  "
        f"delivery p50 {pct(latencies, 0.5):7.1f} ms  p99 {pct(latencies, 0.99):7.1f} ms  "
        f"(POST p50 {pct(run.post_ms, 0.5):6.1f} ms)  "
        f"missing {expected - len(latencies)}/{expected}  failed posts {run.errors}"
    )


async def redis_floor(url: str, count: int = 2000) -> tuple[float, float]:
    """Bare Redis PUBLISH → subscriber receipt, one message at a time."""
    subscriber = aioredis.from_url(url)
    publisher = aioredis.from_url(url)
    pubsub = subscriber.pubsub()
    await pubsub.subscribe("floor")
    await pubsub.get_message(timeout=1)
    latencies = []
    for number in range(count):
        started = time.perf_counter()
        await publisher.publish("floor", str(number))
        while True:
            message = await pubsub.get_message(timeout=5)
            if message and message["type"] == "message":
                break
        latencies.append((time.perf_counter() - started) * 1000)
    await pubsub.aclose()
    await subscriber.aclose()
    await publisher.aclose()
    return statistics.median(latencies), pct(latencies, 0.99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--per-conversation", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--posters", type=int, default=4)
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    conversations = max(1, options.clients // options.per_conversation)
    print(machine_line())
    with data_dir() as env, redis_server() as redis_url:
        env = {**env, "PARCOURS_REDIS_URL": redis_url, "PARCOURS_SECRET_KEY": "b" * 50}
        parcours(env, "migrate", "--noinput", "-v0")
        output = Path(tempfile.mkdtemp(prefix="parcours-bench-msg-")) / "setup.json"
        script = (
            SETUP.replace("CONVERSATIONS", str(conversations))
            .replace("PER_CONVERSATION", str(options.per_conversation))
            .replace("OUTPUT", repr(str(output)))
        )
        parcours(env, "shell", "-v0", "-c", script)
        setup = json.loads(output.read_text())
        p50, p99 = asyncio.run(redis_floor(redis_url))
        print(
            f"clients {conversations * options.per_conversation} in {conversations} "
            f"conversations of {options.per_conversation}; {options.seconds:.0f} s per run"
        )
        print(f"{'floor: bare Redis publish→receive':<44} p50 {p50:.3f} ms  p99 {p99:.3f} ms")
        for count in (1, 2):
            with servers(env, count, options.workers) as found:
                label = "one server" if count == 1 else "two servers + Redis"
                saturated = drive(found, setup, options.seconds, options.posters, None)
                print(
                    report(
                        f"{label}, saturated ({options.posters} posters)",
                        saturated,
                        options.per_conversation,
                    )
                )
                paced = drive(found, setup, options.seconds, 1, options.rate)
                print(
                    report(f"{label}, paced {options.rate:.0f}/s", paced, options.per_conversation)
                )


if __name__ == "__main__":
    main()
