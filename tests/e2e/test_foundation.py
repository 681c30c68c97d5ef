"""Foundation end to end: French login page, switch to Dutch, the liaison nurse's home."""

from __future__ import annotations

import re

import pytest

from parcours.demo import DEMO_PASSWORD, DemoContext, load_all

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_data(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO = True
    load_all(DemoContext(professionals=20, services=10, log=lambda _m: None))


def test_login_in_french_switch_to_dutch_and_reach_the_liaison_home(
    demo_data,
    new_page,
    live_server,
    screenshot,  # type: ignore[no-untyped-def]
) -> None:
    page = new_page(locale="fr-BE")
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name="Se connecter à Parcours").is_visible()
    assert page.get_by_role("cell", name="demo-liaison").is_visible(), "demo accounts listed"
    screenshot(page, "1-login-fr")

    page.get_by_role("button", name="NL").click()
    page.wait_for_url(re.compile(r".*/accounts/login/"))
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.get_by_role("heading", name="Aanmelden bij Parcours").is_visible()
    screenshot(page, "2-login-nl")

    page.get_by_label("Gebruikersnaam").fill("demo-liaison")
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name=re.compile("Welkom, Claire")).is_visible()
    assert page.get_by_text("Verpleegkundige ziekenhuisliaison").is_visible()
    assert page.get_by_role("navigation", name="Hoofdnavigatie").is_visible()
    screenshot(page, "3-home-liaison-nl")


def test_keyboard_user_can_skip_to_main_content(new_page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    page.goto(f"{live_server.url}/accounts/password/reset/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu principal")
    assert skip.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
