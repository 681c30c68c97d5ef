"""Transmissions through their actions: send to the circle, refusals, read, acknowledge,
reminder then escalation, and e-mails that say nothing about the patient."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from parcours.messaging.models import (
    Notification,
    OutboxMessage,
    Transmission,
    TransmissionEvent,
    TransmissionRecipient,
    TransmissionState,
)
from parcours.messaging.transmission_actions import (
    Delivery,
    NotARecipient,
    RecipientRefused,
    TransmissionError,
    transmission_acknowledge,
    transmission_check_deadlines,
    transmission_mark_read,
    transmission_send,
)
from parcours.messaging.transmission_selectors import (
    liaison_letter_sent_at,
    recipient_options,
    to_acknowledge,
)
from parcours.patients.access import Purpose, access_patient
from parcours.patients.actions import consent_record
from tests.messaging.transmission_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db

SECRET = "Furosemide 40 mg stopped"


@pytest.fixture(autouse=True)
def in_english():  # type: ignore[no-untyped-def]
    with translation.override("en"):
        yield


def send(access, circle, deadline, *names, kind="liaison_letter", **extra):  # type: ignore[no-untyped-def]
    deliveries = [
        Delivery(circle_member=circle[name], body=f"{SECRET} — view for {name}") for name in names
    ]
    return transmission_send(
        access=access,
        kind=kind,
        subject="Sortie de Mme Peeters",
        deliveries=deliveries,
        acknowledge_by=deadline,
        **extra,
    )


def copy_of(transmission, user):  # type: ignore[no-untyped-def]
    return TransmissionRecipient.objects.get(transmission=transmission, user=user)


def access_of(user, patient):  # type: ignore[no-untyped-def]
    return access_patient(user, patient.pk, purpose=Purpose.TREATMENT)


def test_send_to_circle_members_with_one_view_each(  # type: ignore[no-untyped-def]
    sender_access, circle, deadline, gp_luc, home_nurse, home_help
) -> None:
    sent = send(sender_access, circle, deadline, "gp", "nurse", "home_help", "jan")

    copies = {c.circle_member_id: c for c in sent.recipients.all()}
    assert copies[circle["gp"].pk].user == gp_luc
    assert copies[circle["gp"].pk].body.endswith("view for gp")
    assert copies[circle["nurse"].pk].user == home_nurse
    assert copies[circle["home_help"].pk].user is None, "a service: any of its team acknowledges"
    assert copies[circle["jan"].pk].user is None
    assert copies[circle["jan"].pk].language == "nl"
    assert {c.state for c in copies.values()} == {TransmissionState.SENT}
    assert TransmissionEvent.objects.filter(recipient__transmission=sent, type="sent").count() == 4
    notified = set(
        Notification.objects.filter(kind="transmission.received").values_list(
            "recipient__username", flat=True
        )
    )
    assert notified == {"luc", "fatima", "nadia"}, "Jan has no account: nobody to notify"
    assert to_acknowledge(home_help).get().circle_member == circle["home_help"]
    assert sent.sender_organisation is not None and sent.sender_organisation.code == "chu-test"


@pytest.mark.parametrize(
    ("name", "message"),
    [("koen", "does not want"), ("home_help", "non-medical")],
)
def test_a_refused_recipient_means_nothing_is_sent(  # type: ignore[no-untyped-def]
    sender_access, circle, deadline, name, message
) -> None:
    with pytest.raises(RecipientRefused, match=message):
        send(sender_access, circle, deadline, "gp", name, kind="medication_changes")
    assert not Transmission.objects.exists()
    assert not TransmissionRecipient.objects.exists()
    assert not Notification.objects.exists()


def test_an_account_outside_the_circle_is_refused(  # type: ignore[no-untyped-def]
    sender_access, circle, deadline, outsider
) -> None:
    with pytest.raises(RecipientRefused, match="not an active member of the circle"):
        transmission_send(
            access=sender_access,
            kind="other",
            subject="Question",
            deliveries=[
                Delivery(circle_member=circle["gp"], body="a"),
                Delivery(recipient_user=outsider, body="b"),
            ],
            acknowledge_by=deadline,
        )
    assert not Transmission.objects.exists()


def test_a_member_of_another_patient_is_refused(  # type: ignore[no-untyped-def]
    sender_access, circle, deadline, nurse_claire
) -> None:
    from parcours.patients.actions import PatientData, patient_create
    from parcours.patients.models import CircleMember

    other = patient_create(
        user=nurse_claire, data=PatientData(given_name="Autre", is_provisional=True), identifiers=[]
    )
    stranger = CircleMember.objects.create(patient=other, role="caregiver", person_name="Eva")
    with pytest.raises(RecipientRefused, match="Eva is not an active member"):
        transmission_send(
            access=sender_access,
            kind="other",
            subject="Question",
            deliveries=[Delivery(circle_member=stranger, body="b")],
            acknowledge_by=deadline,
        )


def test_the_options_say_who_cannot_receive_and_why(sender_access, circle) -> None:  # type: ignore[no-untyped-def]
    options = {o.member.pk: o for o in recipient_options(sender_access)}
    assert options[circle["koen"].pk].refusal == "excluded"
    assert "does not want" in options[circle["koen"].pk].refusal_message
    assert options[circle["jan"].pk].needs_hand_over and options[circle["jan"].pk].can_receive
    assert [u.username for u in options[circle["gp"].pk].accounts] == ["luc"]


def test_nothing_is_sent_once_consent_is_withdrawn(  # type: ignore[no-untyped-def]
    sender_access, circle, deadline, nurse_claire, marie
) -> None:
    manage = access_patient(nurse_claire, marie.pk, purpose=Purpose.CONSENT, manage=True)
    consent_record(access=manage, status="withdrawn", method="oral")
    with pytest.raises(TransmissionError, match="does not consent"):
        send(sender_access, circle, deadline, "gp")
    assert not Transmission.objects.exists()


def test_deadline_in_the_past_is_refused(sender_access, circle) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TransmissionError, match="future"):
        send(sender_access, circle, timezone.now() - timedelta(minutes=1), "gp")


def test_read_on_first_view_only(sender_access, circle, deadline, gp_luc, marie) -> None:  # type: ignore[no-untyped-def]
    sent = send(sender_access, circle, deadline, "gp")
    copy = copy_of(sent, gp_luc)
    assert transmission_mark_read(access=access_of(gp_luc, marie), recipient=copy) is True
    assert transmission_mark_read(access=access_of(gp_luc, marie), recipient=copy) is False
    copy.refresh_from_db()
    assert copy.state == TransmissionState.READ and copy.read_at is not None
    assert list(copy.events.values_list("type", flat=True)) == ["sent", "read"]


def test_acknowledge_by_the_recipient_only(  # type: ignore[no-untyped-def]
    sender_access, circle, deadline, gp_luc, home_nurse, nurse_claire, marie
) -> None:
    sent = send(sender_access, circle, deadline, "gp", "nurse")
    copy = copy_of(sent, gp_luc)
    for intruder in (home_nurse, nurse_claire):
        with pytest.raises(NotARecipient, match="Only a recipient"):
            transmission_acknowledge(access=access_of(intruder, marie), recipient=copy)
    copy.refresh_from_db()
    assert copy.state == TransmissionState.SENT

    transmission_acknowledge(access=access_of(gp_luc, marie), recipient=copy, note="Vu, merci")
    transmission_acknowledge(access=access_of(gp_luc, marie), recipient=copy)
    copy.refresh_from_db()
    assert copy.state == TransmissionState.ACKNOWLEDGED
    assert copy.acknowledged_by == gp_luc and not copy.acknowledged_on_behalf
    assert copy.read_at is not None
    assert list(copy.events.values_list("type", flat=True)) == ["sent", "acknowledged"]


def test_any_member_of_a_service_acknowledges_its_copy(  # type: ignore[no-untyped-def]
    sender_access, circle, deadline, home_help, marie
) -> None:
    sent = send(sender_access, circle, deadline, "home_help")
    copy = sent.recipients.get()
    transmission_acknowledge(access=access_of(home_help, marie), recipient=copy)
    copy.refresh_from_db()
    assert copy.acknowledged_by == home_help


def test_the_sender_records_the_hand_over_for_a_person_without_account(  # type: ignore[no-untyped-def]
    sender_access, circle, deadline, gp_luc, marie
) -> None:
    sent = send(sender_access, circle, deadline, "gp", "jan")
    jan = sent.recipients.get(circle_member=circle["jan"])
    with pytest.raises(TransmissionError, match="handed over"):
        transmission_acknowledge(access=sender_access, recipient=jan, on_behalf=True)
    with pytest.raises(NotARecipient, match="Only the sender"):
        transmission_acknowledge(access=access_of(gp_luc, marie), recipient=jan, on_behalf=True)
    gp_copy = copy_of(sent, gp_luc)
    with pytest.raises(NotARecipient, match="acknowledges it themselves"):
        transmission_acknowledge(
            access=sender_access, recipient=gp_copy, on_behalf=True, note="by phone"
        )

    transmission_acknowledge(
        access=sender_access, recipient=jan, on_behalf=True, note="Lu au téléphone le 12/03"
    )
    jan.refresh_from_db()
    assert jan.state == TransmissionState.ACKNOWLEDGED and jan.acknowledged_on_behalf
    assert jan.acknowledgement_note == "Lu au téléphone le 12/03"


def test_reminder_then_escalation_once_each(  # type: ignore[no-untyped-def]
    sender_access, circle, deadline, gp_luc, home_nurse, nurse_claire, marie, settings
) -> None:
    settings.TRANSMISSION_ESCALATION_HOURS = 24
    sent = send(sender_access, circle, deadline, "gp", "nurse", "jan")
    transmission_acknowledge(
        access=access_of(home_nurse, marie), recipient=copy_of(sent, home_nurse)
    )

    before = transmission_check_deadlines(now=deadline - timedelta(minutes=1))
    assert (before.reminded, before.escalated) == (0, 0)

    at_deadline = transmission_check_deadlines(now=deadline + timedelta(minutes=1))
    assert at_deadline.reminded == 2, "the GP and Jan; the home nurse acknowledged"
    again = transmission_check_deadlines(now=deadline + timedelta(hours=2))
    assert (again.reminded, again.escalated) == (0, 0)
    reminders = Notification.objects.filter(kind="transmission.reminder")
    assert list(reminders.values_list("recipient__username", flat=True)) == ["luc"]
    hand_over = Notification.objects.get(kind="transmission.hand_over_due")
    assert hand_over.recipient == nurse_claire and "Jan Peeters" in hand_over.title("en")

    early = transmission_check_deadlines(now=deadline + timedelta(hours=23))
    assert early.escalated == 0
    late = transmission_check_deadlines(now=deadline + timedelta(hours=25))
    assert late.escalated == 2
    assert transmission_check_deadlines(now=deadline + timedelta(days=3)).escalated == 0
    escalations = Notification.objects.filter(kind="transmission.escalated")
    # Claire is both the sender and Marie's referent: one notification per escalated copy.
    assert set(escalations.values_list("recipient__username", flat=True)) == {"claire"}
    assert escalations.count() == 2
    gp_copy = copy_of(sent, gp_luc)
    assert list(gp_copy.events.values_list("type", flat=True)) == [
        "sent",
        "reminded",
        "escalated",
    ]
    assert gp_copy.reminded_at is not None and gp_copy.escalated_at is not None


def test_the_grace_period_comes_from_the_setting(  # type: ignore[no-untyped-def]
    sender_access, circle, deadline, settings
) -> None:
    settings.TRANSMISSION_ESCALATION_HOURS = 2
    send(sender_access, circle, deadline, "gp")
    transmission_check_deadlines(now=deadline)
    assert transmission_check_deadlines(now=deadline + timedelta(hours=1)).escalated == 0
    assert transmission_check_deadlines(now=deadline + timedelta(hours=2)).escalated == 1


def test_delivered_once_the_notification_reached_parcours(  # type: ignore[no-untyped-def]
    sender_access, circle, deadline, gp_luc, relay
) -> None:
    sent = send(sender_access, circle, deadline, "gp")
    assert transmission_check_deadlines().delivered == 0
    relay.run()
    assert transmission_check_deadlines().delivered == 1
    assert transmission_check_deadlines().delivered == 0
    copy = copy_of(sent, gp_luc)
    assert copy.state == TransmissionState.DELIVERED and copy.delivered_at is not None


def test_the_email_says_nothing_about_the_patient(  # type: ignore[no-untyped-def]
    sender_access, circle, deadline, gp_luc, relay, smtp
) -> None:
    send(sender_access, circle, deadline, "gp")
    row = OutboxMessage.objects.get(channel="email", recipient=gp_luc)
    assert row.payload == {}
    relay.run()
    (mail,) = smtp.recorder.received
    text = mail.as_string()
    assert "Transmission" in text or "transmission" in text
    for secret in (SECRET, "Peeters", "Marie", "Sortie", "Furosemide"):
        assert secret not in text


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_deadline_job(sender_access, circle, gp_luc) -> None:  # type: ignore[no-untyped-def]
    sent = send(sender_access, circle, timezone.now() + timedelta(minutes=5), "gp")
    Transmission.objects.filter(pk=sent.pk).update(
        acknowledge_by=timezone.now() - timedelta(minutes=1)
    )
    call_command("worker", "--batch", "--interval", "0")
    copy = copy_of(sent, gp_luc)
    assert copy.reminded_at is not None
    assert Notification.objects.filter(kind="transmission.reminder", recipient=gp_luc).exists()


def test_a_letter_on_a_stay_shows_on_the_stay(
    sender_access, circle, deadline, marie, hospital
) -> None:  # type: ignore[no-untyped-def]
    from parcours.audit.actions import Actor
    from parcours.transitions.actions import stay_admit
    from parcours.transitions.models import Stay

    stay = stay_admit(patient=marie, hospital=hospital, actor=Actor(user_id=None, username="feed"))
    assert Stay.objects.annotate(letter_at=liaison_letter_sent_at()).get().letter_at is None
    sent = send(sender_access, circle, deadline, "gp", stay_id=stay.pk)
    assert Stay.objects.annotate(letter_at=liaison_letter_sent_at()).get().letter_at == (
        sent.created_at
    )
    with pytest.raises(TransmissionError, match="not one of the patient"):
        send(sender_access, circle, deadline, "gp", stay_id=stay.pk + 1000)


def test_escalation_goes_to_the_referents_and_the_sender(  # type: ignore[no-untyped-def]
    sender_access, circle, deadline, settings
) -> None:
    settings.TRANSMISSION_ESCALATION_HOURS = 24
    circle["gp"].__class__.objects.filter(pk=circle["gp"].pk).update(is_referent=True)
    send(sender_access, circle, deadline, "nurse")
    transmission_check_deadlines(now=deadline)
    transmission_check_deadlines(now=deadline + timedelta(hours=24))
    escalated = Notification.objects.filter(kind="transmission.escalated")
    assert set(escalated.values_list("recipient__username", flat=True)) == {"claire", "luc"}
    assert "Fatima El Amrani" in escalated.first().title("en")  # type: ignore[union-attr]


def test_an_account_of_the_circle_can_be_named_directly(  # type: ignore[no-untyped-def]
    sender_access, circle, deadline, gp_luc, excluded_gp
) -> None:
    sent = transmission_send(
        access=sender_access,
        kind="question_to_referent",
        subject="Question",
        deliveries=[Delivery(recipient_user=gp_luc, body="Pouvez-vous passer lundi ?")],
        acknowledge_by=deadline,
    )
    assert sent.recipients.get().circle_member == circle["gp"]
    with pytest.raises(RecipientRefused, match="does not want"):
        transmission_send(
            access=sender_access,
            kind="other",
            subject="Question",
            deliveries=[Delivery(recipient_user=excluded_gp, body="b")],
            acknowledge_by=deadline,
        )
