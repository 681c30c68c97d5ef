"""A fan-out's notifications are written in bulk (`notifications_create`): the same channels,
keys and titles as one `notification_create` per recipient, in a number of queries that does
not grow with the number of recipients, and delivered exactly once by the relay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parcours.accounts.models import User
from parcours.messaging.actions import (
    InvalidNotification,
    notification_create,
    notification_preference_set,
    notifications_create,
    webhook_endpoint_register,
)
from parcours.messaging.conversation_actions import (
    conversation_create_direct,
    conversation_for_patient,
    conversation_message_post,
)
from parcours.messaging.conversations import conversation_access
from parcours.messaging.delivery import Relay
from parcours.messaging.models import (
    Channel,
    DeliveryAttempt,
    Notification,
    OutboxMessage,
    OutboxStatus,
)
from parcours.patients.access import Purpose, access_patient
from parcours.patients.actions import MemberInput, PatientData, circle_member_add, patient_create
from parcours.patients.models import Patient
from tests.factories import OrganisationFactory, UserFactory
from tests.messaging.conftest import Clock
from tests.support.receivers import SmtpServer, webhook_receiver

pytestmark = pytest.mark.django_db

KIND = "transmission.received"
PARAMS = {"sender": "Claire Dubois"}


def readers(count: int, prefix: str = "reader", organisation: object = None) -> list[User]:
    organisation = organisation or OrganisationFactory(code=f"org-{prefix}")
    return [
        UserFactory(username=f"{prefix}{n}", role="home_nurse", organisation=organisation)
        for n in range(count)
    ]


def channels_of(notification: Notification) -> list[str]:
    return sorted(notification.outbox.values_list("channel", flat=True))


def test_each_recipient_gets_the_channels_of_their_own_preferences() -> None:
    with_hook = OrganisationFactory(code="with-hook")
    endpoint, _secret = webhook_endpoint_register(organisation=with_hook, url="http://x/h")
    plain, digest, quiet, hooked = readers(3, "plain") + readers(1, "hooked", with_hook)
    no_address = UserFactory(username="noaddress", email="", role="gp")
    notification_preference_set(
        user=digest, kind=KIND, in_app=True, email=True, webhook=False, email_daily_digest=True
    )
    notification_preference_set(
        user=quiet, kind=KIND, in_app=False, email=False, webhook=False, email_daily_digest=False
    )
    people = [plain, digest, quiet, hooked, no_address]

    created = notifications_create(recipients=people, kind=KIND, params=PARAMS, link="/x/")

    assert [n.recipient_id for n in created] == [p.pk for p in people]
    assert [channels_of(n) for n in created] == [
        ["email", "in_app"],
        ["in_app"],  # e-mail in the daily digest
        [],
        ["email", "in_app", "webhook"],
        ["in_app"],  # no address, no e-mail row
    ]
    assert [n.shown_in_app for n in created] == [True, True, False, True, True]
    hook_row = OutboxMessage.objects.get(channel=Channel.WEBHOOK)
    assert hook_row.recipient_id == hooked.pk and hook_row.endpoint_id == endpoint.pk
    assert hook_row.idempotency_key == f"{created[3].key}:webhook:{endpoint.pk}"
    assert {row.next_attempt_at for row in OutboxMessage.objects.all()} == {created[0].created_at}


def test_same_results_as_one_notification_per_recipient() -> None:
    organisation = OrganisationFactory(code="shared")
    webhook_endpoint_register(organisation=organisation, url="http://x/h", kinds=[KIND])
    people = readers(4, "same", organisation)
    notification_preference_set(
        user=people[1], kind=KIND, in_app=False, email=True, webhook=True, email_daily_digest=False
    )
    bulk = notifications_create(
        recipients=people,
        kind=KIND,
        params=PARAMS,
        link="/x/",
        patient_id=7,
        keys=[f"bulk-{p.pk}" for p in people],
    )
    single = [
        notification_create(
            recipient=p, kind=KIND, params=PARAMS, link="/x/", patient_id=7, key=f"one-{p.pk}"
        )
        for p in people
    ]
    fields = ("recipient_id", "kind", "title_key", "params", "link", "patient_id", "shown_in_app")
    for a, b in zip(bulk, single, strict=True):
        assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]
        assert channels_of(a) == channels_of(b)
        suffixes = {
            k.removeprefix(a.key) for k in a.outbox.values_list("idempotency_key", flat=True)
        }
        assert suffixes == {
            k.removeprefix(b.key) for k in b.outbox.values_list("idempotency_key", flat=True)
        }


def test_keys_make_it_idempotent_per_recipient() -> None:
    people = readers(3, "idem")
    first = notifications_create(
        recipients=people[:2], kind=KIND, params=PARAMS, link="/", keys=["k-0", "k-1"]
    )
    rows = OutboxMessage.objects.count()
    again = notifications_create(
        recipients=people,
        kind=KIND,
        params={"sender": "Someone else"},
        link="/",
        keys=["k-0", "k-1", "k-2"],
    )
    assert [n.pk for n in again[:2]] == [n.pk for n in first]
    assert again[2].recipient_id == people[2].pk and again[2].params == {"sender": "Someone else"}
    assert Notification.objects.count() == 3
    assert OutboxMessage.objects.count() == rows + 2  # only the new one's in_app and e-mail
    twice = notifications_create(
        recipients=[people[0], people[0]], kind=KIND, params=PARAMS, link="/", keys=["d", "d"]
    )
    assert twice[0].pk == twice[1].pk and Notification.objects.filter(key="d").count() == 1


def test_everything_rolls_back_with_the_change() -> None:
    people = readers(3, "rollback")
    with pytest.raises(RuntimeError), transaction.atomic():
        notifications_create(recipients=people, kind=KIND, params=PARAMS, link="/")
        raise RuntimeError("the change failed")
    assert not Notification.objects.exists() and not OutboxMessage.objects.exists()


def test_invalid_calls_write_nothing() -> None:
    people = readers(2, "invalid")
    with pytest.raises(InvalidNotification):
        notifications_create(recipients=people, kind=KIND, params={}, link="/")
    with pytest.raises(InvalidNotification):
        notifications_create(recipients=people, kind=KIND, params=PARAMS, link="/", keys=["a"])
    assert notifications_create(recipients=[], kind=KIND, params=PARAMS, link="/") == []
    assert not Notification.objects.exists()


def test_a_multilingual_parameter_reads_in_each_readers_language() -> None:
    people = readers(2, "lang")
    hospital = {"fr": "CHU Saint-Pierre", "nl": "UMC Sint-Pieter"}
    created = notifications_create(
        recipients=people, kind="stay.admitted", params={"hospital": hospital}, link="/"
    )
    for notification in created:
        assert "UMC Sint-Pieter" in notification.title("nl")
        assert "CHU Saint-Pierre" in notification.title("fr")


def count_queries(action: Callable[[], object]) -> tuple[int, int]:
    """(statements, statements counting each bulk insert once). SQLite caps a statement at
    999 parameters, so Django splits a large bulk insert into consecutive batches there."""
    with CaptureQueriesContext(connection) as queries:
        action()
    statements = [q["sql"] for q in queries.captured_queries]
    inserts = [s.split()[2] if s.startswith("INSERT INTO") else None for s in statements]
    collapsed = sum(
        1 for n, table in enumerate(inserts) if table is None or n == 0 or inserts[n - 1] != table
    )
    return len(statements), collapsed


def same_cost(few: tuple[int, int], many: tuple[int, int], backend: str) -> bool:
    if backend == "sqlite":
        return few[1] == many[1]
    return few == many


def test_the_number_of_queries_does_not_grow_with_the_recipients(backend: str) -> None:
    organisation = OrganisationFactory(code="count")
    webhook_endpoint_register(organisation=organisation, url="http://x/h")
    few, many = readers(5, "few", organisation), readers(50, "many", organisation)
    for person in (few[0], many[0]):
        notification_preference_set(
            user=person, kind=KIND, in_app=True, email=False, webhook=True, email_daily_digest=True
        )

    def fan_out(people: list[User]) -> Callable[[], object]:
        return lambda: notifications_create(recipients=people, kind=KIND, params=PARAMS, link="/")

    assert same_cost(count_queries(fan_out(few)), count_queries(fan_out(many)), backend)
    assert OutboxMessage.objects.filter(channel=Channel.WEBHOOK).count() == 55
    assert OutboxMessage.objects.filter(channel=Channel.EMAIL).count() == 53


def test_posting_to_5_or_to_49_readers_costs_the_same_queries(backend: str) -> None:
    organisation = OrganisationFactory(code="post")
    sender = UserFactory(username="poster", role="gp", organisation=organisation)
    small = conversation_create_direct(user=sender, others=readers(5, "small", organisation))
    large = conversation_create_direct(user=sender, others=readers(49, "large", organisation))

    def post(conversation_id: int, body: str) -> Callable[[], object]:
        access = conversation_access(sender, conversation_id)
        return lambda: conversation_message_post(access=access, body=body)

    # The first message notifies every reader; the second only those who read since (none).
    for body in ("one", "two"):
        assert same_cost(
            count_queries(post(small.pk, body)), count_queries(post(large.pk, body)), backend
        )
    assert Notification.objects.filter(kind="message.received").count() == 5 + 49


def patient_with_team(code: str, size: int, referent: User) -> Patient:
    """A patient whose circle holds a home-nursing organisation of `size` nurses."""
    patient = patient_create(
        user=referent,
        data=PatientData(
            given_name="Marie",
            family_name=f"Peeters-{code}",
            birth_date=timezone.localdate().replace(year=1944),
            administrative_sex="female",
            is_provisional=True,
        ),
        identifiers=[],
    )
    manage = access_patient(referent, patient.pk, purpose=Purpose.COORDINATION, manage=True)
    team = OrganisationFactory(code=f"team-{code}", type="home_nursing")
    circle_member_add(access=manage, member=MemberInput(role="home_nurse", organisation=team))
    readers(size, code, team)
    return patient


def test_posting_in_a_patient_conversation_to_5_or_to_49_readers_costs_the_same_queries(
    backend: str,
) -> None:
    """The readers' access is decided at once (users_with_access), not one reader at a time."""
    hospital = OrganisationFactory(code="chu-count", type="hospital")
    sender = UserFactory(username="liaison", role="hospital_liaison_nurse", organisation=hospital)
    small, large = patient_with_team("psmall", 5, sender), patient_with_team("plarge", 49, sender)

    def post(patient: Patient, body: str) -> Callable[[], object]:
        access = access_patient(sender, patient.pk, purpose=Purpose.COORDINATION)
        conversation = conversation_for_patient(access=access)
        opened = conversation_access(sender, conversation.pk)
        return lambda: conversation_message_post(access=opened, body=body)

    for body in ("one", "two"):
        assert same_cost(
            count_queries(post(small, body)), count_queries(post(large, body)), backend
        )
    assert Notification.objects.filter(kind="message.received").count() == 5 + 49


def test_the_relay_delivers_each_bulk_row_exactly_once(
    smtp: SmtpServer, make_relay: Callable[..., Relay], clock: Clock
) -> None:
    organisation = OrganisationFactory(code="relay")
    people = readers(20, "relay", organisation)
    with webhook_receiver() as receiver:
        _endpoint, secret = webhook_endpoint_register(organisation=organisation, url=receiver.url)
        receiver.log.secret = secret
        notifications_create(recipients=people, kind=KIND, params=PARAMS, link="/", keys=None)
        clock.advance(timedelta(minutes=1))  # the rows are due
        first, second = make_relay(worker_id="w1"), make_relay(worker_id="w2")
        done = 0
        while True:
            step = first.run(limit=7) + second.run(limit=5)
            done += step
            if not step:
                break
        assert done == 60  # 20 × (in_app, e-mail, webhook)
        assert set(OutboxMessage.objects.values_list("status", flat=True)) == {
            OutboxStatus.DELIVERED
        }
        assert DeliveryAttempt.objects.count() == 60
        assert sorted(smtp.recorder.message_ids().values()) == [1] * 20
        assert sorted(receiver.log.deliveries().values()) == [1] * 20
