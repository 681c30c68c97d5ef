"""Real receivers in a thread on free loopback ports: an SMTP server (aiosmtpd) and an HTTP
webhook receiver that checks Parcours' signature and dedupes on the delivery id."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.processes import free_port

logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass
class MailRecorder:
    """aiosmtpd handler: accepts and records messages; can hold chosen arrivals (1-based).

    A held message is answered only once `release` is set. If the client goes away meanwhile
    (aiosmtpd cancels the handler on EOF), the message was never accepted, as with a real MTA
    that had not sent its final 250, and `abandoned` is set.
    """

    hold: set[int] = field(default_factory=set)
    received: list[EmailMessage] = field(default_factory=list)
    arrivals: int = 0
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    abandoned: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.arrivals += 1
            number = self.arrivals
        if number in self.hold:
            self.holding.set()
            try:
                while not self.release.is_set():
                    await asyncio.sleep(0.02)
            except asyncio.CancelledError:
                self.abandoned.set()
                raise
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.received.append(message)
        return "250 Message accepted for delivery"

    def message_ids(self) -> Counter[str]:
        with self.lock:
            return Counter(str(m["Message-ID"]).strip() for m in self.received)


class SmtpServer:
    """A real SMTP server on a fixed free port that can be stopped and started again."""

    def __init__(self, recorder: MailRecorder | None = None) -> None:
        self.port = free_port()
        self.recorder = recorder or MailRecorder()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@contextmanager
def smtp_server(recorder: MailRecorder | None = None) -> Iterator[SmtpServer]:
    server = SmtpServer(recorder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@dataclass
class WebhookLog:
    secret: str = ""
    status: int = 200  # what to answer to well-signed requests
    posts: list[dict[str, Any]] = field(default_factory=list)
    bad_signatures: int = 0
    processed: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def deliveries(self) -> Counter[str]:
        """How many well-signed requests arrived per delivery id."""
        with self.lock:
            return Counter(p["delivery"] for p in self.posts if p["valid"])


class WebhookReceiver(ThreadingHTTPServer):
    log: WebhookLog

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _Handler(BaseHTTPRequestHandler):
    server: WebhookReceiver

    def do_POST(self) -> None:
        log = self.server.log
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        timestamp = self.headers.get("X-Parcours-Timestamp", "")
        delivery = self.headers.get("X-Parcours-Delivery", "")
        given = self.headers.get("X-Parcours-Signature", "")
        valid = hmac.compare_digest(given, signature(log.secret, timestamp, body))
        with log.lock:
            log.posts.append({"delivery": delivery, "valid": valid, "body": json.loads(body)})
            if not valid:
                log.bad_signatures += 1
            elif log.status < 300:
                # The receiver's side of the contract: process a delivery id once.
                log.processed.add(delivery)
        self.send_response(log.status if valid else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def webhook_receiver(secret: str = "") -> Iterator[WebhookReceiver]:
    server = WebhookReceiver(("127.0.0.1", 0), _Handler)
    server.log = WebhookLog(secret=secret)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
