"""Login, lockout, two-factor and session expiry, through HTTP."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from parcours.accounts.actions import totp_device_start
from parcours.accounts.middleware import SESSION_ACTIVITY_KEY, SESSION_STARTED_KEY
from parcours.accounts.models import LoginAttempt
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def post_login(client: Client, username: str, password: str, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def test_liaison_nurse_logs_in_and_sees_her_home(client: Client, claire) -> None:  # type: ignore[no-untyped-def]
    response = post_login(client, "claire", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert (
        "Infirmier·ère de liaison hospitalier·ère".encode() in home.content
        or b"liaison" in home.content
    )
    assert LoginAttempt.objects.filter(username="claire", succeeded=True).count() == 1


def test_wrong_password_is_refused_with_a_translated_message(client: Client, claire) -> None:  # type: ignore[no-untyped-def]
    response = post_login(client, "claire", "wrong", HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 200
    assert b"De gebruikersnaam of het wachtwoord is onjuist." in response.content
    assert "_auth_user_id" not in client.session


def test_lockout_after_repeated_failures_even_with_the_right_password(
    client: Client,
    claire,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        post_login(client, "claire", "wrong")
    response = post_login(client, "claire", PASSWORD)
    assert response.status_code == 429
    assert "Trop de tentatives échouées".encode() in response.content
    assert "_auth_user_id" not in client.session


def test_lockout_message_in_dutch(client: Client, claire, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LOGIN_FAILURE_LIMIT = 2
    for _ in range(2):
        post_login(client, "claire", "wrong")
    response = post_login(client, "claire", PASSWORD, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 429
    assert b"Te veel mislukte pogingen" in response.content


def test_lockout_ends_after_the_window(client: Client, claire, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_LOCKOUT_MINUTES = 15
    with freeze_time("2026-03-02 09:00:00"):
        post_login(client, "claire", "wrong")
        post_login(client, "claire", "wrong")
        assert post_login(client, "claire", PASSWORD).status_code == 429
    with freeze_time("2026-03-02 09:16:00"):
        assert post_login(client, "claire", PASSWORD).status_code == 302


def test_a_success_resets_the_failure_count(client: Client, claire, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LOGIN_FAILURE_LIMIT = 2
    post_login(client, "claire", "wrong")
    assert post_login(client, "claire", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    post_login(client, "claire", "wrong")
    assert post_login(client, "claire", PASSWORD).status_code == 302


def test_admin_must_set_up_two_factor_before_anything_else(client: Client, helene) -> None:  # type: ignore[no-untyped-def]
    assert post_login(client, "helene", PASSWORD).status_code == 302
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:two_factor_setup")
    setup = client.get(reverse("accounts:two_factor_setup"))
    assert setup.status_code == 200
    secret = setup.context["secret"]
    confirm = client.post(reverse("accounts:two_factor_setup"), {"code": pyotp.TOTP(secret).now()})
    assert confirm.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_api_answers_an_admin_without_second_factor_in_json(client: Client, helene) -> None:  # type: ignore[no-untyped-def]
    client.force_login(helene)
    response = client.get("/api/me", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 403 and response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "L'authentification à deux facteurs doit d'abord être configurée."
    }


def test_user_with_two_factor_needs_the_code_to_finish_login(client: Client, claire) -> None:  # type: ignore[no-untyped-def]
    device = totp_device_start(user=claire)
    device.confirmed_at = device.created_at
    device.save()
    response = post_login(client, "claire", PASSWORD)
    assert response["Location"] == reverse("accounts:two_factor_verify")
    assert client.get(reverse("home")).status_code == 302, "not logged in before the code"
    wrong = client.post(reverse("accounts:two_factor_verify"), {"code": "000000"})
    assert wrong.status_code == 200
    good = client.post(
        reverse("accounts:two_factor_verify"), {"code": pyotp.TOTP(device.secret).now()}
    )
    assert good.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_a_totp_code_cannot_be_replayed(claire) -> None:  # type: ignore[no-untyped-def]
    from parcours.accounts.actions import totp_verify

    device = totp_device_start(user=claire)
    code = pyotp.TOTP(device.secret).now()
    assert totp_verify(device=device, code=code)
    assert not totp_verify(device=device, code=code)


def test_session_expires_after_inactivity(client: Client, claire, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SESSION_IDLE_MINUTES = 30
    client.force_login(claire)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[SESSION_ACTIVITY_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    login_page = client.get(response["Location"])
    assert "Votre session a expiré".encode() in login_page.content


def test_session_ends_after_the_absolute_limit_even_when_active(
    client: Client, claire, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.SESSION_MAX_HOURS = 12
    client.force_login(claire)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[SESSION_STARTED_KEY] = int(time.time()) - 12 * 3600 - 1
    session[SESSION_ACTIVITY_KEY] = int(time.time()) - 10
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert "expired=1" in response["Location"]


def test_logout_requires_post(client: Client, claire) -> None:  # type: ignore[no-untyped-def]
    client.force_login(claire)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_open_redirect_is_refused(client: Client, claire) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        LOGIN + "?next=https://evil.example/", {"username": "claire", "password": PASSWORD}
    )
    assert response["Location"] == reverse("home")
