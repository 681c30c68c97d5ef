"""The relay against a real SMTP server and a real webhook receiver, with a deterministic clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from parcours.messaging.actions import (
    digest_build,
    notification_create,
    notification_preference_set,
    outbox_requeue_dead,
    webhook_endpoint_register,
)
from parcours.messaging.delivery import BACKOFF_BASE, BACKOFF_CAP, backoff
from parcours.messaging.models import (
    AttemptOutcome,
    Channel,
    DeliveryAttempt,
    OutboxMessage,
    OutboxStatus,
)
from parcours.messaging.transports.email import message_id
from tests.support.receivers import webhook_receiver

pytestmark = pytest.mark.django_db

PATIENT = {"sender": "Jeanne Dupont-Lemaire"}  # stands in for anything sensitive in parameters


def transmission(recipient, key=None, params=None, link="/patients/4711/transmissions/9/"):  # type: ignore[no-untyped-def]
    return notification_create(
        recipient=recipient,
        kind="transmission.received",
        params=params or PATIENT,
        link=link,
        patient_id=4711,
        key=key,
    )


def email_rows():  # type: ignore[no-untyped-def]
    return OutboxMessage.objects.filter(channel=Channel.EMAIL)


def test_email_is_delivered_once_with_a_message_id_from_the_key(luc, smtp, relay) -> None:  # type: ignore[no-untyped-def]
    transmission(luc, key="t-1")
    assert relay.run() == 2  # in_app and e-mail
    row = email_rows().get()
    assert row.status == OutboxStatus.DELIVERED and row.attempts == 1
    assert smtp.recorder.message_ids() == {message_id("t-1:email"): 1}
    attempt = row.deliveries.get()
    assert attempt.outcome == AttemptOutcome.DELIVERED and attempt.finished_at is not None
    assert relay.run() == 0, "nothing left to deliver"


def test_the_email_says_only_that_something_waits_in_the_recipients_language(  # type: ignore[no-untyped-def]
    luc, smtp, relay
) -> None:
    luc.language = "nl"
    luc.save()
    notification = transmission(luc)
    relay.run()
    (mail,) = smtp.recorder.received
    text = str(mail["Subject"]) + mail.get_content()
    for secret in ("Jeanne", "Dupont", "4711", "transmissions/9"):
        assert secret not in text
    assert f"/notifications/{notification.pk}/open/" in text
    assert "Parcours" in text
    assert "Hello" not in text, "rendered in Dutch, not in English"


def test_smtp_down_keeps_rows_pending_with_backoff_then_delivers_once(  # type: ignore[no-untyped-def]
    luc, smtp, relay, clock
) -> None:
    smtp.stop()
    for n in range(3):
        transmission(luc, key=f"down-{n}")
    relay.run()
    rows = list(email_rows().order_by("pk"))
    assert {r.status for r in rows} == {OutboxStatus.FAILED}
    assert all(r.attempts == 1 and r.next_attempt_at > clock.now for r in rows)
    assert all("refused" in r.last_error.lower() for r in rows)
    assert relay.run() == 0, "not due yet: no retry storm"

    clock.advance(BACKOFF_BASE)  # the first retry is due within one base delay
    relay.run()
    assert set(email_rows().values_list("attempts", flat=True)) == {2}
    assert set(email_rows().values_list("status", flat=True)) == {OutboxStatus.FAILED}

    smtp.start()  # the server is back
    clock.advance(BACKOFF_BASE * 2)
    relay.run()
    assert set(email_rows().values_list("status", flat=True)) == {OutboxStatus.DELIVERED}
    assert smtp.recorder.message_ids() == {message_id(f"down-{n}:email"): 1 for n in range(3)}
    outcomes = list(
        DeliveryAttempt.objects.filter(message__channel=Channel.EMAIL).values_list(
            "outcome", flat=True
        )
    )
    assert outcomes.count(AttemptOutcome.FAILED) == 6
    assert outcomes.count(AttemptOutcome.DELIVERED) == 3


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    import random

    rng = random.Random(1)
    for attempts in range(1, 12):
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempts - 1))
        delay = backoff(attempts, rng)
        assert ceiling / 2 <= delay <= ceiling
    assert backoff(40, rng) <= BACKOFF_CAP


def test_an_expired_lease_makes_a_crashed_delivery_claimable_again(
    luc, smtp, make_relay, clock
) -> None:  # type: ignore[no-untyped-def]
    transmission(luc, key="crash")
    crashed = make_relay(worker_id="crashed-worker")
    claim = crashed.claim()
    assert claim is not None  # ... and the worker dies here, holding the lease
    survivor = make_relay(worker_id="survivor")
    claimed = [survivor.claim()]
    assert claimed[0] is not None and claimed[0].message.pk != claim.message.pk
    survivor.deliver(claimed[0])
    assert survivor.claim() is None, "the lease still holds"

    clock.advance(timedelta(minutes=6))
    again = survivor.claim()
    assert again is not None and again.message.pk == claim.message.pk
    survivor.deliver(again)
    row = OutboxMessage.objects.get(pk=claim.message.pk)
    assert row.status == OutboxStatus.DELIVERED and row.attempts == 2
    first, second = row.deliveries.all()
    assert first.outcome == AttemptOutcome.INTERRUPTED and first.worker == "crashed-worker"
    assert second.outcome == AttemptOutcome.DELIVERED and second.worker == "survivor"
    # The crashed worker's late result is ignored: it no longer holds the lease.
    crashed._finish(claim, error="too late")
    assert OutboxMessage.objects.get(pk=row.pk).status == OutboxStatus.DELIVERED


def test_signed_webhook_is_delivered_and_verified_by_the_receiver(luc, relay) -> None:  # type: ignore[no-untyped-def]
    organisation = luc.memberships.get().organisation
    with webhook_receiver() as receiver:
        endpoint, secret = webhook_endpoint_register(organisation=organisation, url=receiver.url)
        receiver.log.secret = secret
        transmission(luc, key="hook-1")
        relay.run()
        row = OutboxMessage.objects.get(channel=Channel.WEBHOOK)
        assert row.status == OutboxStatus.DELIVERED and row.endpoint == endpoint
        (post,) = receiver.log.posts
        assert post["valid"] and post["delivery"] == f"hook-1:webhook:{endpoint.pk}"
        body = str(post["body"])
        assert "Jeanne" not in body and "4711" not in body
        assert post["body"]["kind"] == "transmission.received"

        # A re-delivery (e.g. after a crash) carries the same id: the receiver processes it once.
        OutboxMessage.objects.filter(pk=row.pk).update(status=OutboxStatus.PENDING)
        relay.run()
        assert receiver.log.deliveries() == {row.idempotency_key: 2}
        assert receiver.log.processed == {row.idempotency_key}


def test_a_wrong_secret_fails_the_receivers_signature_check(luc, relay) -> None:  # type: ignore[no-untyped-def]
    organisation = luc.memberships.get().organisation
    with webhook_receiver(secret="not-the-secret") as receiver:
        webhook_endpoint_register(organisation=organisation, url=receiver.url)
        transmission(luc)
        relay.run()
        assert receiver.log.bad_signatures == 1 and not receiver.log.processed
        row = OutboxMessage.objects.get(channel=Channel.WEBHOOK)
        assert row.status == OutboxStatus.FAILED and row.last_error == "HTTP 401"


def test_webhook_errors_retry_with_backoff_then_go_to_the_dead_letter(  # type: ignore[no-untyped-def]
    luc, make_relay, clock, settings
) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 4
    relay = make_relay()
    organisation = luc.memberships.get().organisation
    with webhook_receiver() as receiver:
        _endpoint, secret = webhook_endpoint_register(organisation=organisation, url=receiver.url)
        receiver.log.secret = secret
        receiver.log.status = 500
        transmission(luc)
        delays = []
        for attempt in range(1, 5):
            relay.run()
            row = OutboxMessage.objects.get(channel=Channel.WEBHOOK)
            assert row.attempts == attempt and row.last_error == "HTTP 500"
            if attempt < 4:
                assert row.status == OutboxStatus.FAILED
                delays.append(row.next_attempt_at - clock.now)
                clock.now = row.next_attempt_at
        assert row.status == OutboxStatus.DEAD
        assert delays == sorted(delays) and delays[0] <= BACKOFF_BASE
        clock.advance(BACKOFF_CAP * 2)
        assert relay.run() == 0, "dead letters are not retried"
        assert len(receiver.log.posts) == 4
        assert all(p["valid"] for p in receiver.log.posts)
        assert len({p["delivery"] for p in receiver.log.posts}) == 1

        # Once the receiver is fixed, an operator requeues the dead letter.
        receiver.log.status = 204
        assert outbox_requeue_dead() == 1
        relay.run()
        row = OutboxMessage.objects.get(channel=Channel.WEBHOOK)
        assert row.status == OutboxStatus.DELIVERED and row.deliveries.count() == 5
        assert receiver.log.processed == {row.idempotency_key}


def test_a_user_without_address_is_a_dead_letter_at_once(luc, smtp, relay) -> None:  # type: ignore[no-untyped-def]
    transmission(luc)
    type(luc).objects.filter(pk=luc.pk).update(email="")
    relay.run()
    row = email_rows().get()
    assert row.status == OutboxStatus.DEAD and row.attempts == 1


def test_the_daily_digest_groups_the_days_notifications_in_one_email(  # type: ignore[no-untyped-def]
    luc, smtp, relay, clock
) -> None:
    for kind in ("transmission.received", "referral.updated"):
        notification_preference_set(
            user=luc, kind=kind, in_app=True, email=True, webhook=True, email_daily_digest=True
        )
    transmission(luc)
    transmission(luc)
    notification_create(
        recipient=luc, kind="referral.updated", params={"actor": "Jeanne Dupont-Lemaire"}, link="/"
    )
    relay.run()
    assert not smtp.recorder.received, "nothing by e-mail before the digest"
    assert digest_build(now=clock.now) == 1
    assert digest_build(now=clock.now) == 0, "one digest per user and day"
    relay.run()
    (mail,) = smtp.recorder.received
    text = str(mail["Subject"]) + mail.get_content()
    assert "3" in str(mail["Subject"])
    assert "Jeanne" not in text
    assert "2 × " in text and "1 × " in text
    clock.advance(timedelta(days=1))
    assert digest_build(now=clock.now) == 0, "already digested notifications are not repeated"
