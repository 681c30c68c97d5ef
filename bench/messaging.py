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

    .venv/bin/python bench/messaging.py --large [--members 200] [--messages 30] [--senders 4]

"Large conversation" instead: one patient conversation whose circle has 200 members
(professionals with accounts and care roles), each holding a WebSocket. Posts go through the
JSON API, first from one sender (the hospital referent), then from several concurrent senders
(circle members). Before each post every reader is made to have read the earlier messages
(their `message.received` notifications marked read, outside the timed window), so that each
post fans out a notification to every reader: the worst case. Reported: POST round trip
p50/p99 (HTTP level), notifications written per second (rows counted in the database over the
posting time), and per message the time from just before the POST until all 200 clients have
its live event.

    .venv/bin/python bench/messaging.py --writes [--members 200]

Action level, in one `parcours shell`: the notifications of one fan-out to 200 readers, written
by one `notification_create` per reader and by one `notifications_create`, median of 5 runs.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


LARGE_SETUP = """
import json
from django.contrib.auth import HASH_SESSION_KEY, BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from parcours.accounts.actions import api_token_create
from parcours.accounts.models import Membership, User
from parcours.directory.models import Organisation, Professional, ProfessionalRole
from parcours.messaging.conversation_actions import conversation_for_patient
from parcours.patients.access import Purpose, access_patient
from parcours.patients.actions import (
    IdentifierInput, MemberInput, PatientData, circle_member_add, patient_create,
)
from parcours.patients.models import MemberRole
hospital = Organisation.objects.create(code="bench-chu", name={"fr": "CHU Bench"}, type="hospital")
nursing = Organisation.objects.create(code="bench-soins", name={"fr": "Soins"}, type="home_nursing")
referent = User.objects.create_user(username="bench-referent", password=None, first_name="Ref")
Membership.objects.create(user=referent, organisation=hospital, role="hospital_liaison_nurse")
patient = patient_create(
    user=referent,
    data=PatientData(
        given_name="Bench", family_name="Patient",
        birth_date=timezone.localdate().replace(year=1944),
        administrative_sex="female", pronouns="", languages=["fr"],
    ),
    identifiers=[IdentifierInput("be-niss", "48021408235")],
)
manage = access_patient(referent, patient.pk, purpose=Purpose.COORDINATION, manage=True)
conversation = conversation_for_patient(access=manage)
backend = "django.contrib.auth.backends.ModelBackend"
out = {"conversation": conversation.pk, "tokens": [api_token_create(user=referent, name="b").raw],
       "sessions": []}
for n in range(MEMBERS):
    user = User.objects.create_user(
        username=f"bench-m{n}", password=None, email=f"m{n}@example.invalid", first_name=f"M{n}"
    )
    Membership.objects.create(user=user, organisation=nursing, role="home_nurse")
    professional = Professional.objects.create(
        given_name=f"M{n}", family_name="Bench", profession="nurse", user=user
    )
    ProfessionalRole.objects.create(professional=professional, organisation=nursing)
    circle_member_add(
        access=manage, member=MemberInput(role=MemberRole.HOME_NURSE, professional=professional)
    )
    if n < SENDERS - 1:
        out["tokens"].append(api_token_create(user=user, name="b").raw)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    out["sessions"].append(store.session_key)
open(OUTPUT, "w").write(json.dumps(out))
"""


