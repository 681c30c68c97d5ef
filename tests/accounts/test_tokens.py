"""Bearer tokens for machine clients: valid, revoked, wrong; and the `parcours token` command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from parcours.accounts.actions import api_token_create, api_token_revoke
from parcours.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_valid_token_authenticates_the_api(client: Client, claire) -> None:  # type: ignore[no-untyped-def]
    issued = api_token_create(user=claire, name="HIS bridge")
    response = client.get("/api/me", **bearer(issued.raw))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "claire"
    assert body["memberships"][0]["role"] == "hospital_liaison_nurse"
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


def test_token_is_stored_hashed_only(claire) -> None:  # type: ignore[no-untyped-def]
    issued = api_token_create(user=claire, name="bridge")
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.raw not in {stored.digest, stored.name}
    assert stored.digest == ApiToken.digest_of(issued.raw)


def test_revoked_token_is_refused(client: Client, claire) -> None:  # type: ignore[no-untyped-def]
    issued = api_token_create(user=claire, name="old bridge")
    api_token_revoke(token=issued.token)
    response = client.get("/api/me", **bearer(issued.raw))
    assert response.status_code == 401
    assert response.json()["detail"]
    assert "invalid_token" in response["WWW-Authenticate"]


@pytest.mark.parametrize("raw", ["pct_not-a-real-token", "nonsense", ""])
def test_wrong_token_is_refused(client: Client, claire, raw: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/me", **bearer(raw))
    assert response.status_code == 401


def test_token_of_a_deactivated_user_is_refused(client: Client, claire) -> None:  # type: ignore[no-untyped-def]
    issued = api_token_create(user=claire)
    claire.is_active = False
    claire.save()
    assert client.get("/api/me", **bearer(issued.raw)).status_code == 401


def test_no_credentials_is_401(client: Client) -> None:
    assert client.get("/api/me").status_code == 401


def test_error_message_follows_the_language(client: Client) -> None:
    response = client.get("/api/me", HTTP_AUTHORIZATION="Bearer x", HTTP_ACCEPT_LANGUAGE="nl")
    assert response.json() == {"detail": "Het API-token is ongeldig of ingetrokken."}
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_session_api_writes_need_csrf(claire) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(claire)
    assert client.get("/api/me").status_code == 200


def test_token_create_command_prints_only_the_token(claire) -> None:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("token", "create", "--user", "claire", "--name", "bridge", stdout=out)
    raw = out.getvalue().strip()
    assert "\n" not in raw and raw.startswith(ApiToken.PREFIX)
    assert ApiToken.objects.get(name="bridge").digest == ApiToken.digest_of(raw)
    call_command("token", "revoke", "--user", "claire", "--name", "bridge", stdout=StringIO())
    assert ApiToken.objects.get(name="bridge").is_revoked
