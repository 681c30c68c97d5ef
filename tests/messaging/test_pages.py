"""The notifications page, preferences and the JSON API, in the reader's language."""

from __future__ import annotations

import pytest
from django.test import Client

from parcours.accounts.actions import api_token_create
from parcours.messaging.actions import notification_create
from parcours.messaging.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db


def notify(user, sender: str, key: str | None = None) -> Notification:  # type: ignore[no-untyped-def]
    return notification_create(
        recipient=user,
        kind="transmission.received",
        params={"sender": sender},
        link="/about/",
        key=key,
    )


def test_the_list_shows_unread_first_in_the_readers_language(logged_in, luc, claire) -> None:  # type: ignore[no-untyped-def]
    old = notify(luc, "Alice Aubert")
    notify(luc, "Bruno Bral")
    notify(claire, "Someone For Claire")
    Notification.objects.filter(pk=old.pk).update(read_at=old.created_at)
    luc.language = "nl"
    luc.save()
    response = logged_in(luc).get("/notifications/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Bruno Bral") < html.index("Alice Aubert"), "unread first"
    assert "Someone For Claire" not in html
    assert "Overdracht van Bruno Bral te bevestigen" in html
    assert 'data-live-topic="notifications"' in html


def test_marking_read_over_htmx_returns_the_refreshed_list(logged_in, luc) -> None:  # type: ignore[no-untyped-def]
    notification = notify(luc, "Bruno Bral")
    client = logged_in(luc)
    response = client.post(
        "/notifications/read/", {"notification": notification.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_a_notification_marks_it_read_and_follows_its_link(logged_in, luc, claire) -> None:  # type: ignore[no-untyped-def]
    notification = notify(luc, "Bruno Bral")
    response = logged_in(luc).get(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/about/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    someone_elses = notify(claire, "Bruno Bral")
    assert logged_in(luc).get(f"/notifications/{someone_elses.pk}/open/").status_code == 404


def test_the_page_needs_a_login(client: Client) -> None:
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_nav_links_to_notifications_for_every_role(logged_in, luc, helene) -> None:  # type: ignore[no-untyped-def]
    assert 'href="/notifications/"' in logged_in(luc).get("/").content.decode()


def test_preferences_are_saved(logged_in, luc) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(luc)
    assert client.get("/notifications/preferences/").status_code == 200
    response = client.post(
        "/notifications/preferences/",
        {"transmission.received:in_app": "on", "transmission.received:digest": "on"},
    )
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=luc, kind="transmission.received")
    assert preference.in_app and preference.email_daily_digest
    assert not preference.email and not preference.webhook


def test_the_api_lists_and_marks_read(client: Client, luc) -> None:  # type: ignore[no-untyped-def]
    first = notify(luc, "Alice Aubert")
    notify(luc, "Bruno Bral")
    token = api_token_create(user=luc, name="client").raw
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": "en"}
    body = client.get("/api/notifications/", **auth).json()
    assert body["unread"] == 2
    assert body["items"][0]["title"] == "Transmission from Bruno Bral to acknowledge"
    response = client.post(
        "/api/notifications/read",
        {"ids": [first.pk]},
        content_type="application/json",
        **auth,
    )
    assert response.json() == {"marked": 1}
    assert client.get("/api/notifications/", **auth).json()["unread"] == 1
    response = client.post("/api/notifications/read", {}, content_type="application/json", **auth)
    assert response.json() == {"marked": 1}
