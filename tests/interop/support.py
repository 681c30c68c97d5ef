"""An MLLP server started in the test (its own event loop thread, the real ingestion path and
its database thread), and clients: python-hl7's MLLPClient and a raw socket."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import hl7
from django.db import connections
from hl7.client import MLLPClient

from parcours.interop.hl7v2.mllp import (
    FRAME_END,
    MllpServer,
    Processor,
    ServerConfig,
    ingest_processor,
    serve,
)

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_text(name: str) -> str:
    # newline="": keep "\r" segment endings as they are (standards.md §2.3).
    with open(FIXTURES / name, encoding="utf-8", newline="") as handle:
        return handle.read()


@dataclass
class RunningServer:
    server: MllpServer
    loop: asyncio.AbstractEventLoop
    stop: asyncio.Event

    @property
    def port(self) -> int:
        return self.server.port


@contextmanager
def mllp_server(
    config: ServerConfig | None = None, processor: Processor = ingest_processor
) -> Iterator[RunningServer]:
    config = replace(config or ServerConfig(), host="127.0.0.1", port=0)
    started = threading.Event()
    holder: dict[str, object] = {}
    failure: list[BaseException] = []

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        stop = asyncio.Event()
        holder["loop"], holder["stop"] = loop, stop

        def ready(server: MllpServer) -> None:
            holder["server"] = server
            started.set()

        try:
            loop.run_until_complete(
                serve(
                    config,
                    processor,
                    ready=ready,
                    stop=stop,
                    on_thread_exit=connections.close_all,
                )
            )
        except BaseException as exc:  # reported to the test below
            failure.append(exc)
            started.set()
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="mllp-test-server", daemon=True)
    thread.start()
    if not started.wait(15) or failure:
        raise RuntimeError(f"MLLP server did not start: {failure}")
    running = RunningServer(holder["server"], holder["loop"], holder["stop"])  # type: ignore[arg-type]
    try:
        yield running
    finally:
        running.loop.call_soon_threadsafe(running.stop.set)
        thread.join(20)


def send(port: int, message: bytes | str) -> hl7.Message:
    """One message through python-hl7's blocking client; the parsed ACK."""
    with MLLPClient("127.0.0.1", port) as client:
        reply = client.send_message(message.encode() if isinstance(message, str) else message)
        while not reply.endswith(FRAME_END):
            more = client.socket.recv(4096)
            if not more:
                break
            reply += more
    return parse_ack(reply)


def parse_ack(framed: bytes) -> hl7.Message:
    assert framed.startswith(b"\x0b") and framed.endswith(FRAME_END), framed
    return hl7.parse(framed[1:-2].decode("utf-8", "replace"))


def ack_code(ack: hl7.Message) -> str:
    return str(ack.segment("MSA")(1))


def read_frames(sock: socket.socket, count: int, timeout: float = 10.0) -> list[bytes]:
    """Read until `count` complete frames arrived (or the peer closed)."""
    sock.settimeout(timeout)
    data = b""
    while data.count(FRAME_END) < count:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return [part + FRAME_END for part in data.split(FRAME_END) if part]


def closed_by_peer(sock: socket.socket, timeout: float = 10.0) -> bool:
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if sock.recv(65536) == b"":
                return True
        except ConnectionResetError:
            return True
    return False