WRITES = """
import statistics, time
from django.db import transaction
from parcours.accounts.models import Membership, User
from parcours.directory.models import Organisation
from parcours.messaging import actions
org = Organisation.objects.create(code="bench-w", name={"fr": "W"}, type="home_nursing")
users = []
for n in range(READERS):
    user = User.objects.create_user(username=f"w{n}", password=None, email=f"w{n}@example.invalid")
    Membership.objects.create(user=user, organisation=org, role="home_nurse")
    users.append(user)
common = {"kind": "message.received", "params": {"sender": "Bench"}, "link": "/"}
loop, bulk = [], []
for run in range(RUNS):
    started = time.perf_counter()
    with transaction.atomic():
        for user in users:
            actions.notification_create(recipient=user, key=f"l{run}-{user.pk}", **common)
    loop.append(time.perf_counter() - started)
    if hasattr(actions, "notifications_create"):
        started = time.perf_counter()
        with transaction.atomic():
            actions.notifications_create(
                recipients=users, keys=[f"b{run}-{u.pk}" for u in users], **common
            )
        bulk.append(time.perf_counter() - started)
for name, times in (("one notification_create per reader", loop), ("notifications_create", bulk)):
    if times:
        median = statistics.median(times)
        print(f"{name:<36} {READERS} readers: median {median * 1000:7.1f} ms "
              f"({READERS / median:6.0f} notifications/s) over {len(times)} runs")
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


async def listen_events(
    url: str, origin: str, session: str, ready: asyncio.Event, got: Callable[[int], None]
) -> None:
    """Hold a live WebSocket as `session`; call `got(message id)` on each `message.created`."""
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
                    got(int(event["message"]))
        except websockets.ConnectionClosed:
            return


async def listen(url: str, origin: str, session: str, run: Run, ready: asyncio.Event) -> None:
    def got(message_id: int) -> None:
        run.received.append((message_id, time.perf_counter()))

    await listen_events(url, origin, session, ready, got)


async def connect_clients(
    clients: list[asyncio.Future[None]],
    listeners: list[Callable[[asyncio.Event], Coroutine[Any, Any, None]]],
) -> None:
    """Start each listener (50 at a time) into `clients`; return once every one is connected."""
    readies: list[asyncio.Event] = []
    for index, listener in enumerate(listeners, start=1):
        ready = asyncio.Event()
        readies.append(ready)
        clients.append(asyncio.ensure_future(listener(ready)))
        if index % 50 == 0:
            await asyncio.sleep(0.05)
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)


def start_clients(
    loop: asyncio.AbstractEventLoop, connect_all: Coroutine[Any, Any, None]
) -> threading.Thread:
    """Run `loop` in a thread, connect every client on it, and let them settle for a second."""
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(connect_all, loop).result(180)
    time.sleep(1.0)
    return thread


def stop_clients(
    loop: asyncio.AbstractEventLoop,
    thread: threading.Thread,
    clients: list[asyncio.Future[None]],
) -> None:
    """Close every client, then stop and close the loop that `start_clients` started."""

    async def close_all() -> None:
        for client in clients:
            client.cancel()
        await asyncio.gather(*clients, return_exceptions=True)

    asyncio.run_coroutine_threadsafe(close_all(), loop).result(60)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


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
    sessions = [s for conversation in setup["conversations"] for s in conversation["sessions"]]
    listeners = [
        functools.partial(listen, server.ws_url, server.base, session, run)
        for server, session in zip(itertools.cycle(found), sessions)
    ]
    thread = start_clients(loop, connect_clients(clients, listeners))
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
    stop_clients(loop, thread, clients)
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


READ_ALL = (
    "UPDATE messaging_notification SET read_at = {now} "
    "WHERE read_at IS NULL AND kind = 'message.received'"
)


class Database:
    """A direct connection for what the readers do between posts and for counting rows."""

    def __init__(self, env: dict[str, str]) -> None:
        url = env.get("PARCOURS_DATABASE_URL", "")
        if url:
            import psycopg

            self.connection: Any = psycopg.connect(url, autocommit=True)
            self.mark_read = READ_ALL.format(now="now()")
        else:
            import sqlite3

            path = Path(env["PARCOURS_DATA_DIR"]) / "parcours.sqlite3"
            self.connection = sqlite3.connect(
                path, timeout=60, isolation_level=None, check_same_thread=False
            )
            self.mark_read = READ_ALL.format(now="datetime('now')")
        self.lock = threading.Lock()

    def notifications(self) -> int:
        with self.lock:
            return int(
                self.connection.execute("SELECT count(*) FROM messaging_notification").fetchone()[0]
            )

    def read_all(self) -> None:
        with self.lock:
            self.connection.execute(self.mark_read)


@dataclass
class LargeRun:
    sent: dict[int, float] = field(default_factory=dict)
    received: dict[int, list[float]] = field(default_factory=dict)
    post_ms: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    notifications: int = 0


async def listen_large(
    url: str, origin: str, session: str, run: LargeRun, ready: asyncio.Event
) -> None:
    def got(message_id: int) -> None:
        run.received.setdefault(message_id, []).append(time.perf_counter())

    await listen_events(url, origin, session, ready, got)


def drive_large(server: Server, setup: dict, db: Database, messages: int, senders: int) -> LargeRun:
    run = LargeRun()
    loop = asyncio.new_event_loop()
    clients: list[asyncio.Future[None]] = []
    listeners = [
        functools.partial(listen_large, server.ws_url, server.base, session, run)
        for session in setup["sessions"]
    ]
    thread = start_clients(loop, connect_clients(clients, listeners))
    tokens = setup["tokens"][:senders]
    counter = iter(range(messages))
    lock = threading.Lock()
    posting = 0.0
    before = db.notifications()

    def poster(token: str) -> None:
        nonlocal posting
        while True:
            with lock:
                number = next(counter, None)
            if number is None:
                return
            db.read_all()  # every reader has read the conversation since: a full fan-out
            one = Run()
            started = time.perf_counter()
            post(server.base, token, setup["conversation"], number, one)
            with lock:
                posting += time.perf_counter() - started
                run.errors += one.errors
                run.post_ms += one.post_ms
                run.sent.update(one.sent)

    wall = time.perf_counter()
    with ThreadPoolExecutor(max_workers=senders) as pool:
        list(pool.map(poster, [tokens[i % len(tokens)] for i in range(senders)]))
    run.elapsed = time.perf_counter() - wall
    # Posting time alone (the readers' mark-read writes between posts excluded), as a wall
    # clock share: the sum of POST times divided by the number of concurrent senders.
    run.notifications = db.notifications() - before
    run.elapsed = min(run.elapsed, posting / senders) if posting else run.elapsed
    expected = len(setup["sessions"])
    wait_until = time.perf_counter() + 30
    while time.perf_counter() < wait_until and any(
        len(run.received.get(mid, [])) < expected for mid in run.sent
    ):
        time.sleep(0.1)
    stop_clients(loop, thread, clients)
    return run


def report_large(name: str, run: LargeRun, members: int) -> str:
    all_have = [
        (max(run.received[mid]) - started) * 1000
        for mid, started in run.sent.items()
        if len(run.received.get(mid, [])) >= members
    ]
    pairs = [
        (at - run.sent[mid]) * 1000
        for mid, times in run.received.items()
        if mid in run.sent
        for at in times
    ]
    incomplete = len(run.sent) - len(all_have)
    return (
        f"{name:<34} posts {len(run.sent):3d}  POST p50 {pct(run.post_ms, 0.5):7.1f} ms  "
        f"p99 {pct(run.post_ms, 0.99):7.1f} ms  notifications {run.notifications:5d} "
        f"({run.notifications / run.elapsed:6.0f}/s)  all {members} clients have it: "
        f"p50 {pct(all_have, 0.5):7.1f} ms  p99 {pct(all_have, 0.99):7.1f} ms  "
        f"(per client p50 {pct(pairs, 0.5):6.1f} ms)  incomplete {incomplete}  "
        f"failed posts {run.errors}"
    )


def large(options: argparse.Namespace) -> None:
    with data_dir() as env:
        env = {**env, "PARCOURS_SECRET_KEY": "b" * 50}
        parcours(env, "migrate", "--noinput", "-v0")
        output = Path(tempfile.mkdtemp(prefix="parcours-bench-msg-")) / "setup.json"
        script = (
            LARGE_SETUP.replace("MEMBERS", str(options.members))
            .replace("SENDERS", str(options.senders))
            .replace("OUTPUT", repr(str(output)))
        )
        parcours(env, "shell", "-v0", "-c", script)
        setup = json.loads(output.read_text())
        db = Database(env)
        backend = "PostgreSQL" if env.get("PARCOURS_DATABASE_URL") else "SQLite"
        print(
            f"large conversation: {options.members} circle members with a WebSocket each, "
            f"{options.messages} posts per run, {backend}, one server ({options.workers} workers)"
        )
        with servers(env, 1, options.workers) as found:
            warm = drive_large(found[0], setup, db, 3, 1)  # first requests of each worker
            print(report_large("warm-up (3 posts, one sender)", warm, options.members))
            for senders in (1, options.senders):
                run = drive_large(found[0], setup, db, options.messages, senders)
                label = "one sender" if senders == 1 else f"{senders} concurrent senders"
                print(report_large(label, run, options.members))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--per-conversation", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--posters", type=int, default=4)
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--large", action="store_true", help="the large-conversation case")
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument(
        "--writes", action="store_true", help="action level: write one fan-out's notifications"
    )
    parser.add_argument("--messages", type=int, default=30)
    parser.add_argument("--senders", type=int, default=4)
    options = parser.parse_args()
    print(machine_line())
    if options.writes:
        with data_dir() as env:
            parcours(env, "migrate", "--noinput", "-v0")
            script = WRITES.replace("READERS", str(options.members)).replace("RUNS", "5")
            print(parcours(env, "shell", "-v0", "-c", script))
        return
    if options.large:
        large(options)
        return
    conversations = max(1, options.clients // options.per_conversation)
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
