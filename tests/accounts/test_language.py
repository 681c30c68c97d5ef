"""French by default, the browser's preference honoured, a switch remembered per user."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def test_french_by_default(client: Client) -> None:
    response = client.get(LOGIN)
    assert response["Content-Language"] == "fr"
    assert "Se connecter à Parcours".encode() in response.content
    assert b'<html lang="fr"' in response.content


def test_browser_preference_is_honoured(client: Client) -> None:
    response = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="nl-BE,nl;q=0.9,en;q=0.5")
    assert response["Content-Language"] == "nl"
    assert b"Aanmelden bij Parcours" in response.content


def test_switcher_sets_the_language_for_an_anonymous_visitor(client: Client) -> None:
    response = client.post(reverse("accounts:set_language"), {"language": "nl", "next": LOGIN})
    assert response.status_code == 302
    assert b"Aanmelden bij Parcours" in client.get(LOGIN).content


def test_switch_is_remembered_on_the_account(client: Client, claire) -> None:  # type: ignore[no-untyped-def]
    client.force_login(claire)
    client.post(reverse("accounts:set_language"), {"language": "nl", "next": "/"})
    claire.refresh_from_db()
    assert claire.language == "nl"
    other_browser = Client(HTTP_ACCEPT_LANGUAGE="fr")
    other_browser.force_login(claire)
    assert other_browser.get(reverse("home"))["Content-Language"] == "nl"


def test_unknown_language_is_ignored(client: Client, claire) -> None:  # type: ignore[no-untyped-def]
    client.force_login(claire)
    client.post(reverse("accounts:set_language"), {"language": "xx", "next": "/"})
    claire.refresh_from_db()
    assert claire.language == ""
