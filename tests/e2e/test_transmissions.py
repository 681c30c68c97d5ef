"""A liaison nurse sends a transmission; the GP reads and acknowledges it in another browser;
the nurse's follow-up page shows it live (WebSocket through a real ASGI server and Redis)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tests.conftest import PASSWORD
from tests.messaging.transmission_fixtures import *  # noqa: F403
from tests.support.processes import free_port, redis_server, wait_for_port

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_updates(settings) -> Iterator[int]:  # type: ignore[no-untyped-def]
    """The WebSocket server beside the live server, sharing events through a real Redis."""
    import uvicorn

    with redis_server() as redis_url:
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [redis_url]},
            }
        }
        from parcours.asgi import application

        port = free_port()
        settings.WEBSOCKET_PORT = port
        server = uvicorn.Server(
            uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        wait_for_port(port)
        try:
            yield port
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def log_in(page, base: str, username: str, labels: tuple[str, str, str]) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/accounts/login/")
    page.get_by_label(labels[0]).fill(username)
    page.get_by_label(labels[1]).fill(PASSWORD)
    page.get_by_role("button", name=labels[2]).click()
    page.wait_for_url(f"{base}/")


def test_nurse_sends_gp_acknowledges_and_the_nurse_sees_it_live(  # type: ignore[no-untyped-def]
    live_updates, live_server, new_page, screenshot, marie, circle, gp_luc
) -> None:
    base = live_server.url.replace("localhost", "127.0.0.1")
    nurse = new_page(locale="fr-BE")
    log_in(nurse, base, "claire", ("Nom d'utilisateur", "Mot de passe", "Se connecter"))
    nurse.goto(f"{base}/patients/{marie.pk}/")
    nurse.get_by_role("button", name="Envoyer une transmission").click()
    nurse.get_by_label("Type").select_option("care_instructions")
    nurse.get_by_label("Objet").fill("Soins de plaie après la sortie")
    nurse.get_by_label("Contenu").fill("Pansement de la plaie du coude tous les deux jours.")
    nurse.get_by_label("Luc Martin").check()
    screenshot(nurse, "nurse-form-fr")
    nurse.get_by_role("button", name="Envoyer", exact=True).click()
    nurse.wait_for_selector("text=Transmission envoyée.")
    row = nurse.locator("tr[data-recipient]", has_text="Luc Martin")
    row.locator("[data-state=sent]").wait_for()

    gp = new_page(locale="nl-BE")
    log_in(gp, base, "luc", ("Gebruikersnaam", "Wachtwoord", "Aanmelden"))
    gp.get_by_role("navigation", name="Hoofdnavigatie").get_by_role(
        "link", name="Te bevestigen"
    ).click()
    gp.get_by_role("link", name="Soins de plaie après la sortie").click()
    gp.wait_for_selector("text=Pansement de la plaie du coude")
    row.locator("[data-state=read]").wait_for()  # live: the nurse did not reload

    gp.get_by_role("button", name="Ontvangst bevestigen").click()
    gp.wait_for_selector("[role=status].acknowledged")
    screenshot(gp, "gp-acknowledged-nl")

    row.locator("[data-state=acknowledged]").wait_for()
    assert "Réception confirmée" in row.inner_text()
    screenshot(nurse, "nurse-sees-acknowledged-fr")
