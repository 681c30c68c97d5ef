"""Shared fixtures: named personas, an API client, and the backend banner."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client

from tests.factories import OrganisationFactory, UserFactory

PASSWORD = "correct horse battery staple"


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Tests serve static files from the source tree, without `collectstatic`.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True

    # SQLite tests run on a file, not Django's shared-cache in-memory database: the browser tests
    # reach it from several threads at once (live server, WebSocket server), and shared-cache
    # locks fail at once instead of waiting, which can leave a connection stuck in a transaction.
    default = settings.DATABASES["default"]
    if default["ENGINE"] == "django.db.backends.sqlite3":
        default.setdefault("TEST", {})["NAME"] = str(settings.DATA_DIR / "test-database.sqlite3")


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"parcours database backend: {engine}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    terminalreporter.write_line(f"parcours suite ran on database backend: {engine}")


@pytest.fixture
def backend() -> str:
    return connection.vendor


@pytest.fixture
def hospital(db: None):  # type: ignore[no-untyped-def]
    return OrganisationFactory(
        code="chu-test", type="hospital", name={"fr": "CHU Test", "nl": "UZ Test"}
    )


@pytest.fixture
def make_persona(db: None) -> Callable[..., object]:
    """A user with one role in one organisation, logged-in-able with PASSWORD."""

    def make(username: str, role: str, organisation: object | None = None, **extra: object):  # type: ignore[no-untyped-def]
        return UserFactory(username=username, role=role, organisation=organisation, **extra)

    return make


@pytest.fixture
def claire(make_persona, hospital):  # type: ignore[no-untyped-def]
    """Claire Dubois, hospital liaison nurse at CHU Test."""
    return make_persona(
        "claire", "hospital_liaison_nurse", hospital, first_name="Claire", last_name="Dubois"
    )


@pytest.fixture
def luc(make_persona):  # type: ignore[no-untyped-def]
    """Dr Luc Martin, GP in a maison médicale."""
    practice = OrganisationFactory(code="mm-test", type="health_centre")
    return make_persona("luc", "gp", practice, first_name="Luc", last_name="Martin")


@pytest.fixture
def helene(make_persona, hospital):  # type: ignore[no-untyped-def]
    """Hélène Moreau, platform administrator (two-factor required)."""
    return make_persona(
        "helene", "platform_admin", hospital, first_name="Hélène", last_name="Moreau"
    )


@pytest.fixture
def logged_in(client: Client) -> Callable[[object], Client]:
    def login(user: object) -> Client:
        client.force_login(user)  # type: ignore[arg-type]
        return client

    return login
