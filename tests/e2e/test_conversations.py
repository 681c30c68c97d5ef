"""A GP and a liaison nurse of the same circle of care exchange messages live, each in their own
browser: each sees the other's message without reloading (WebSocket through Redis)."""

# ruff: noqa: F811 - the circle personas are fixtures imported from tests/patients/conftest.py

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import uvicorn

from tests.conftest import PASSWORD
from tests.patients.conftest import (  # noqa: F401 - fixtures
    gp_luc,
    home_nurse,
    manage,
    marie,
    marie_circle,
    nurse_claire,
)
from tests.support.processes import free_port, redis_server, wait_for_port

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

pytestmark = [pytest.mark.browser, pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def websocket_server(settings, tmp_path) -> Iterator[int]:  # type: ignore[no-untyped-def]
    """The ASGI app in this process (it shares the test database), its layer on a real Redis."""
    settings.ATTACHMENT_ROOT = tmp_path / "attachments"
    with redis_server() as redis_url:
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [redis_url]},
            }
        }
        port = free_port()
        settings.WEBSOCKET_PORT = port
        config = uvicorn.Config(
            "parcours.asgi:application",
            host="127.0.0.1",
            port=port,
            lifespan="off",
            log_level="warning",
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        wait_for_port(port)
        try:
            yield port
        finally:
            server.should_exit = True
            thread.join(10)


def log_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Nom d'utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/")


def open_conversation(page, base: str, patient_id: int) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/patients/{patient_id}/")
    page.get_by_role("navigation", name="Dossier du·de la patient·e").get_by_role(
        "link", name="Conversation"
    ).click()
    page.wait_for_selector("body[data-live-connected='1']")
    # Set after load: still there at the end only if the page was never reloaded.
    page.evaluate("window.parcoursNoReload = true")


def send(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Votre message").fill(text)
    page.get_by_role("button", name="Envoyer").click()


def test_gp_and_liaison_nurse_exchange_messages_live(  # type: ignore[no-untyped-def]
    marie_circle, nurse_claire, gp_luc, websocket_server, new_page, live_server, screenshot
) -> None:
    base = live_server.url
    luc = new_page(locale="fr-BE")
    claire = new_page(locale="fr-BE")
    log_in(luc, base, "luc")
    log_in(claire, base, "claire")
    open_conversation(luc, base, marie_circle.pk)
    open_conversation(claire, base, marie_circle.pk)

    send(luc, "Bonjour, Mme Peeters rentre-t-elle jeudi ? Je passe vendredi.")
    luc.locator("#message-list", has_text="Je passe vendredi").wait_for()
    claire.locator("#message-list", has_text="Je passe vendredi").wait_for()

    send(claire, "Oui, sortie jeudi 14 h. Lettre de liaison suit. @luc")
    claire.locator("#message-list", has_text="Lettre de liaison suit").wait_for()
    luc.locator("#message-list", has_text="Lettre de liaison suit").wait_for()

    # An attachment sent from Claire's page appears as a download link on Luc's.
    claire.locator("#message-files").set_input_files(
        files=[{"name": "lettre-de-liaison.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    send(claire, "La lettre.")
    luc.get_by_role("link", name="lettre-de-liaison.pdf").wait_for()
    with luc.expect_download() as download:
        luc.get_by_role("link", name="lettre-de-liaison.pdf").click()
    assert download.value.suggested_filename == "lettre-de-liaison.pdf"

    for page in (luc, claire):
        assert page.evaluate("window.parcoursNoReload === true"), "no reload happened"
        assert page.locator(".thread-message").count() == 3
    screenshot(luc, "gp")
    screenshot(claire, "liaison-nurse")
