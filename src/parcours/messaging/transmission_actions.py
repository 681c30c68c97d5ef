"""Writes of transmissions: send, mark read, acknowledge, and the deadline follow-up.

A transmission is one source sent to members of a patient's circle; each recipient gets its own
copy (`TransmissionRecipient`) with the content rendered for them, in their language, limited to
what they may see (the liaison letter composes those views and calls `transmission_send`).
Every state change is a `TransmissionEvent` row; notifications are outbox rows written in the
same transaction. `transmission_check_deadlines` runs periodically in `parcours worker`.
docs/messaging.md ("Transmissions") describes the states, deadlines and escalation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from parcours.accounts.models import User
from parcours.audit.actions import audit_record
from parcours.audit.models import AuditAction, AuditOutcome
from parcours.directory.models import Organisation
from parcours.live import publish_to_users
from parcours.messaging.actions import notification_create, notifications_create
from parcours.messaging.kinds import (
    TRANSMISSION_ESCALATED,
    TRANSMISSION_HAND_OVER_DUE,
    TRANSMISSION_RECEIVED,
    TRANSMISSION_REMINDER,
)
from parcours.messaging.models import (
    OutboxMessage,
    OutboxStatus,
    Transmission,
    TransmissionEvent,
    TransmissionEventType,
    TransmissionKind,
    TransmissionRecipient,
    TransmissionState,
)
from parcours.messaging.transmission_selectors import (
    LANGUAGE_CODES,
    REFUSALS,
    RecipientOption,
    is_account_of,
    may_see,
    member_accounts,
    members_of_user,
    recipient_option,
)
from parcours.patients.access import PatientAccess, consent_status, referent_user_ids
from parcours.patients.models import CircleMember, ConsentStatus, Visibility

LIVE_TOPIC = "transmissions"  # a recipient's inbox
SUBJECT_MAX = 200
BODY_MAX = 100_000
NOTE_MAX = 500

# Kinds whose content is care information: members who see only non-medical information (home
# help, a representative for property) cannot receive them.
MEDICAL_KINDS = frozenset({TransmissionKind.CARE_INSTRUCTIONS, TransmissionKind.MEDICATION_CHANGES})


def follow_topic(transmission_id: int) -> str:
    """The live topic of the sender's view of one transmission."""
    return f"transmission-{transmission_id}"


class TransmissionError(ValueError):
    """A transmission that cannot be sent or changed; `message` says why, for the user."""

    def __init__(self, message: str | Promise) -> None:
        self.message = message
        super().__init__(str(message))


class RecipientRefused(TransmissionError):
    """One of the recipients cannot receive it: nothing was sent."""


class NotARecipient(TransmissionError):
    """The user is not a recipient of this copy (nor, on behalf, its sender)."""


@dataclass(frozen=True)
class Delivery:
    """One recipient and the content rendered for them.

    Give `circle_member` (any member: professional, service, organisation or a person without an
    account) or `recipient_user` (an account that is in the circle), or both when they agree.
    `language`: the body's language; empty means the member's or account's language.
    """

    body: str
    circle_member: CircleMember | None = None
    recipient_user: User | None = None
    language: str = ""


@dataclass(frozen=True)
class _Resolved:
    delivery: Delivery
    option: RecipientOption
    user: User | None
    language: str


def _refuse(code: str, name: str) -> RecipientRefused:
    return RecipientRefused(str(REFUSALS[code]) % {"name": name})


