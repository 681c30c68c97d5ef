"""Creating notifications writes the outbox in the caller's transaction, idempotently."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from parcours.messaging.actions import (
    InvalidNotification,
    notification_create,
    notification_preference_set,
    webhook_endpoint_register,
)
from parcours.messaging.models import Notification, OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db


def create(recipient, **extra):  # type: ignore[no-untyped-def]
    values = {
        "recipient": recipient,
        "kind": "transmission.received",
        "params": {"sender": "Claire Dubois"},
        "link": "/",
    }
    return notification_create(**{**values, **extra})


def test_one_outbox_row_per_enabled_channel(luc, hospital) -> None:  # type: ignore[no-untyped-def]
    webhook_endpoint_register(organisation=luc.memberships.get().organisation, url="http://x/h")
    notification = create(luc)
    rows = OutboxMessage.objects.filter(notification=notification)
    assert sorted(rows.values_list("channel", flat=True)) == ["email", "in_app", "webhook"]
    assert set(rows.values_list("status", flat=True)) == {OutboxStatus.PENDING}


def test_the_same_key_twice_gives_one_notification_and_one_set_of_rows(luc) -> None:  # type: ignore[no-untyped-def]
    first = create(luc, key="transmission:42:luc")
    second = create(luc, key="transmission:42:luc", params={"sender": "Someone else"})
    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert OutboxMessage.objects.count() == 2  # in_app and email


def test_the_outbox_rows_roll_back_with_the_change(luc) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError), transaction.atomic():
        create(luc)
        raise RuntimeError("the change failed")
    assert not Notification.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_preferences_choose_the_channels(luc) -> None:  # type: ignore[no-untyped-def]
    notification_preference_set(
        user=luc,
        kind="transmission.received",
        in_app=False,
        email=True,
        webhook=False,
        email_daily_digest=True,
    )
    notification = create(luc)
    assert not notification.shown_in_app
    assert not OutboxMessage.objects.exists(), "daily digest: no e-mail now, nothing in the app"


def test_parameters_must_fit_the_title_and_links_stay_inside(luc) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidNotification):
        create(luc, params={})
    with pytest.raises(InvalidNotification):
        create(luc, link="https://elsewhere.example/")
    with pytest.raises(InvalidNotification):
        create(luc, link="//elsewhere.example/")


def test_the_title_renders_in_the_readers_language(luc) -> None:  # type: ignore[no-untyped-def]
    notification = create(luc)
    assert notification.title("en") == "Transmission from Claire Dubois to acknowledge"
    assert notification.title("fr") != notification.title("en")
    assert "Claire Dubois" in notification.title("nl")


def test_the_database_refuses_a_second_outbox_row_with_the_same_key(luc) -> None:  # type: ignore[no-untyped-def]
    notification = create(luc, key="unique")
    row = OutboxMessage.objects.filter(notification=notification).first()
    assert row is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxMessage.objects.create(
            notification=notification,
            recipient=luc,
            channel=row.channel,
            idempotency_key=row.idempotency_key,
        )
