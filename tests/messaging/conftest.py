"""Fixtures for notifications: a real SMTP server, a deterministic clock, a relay."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from parcours.messaging.delivery import Relay
from tests.support.receivers import SmtpServer, smtp_server


class Clock:
    """Time that moves only when told: retries become due without sleeping."""

    def __init__(self) -> None:
        self.now = timezone.now() + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def smtp(settings) -> Iterator[SmtpServer]:  # type: ignore[no-untyped-def]
    with smtp_server() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        yield server


@pytest.fixture
def make_relay(clock: Clock) -> Callable[..., Relay]:
    def make(**kwargs: object) -> Relay:
        options: dict[str, object] = {"worker_id": "test-worker", "rng": random.Random(7)}
        return Relay(clock=clock, **{**options, **kwargs})  # type: ignore[arg-type]

    return make


@pytest.fixture
def relay(make_relay: Callable[..., Relay]) -> Relay:
    return make_relay()