def _resolve(access: PatientAccess, kind: str, delivery: Delivery) -> _Resolved:
    patient = access.patient
    member = delivery.circle_member
    user = delivery.recipient_user
    if member is None and user is None:
        raise TransmissionError(_("Each delivery needs a circle member or an account."))
    if member is None:
        assert user is not None
        members = members_of_user(user, patient)
        if not members:
            raise _refuse("not-in-circle", user.get_full_name() or user.username)
        member = members[0]
    option = recipient_option(member, patient=patient)
    name = member.display_name
    if option.refusal:
        raise _refuse(option.refusal, name)
    if user is not None:
        if user not in member_accounts(member):
            raise _refuse("not-in-circle", user.get_full_name() or user.username)
        if user not in option.accounts:
            raise _refuse("no-access", user.get_full_name() or user.username)
    elif member.professional_id and len(option.accounts) == 1:
        user = option.accounts[0]
    if kind in MEDICAL_KINDS and not Visibility.rank(member.visibility) >= Visibility.rank(
        Visibility.CARE_INSTRUCTIONS
    ):
        raise RecipientRefused(
            _("%(name)s sees only non-medical information and cannot receive %(kind)s.")
            % {"name": name, "kind": TransmissionKind(kind).label}
        )
    if not delivery.body.strip():
        raise TransmissionError(_("The content for %(name)s is empty.") % {"name": name})
    if len(delivery.body) > BODY_MAX:
        raise TransmissionError(_("The content for %(name)s is too long.") % {"name": name})
    language = delivery.language or option.language
    if language not in LANGUAGE_CODES:
        raise TransmissionError(_("Unknown language: %(language)s.") % {"language": language})
    return _Resolved(delivery, option, user, language)


def _sender_name(user: User) -> str:
    return user.get_full_name() or user.username


def _audit(access: PatientAccess, *, action: str, what: str, detail: dict[str, Any]) -> None:
    audit_record(
        actor=access.actor,
        action=action,
        what=what,
        outcome=AuditOutcome.SUCCESS,
        patient_id=access.patient.pk,
        purpose=access.purpose,
        reason=access.basis,
        detail=detail,
    )


def _event(
    copy: TransmissionRecipient, type_: str, at: datetime, by: User | None = None, note: str = ""
) -> None:
    TransmissionEvent.objects.create(recipient=copy, type=type_, at=at, by=by, note=note)


def _link(transmission_id: int) -> str:
    return reverse("transmissions:detail", args=[transmission_id])


def _follow_link(transmission_id: int) -> str:
    return reverse("transmissions:follow", args=[transmission_id])


