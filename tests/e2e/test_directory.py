"""The Friday-discharge search, end to end, in French and in Dutch; capacity in two clicks."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from parcours.demo import DEMO_PASSWORD, DemoContext, load_all

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_data(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO = True
    load_all(DemoContext(professionals=30, services=20, log=lambda _m: None))


def next_saturday() -> date:
    today = date.today()
    return today + timedelta(days=(5 - today.weekday()) % 7 or 7)


def log_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")


def friday_search(page, base: str, words: str) -> None:  # type: ignore[no-untyped-def]
    """A Dutch-speaking patient in Ixelles leaves on Friday: who can come on Saturday?"""
    page.goto(f"{base}/directory/")
    page.locator("input[name=q]").fill(words)
    page.locator("select[name=municipality]").select_option("BE:21009")
    page.locator("select[name=language]").select_option("nl")
    page.locator("input[name=open_at]").fill(f"{next_saturday().isoformat()}T16:00")
    page.locator("input[name=accepting]").check()
    page.locator("form.directory-search button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/directory/\?.*"))


def test_friday_discharge_search_in_french(demo_data, new_page, live_server, screenshot) -> None:  # type: ignore[no-untyped-def]
    page = new_page(locale="fr-BE")
    log_in(page, live_server.url, "demo-liaison")
    friday_search(page, live_server.url, "infirmière à domicile")
    first = page.locator("li.hit").first
    assert first.get_attribute("data-service") == "thuiszorg-zuid-verpleging"
    assert first.get_by_role("link", name="Soins infirmiers à domicile 7 jours sur 7").is_visible()
    why = first.locator(".why").inner_text()
    assert "« infirmière à domicile » dans" in why
    assert "Dessert Ixelles" in why and "Parle NL" in why
    assert page.locator("li.hit").count() >= 1
    for code in page.locator("li.hit").evaluate_all("els => els.map(e => e.dataset.service)"):
        assert code not in {"soins-ixelles-infirmiers", "infi-arc-en-ciel-soins"}
    screenshot(page, "1-search-fr")
    first.get_by_role("link").first.click()
    assert page.get_by_role("heading", name="Horaires").is_visible()
    assert page.get_by_role("rowheader", name="Jours fériés").is_visible()
    screenshot(page, "2-service-fr")


def test_friday_discharge_search_in_dutch(demo_data, new_page, live_server, screenshot) -> None:  # type: ignore[no-untyped-def]
    page = new_page(locale="nl-BE")
    log_in(page, live_server.url, "demo-referent")  # Els Vermeulen reads Parcours in Dutch
    friday_search(page, live_server.url, "thuisverpleging")
    first = page.locator("li.hit").first
    assert first.get_attribute("data-service") == "thuiszorg-zuid-verpleging"
    assert first.get_by_role("link", name="Thuisverpleging 7 dagen op 7").is_visible()
    why = first.locator(".why").inner_text()
    assert "„thuisverpleging” in" in why and "Bedient Elsene" in why
    screenshot(page, "1-search-nl")


def test_home_nurse_updates_capacity_in_two_clicks(
    demo_data, new_page, live_server, screenshot
) -> None:  # type: ignore[no-untyped-def]
    from parcours.directory.models import Service

    service = Service.objects.get(code="thuiszorg-zuid-verpleging")
    page = new_page(locale="fr-BE")
    log_in(page, live_server.url, "demo-home-nurse")
    page.goto(f"{live_server.url}/directory/services/{service.id}/")
    page.get_by_text("Mettre à jour la capacité").click()  # first click
    page.get_by_role("button", name="Liste d'attente").click()  # second click
    page.get_by_text("Capacité enregistrée.").wait_for()  # the htmx swap is asynchronous
    assert page.locator("#capacity [data-capacity=waiting_list]").is_visible()
    screenshot(page, "capacity-saved-fr")
    service.refresh_from_db()
    assert service.capacity_status == "waiting_list"