def transmission_send(
    *,
    access: PatientAccess,
    kind: str,
    subject: str,
    deliveries: Sequence[Delivery],
    acknowledge_by: datetime,
    stay_id: int | None = None,
) -> Transmission:
    """Send one transmission to several recipients, each with their own content; all or nothing.

    Each recipient must be an active member of the circle who may see the patient (exclusions,
    consent and visibility through `parcours.patients.access`); otherwise RecipientRefused is
    raised naming them and nothing is written. Accounts of each recipient are notified
    (`transmission.received`: the e-mail says only that something is waiting).
    """
    if kind not in TransmissionKind.values:
        raise TransmissionError(_("Unknown kind of transmission."))
    subject = subject.strip()
    if not subject or len(subject) > SUBJECT_MAX:
        raise TransmissionError(_("Give a subject of at most 200 characters."))
    if not deliveries:
        raise TransmissionError(_("Choose at least one recipient."))
    now = timezone.now()
    if timezone.is_naive(acknowledge_by) or acknowledge_by <= now:
        raise TransmissionError(_("The acknowledgement deadline must be in the future."))
    if access.visibility == Visibility.NONE or consent_status(access.patient) in (
        ConsentStatus.REFUSED,
        ConsentStatus.WITHDRAWN,
    ):
        raise TransmissionError(_("The patient does not consent to sharing: nothing was sent."))
    if stay_id is not None and not access.patient.stays.filter(pk=stay_id).exists():
        raise TransmissionError(_("This stay is not one of the patient's."))
    resolved = [_resolve(access, kind, delivery) for delivery in deliveries]
    seen: set[int] = set()
    for item in resolved:
        if item.option.member.pk in seen:
            raise TransmissionError(
                _("%(name)s is chosen twice.") % {"name": item.option.member.display_name}
            )
        seen.add(item.option.member.pk)

    sender = access.user
    organisation = Organisation.objects.filter(code=access.actor.organisation).first()
    notified: set[int] = set()
    with transaction.atomic():
        sent = Transmission.objects.create(
            patient=access.patient,
            sender=sender,
            sender_organisation=organisation,
            kind=kind,
            subject=subject,
            stay_id=stay_id,
            created_at=now,
            acknowledge_by=acknowledge_by,
        )
        accounts: list[User] = []
        keys: list[str] = []
        copies: list[TransmissionRecipient] = []
        for item in resolved:
            copy = TransmissionRecipient.objects.create(
                transmission=sent,
                circle_member=item.option.member,
                user=item.user,
                language=item.language,
                body=item.delivery.body,
                visibility=item.option.visibility,
            )
            _event(copy, TransmissionEventType.SENT, now, by=sender)
            for account in item.option.accounts:
                accounts.append(account)
                keys.append(f"transmission-received-{copy.pk}-{account.pk}")
                copies.append(copy)
                notified.add(account.pk)
        notifications = notifications_create(
            recipients=accounts,
            kind=TRANSMISSION_RECEIVED.code,
            params={"sender": _sender_name(sender)},
            link=_link(sent.pk),
            patient_id=access.patient.pk,
            keys=keys,
        )
        changed: dict[int, TransmissionRecipient] = {}
        for copy, notification in zip(copies, notifications, strict=True):
            copy.notification_ids = [*copy.notification_ids, notification.pk]
            changed[copy.pk] = copy
        if changed:
            TransmissionRecipient.objects.bulk_update(changed.values(), ["notification_ids"])
        _audit(
            access,
            action=AuditAction.CREATE,
            what="transmission",
            detail={"transmission": sent.pk, "kind": kind, "recipients": len(resolved)},
        )
        users = sorted(notified)
        transaction.on_commit(
            lambda: publish_to_users(users, {"topic": LIVE_TOPIC, "transmission": sent.pk})
        )
        transaction.on_commit(lambda: publish_to_users(users, {"topic": "notifications"}))
    return sent


def _publish_change(copy: TransmissionRecipient, state: str) -> None:
    transmission = copy.transmission
    event = {"topic": follow_topic(transmission.pk), "recipient": copy.pk, "state": state}
    transaction.on_commit(lambda: publish_to_users([transmission.sender_id], event))


def _publish_notifications(user_ids: list[int]) -> None:
    users = sorted(set(user_ids))
    transaction.on_commit(lambda: publish_to_users(users, {"topic": "notifications"}))
    transaction.on_commit(lambda: publish_to_users(users, {"topic": LIVE_TOPIC}))


def _check_copy(access: PatientAccess, copy: TransmissionRecipient) -> None:
    if copy.transmission.patient_id != access.patient.pk:
        raise NotARecipient(_("This transmission is not about this patient."))


def transmission_mark_read(
    *, access: PatientAccess, recipient: TransmissionRecipient, now: datetime | None = None
) -> bool:
    """Record the recipient's first view. Returns True when this call marked it read."""
    _check_copy(access, recipient)
    if not is_account_of(access.user, recipient):
        raise NotARecipient(_("Only a recipient can mark this transmission read."))
    now = now or timezone.now()
    with transaction.atomic():
        updated = TransmissionRecipient.objects.filter(
            pk=recipient.pk, state__in=[TransmissionState.SENT, TransmissionState.DELIVERED]
        ).update(state=TransmissionState.READ, read_at=now)
        if not updated:
            return False
        if recipient.delivered_at is None:
            TransmissionRecipient.objects.filter(pk=recipient.pk, delivered_at=None).update(
                delivered_at=now
            )
        _event(recipient, TransmissionEventType.READ, now, by=access.user)
        _publish_change(recipient, TransmissionState.READ)
    recipient.refresh_from_db()
    return True


def transmission_acknowledge(
    *,
    access: PatientAccess,
    recipient: TransmissionRecipient,
    note: str = "",
    on_behalf: bool = False,
) -> TransmissionRecipient:
    """The recipient acknowledges; or, for a recipient without an account (a caregiver, the
    patient, a professional not on Parcours), the sender records the hand-over with a note.

    Acknowledging twice changes nothing. Raises NotARecipient for anyone else.
    """
    _check_copy(access, recipient)
    note = note.strip()[:NOTE_MAX]
    transmission = recipient.transmission
    if on_behalf:
        if transmission.sender_id != access.user.pk:
            raise NotARecipient(_("Only the sender can record a hand-over."))
        if recipient.user_id is not None or (
            recipient.circle_member is not None and member_accounts(recipient.circle_member)
        ):
            raise NotARecipient(
                _("This recipient has an account in Parcours and acknowledges it themselves.")
            )
        if not note:
            raise TransmissionError(_("Say how the content was handed over and confirmed."))
    elif not is_account_of(access.user, recipient):
        raise NotARecipient(_("Only a recipient can acknowledge this transmission."))
    now = timezone.now()
    with transaction.atomic():
        updated = TransmissionRecipient.objects.filter(pk=recipient.pk).exclude(
            state=TransmissionState.ACKNOWLEDGED
        )
        changed = updated.update(
            state=TransmissionState.ACKNOWLEDGED,
            acknowledged_at=now,
            acknowledged_by=access.user,
            acknowledged_on_behalf=on_behalf,
            acknowledgement_note=note,
        )
        if changed:
            TransmissionRecipient.objects.filter(pk=recipient.pk, read_at=None).update(read_at=now)
            TransmissionRecipient.objects.filter(pk=recipient.pk, delivered_at=None).update(
                delivered_at=now
            )
            _event(recipient, TransmissionEventType.ACKNOWLEDGED, now, by=access.user, note=note)
            _audit(
                access,
                action=AuditAction.UPDATE,
                what="transmission-acknowledge",
                detail={"transmission": transmission.pk, "on_behalf": on_behalf},
            )
            _publish_change(recipient, TransmissionState.ACKNOWLEDGED)
            user_ids = [access.user.pk]
            transaction.on_commit(lambda: publish_to_users(user_ids, {"topic": LIVE_TOPIC}))
    recipient.refresh_from_db()
    return recipient


# Deadlines ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineReport:
    delivered: int
    reminded: int
    escalated: int


def escalation_delay() -> timedelta:
    return timedelta(hours=settings.TRANSMISSION_ESCALATION_HOURS)


def transmission_check_deadlines(*, now: datetime | None = None) -> DeadlineReport:
    """The periodic follow-up (run by `parcours worker`); idempotent, safe with several workers.

    1. copies whose notification reached the recipient in Parcours become "delivered";
    2. copies not acknowledged by the deadline get one reminder (to the recipient's accounts; to
       the sender, to record the hand-over, for a recipient without an account);
    3. copies still not acknowledged PARCOURS_TRANSMISSION_ESCALATION_HOURS after the reminder
       are escalated once to the patient's referents and the sender.
    Each step claims a row with a conditional UPDATE, so a row is reminded or escalated once.
    """
    now = now or timezone.now()
    return DeadlineReport(
        delivered=_sync_deliveries(now),
        reminded=_remind(now),
        escalated=_escalate(now),
    )


def _sync_deliveries(now: datetime) -> int:
    pending = list(
        TransmissionRecipient.objects.filter(state=TransmissionState.SENT)
        .exclude(notification_ids=[])
        .values_list("pk", "notification_ids")
    )
    by_notification = {nid: pk for pk, ids in pending for nid in ids}
    if not by_notification:
        return 0
    delivered = OutboxMessage.objects.filter(
        notification_id__in=list(by_notification),
        channel="in_app",
        status=OutboxStatus.DELIVERED,
    ).values_list("notification_id", "delivered_at")
    first: dict[int, datetime] = {}
    for notification_id, at in delivered:
        pk = by_notification[notification_id]
        at = at or now
        first[pk] = min(first.get(pk, at), at)
    count = 0
    for pk, at in sorted(first.items()):
        with transaction.atomic():
            changed = TransmissionRecipient.objects.filter(
                pk=pk, state=TransmissionState.SENT
            ).update(state=TransmissionState.DELIVERED, delivered_at=at)
            if changed:
                copy = TransmissionRecipient.objects.select_related("transmission").get(pk=pk)
                _event(copy, TransmissionEventType.DELIVERED, at)
                _publish_change(copy, TransmissionState.DELIVERED)
                count += 1
    return count


def _open_copies() -> Any:
    return (
        TransmissionRecipient.objects.exclude(state=TransmissionState.ACKNOWLEDGED)
        .select_related(
            "transmission__sender", "transmission__patient", "circle_member__professional", "user"
        )
        .order_by("pk")
    )


def _accounts_of(copy: TransmissionRecipient) -> list[User]:
    accounts = member_accounts(copy.circle_member) if copy.circle_member else []
    if copy.user is not None and copy.user not in accounts:
        accounts.append(copy.user)
    return accounts


def _remind(now: datetime) -> int:
    due = _open_copies().filter(reminded_at__isnull=True, transmission__acknowledge_by__lte=now)
    count = 0
    for copy in due:
        with transaction.atomic():
            claimed = TransmissionRecipient.objects.filter(
                pk=copy.pk, reminded_at__isnull=True
            ).exclude(state=TransmissionState.ACKNOWLEDGED)
            if not claimed.update(reminded_at=now):
                continue
            _event(copy, TransmissionEventType.REMINDED, now)
            notified: list[int] = []
            transmission = copy.transmission
            accounts = _accounts_of(copy)
            if accounts:
                # Only those who may still open the record (access can end after sending).
                patient = transmission.patient
                readers = [a for a in accounts if may_see(a, patient)]
                notified.extend(account.pk for account in readers)
                notifications_create(
                    recipients=readers,
                    kind=TRANSMISSION_REMINDER.code,
                    params={"sender": _sender_name(transmission.sender)},
                    link=_link(transmission.pk),
                    patient_id=transmission.patient_id,
                    keys=[f"transmission-reminder-{copy.pk}-{a.pk}" for a in readers],
                )
            else:
                notified.append(transmission.sender_id)
                notification_create(
                    recipient=transmission.sender,
                    kind=TRANSMISSION_HAND_OVER_DUE.code,
                    params={"recipient": copy.display_name},
                    link=_follow_link(transmission.pk),
                    patient_id=transmission.patient_id,
                    key=f"transmission-hand-over-{copy.pk}",
                )
            _publish_change(copy, copy.state)
            _publish_notifications(notified)
            count += 1
    return count


def _escalate(now: datetime) -> int:
    due = _open_copies().filter(
        escalated_at__isnull=True, reminded_at__lte=now - escalation_delay()
    )
    count = 0
    for copy in due:
        with transaction.atomic():
            claimed = TransmissionRecipient.objects.filter(
                pk=copy.pk, escalated_at__isnull=True
            ).exclude(state=TransmissionState.ACKNOWLEDGED)
            if not claimed.update(escalated_at=now):
                continue
            _event(copy, TransmissionEventType.ESCALATED, now)
            notified: list[int] = []
            transmission = copy.transmission
            user_ids = set(referent_user_ids(transmission.patient)) | {transmission.sender_id}
            escalated_to = list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))
            notified.extend(account.pk for account in escalated_to)
            notifications_create(
                recipients=escalated_to,
                kind=TRANSMISSION_ESCALATED.code,
                params={
                    "sender": _sender_name(transmission.sender),
                    "recipient": copy.display_name,
                },
                link=_follow_link(transmission.pk),
                patient_id=transmission.patient_id,
                keys=[f"transmission-escalated-{copy.pk}-{a.pk}" for a in escalated_to],
            )
            _publish_change(copy, copy.state)
            _publish_notifications(notified)
            count += 1
    return count
