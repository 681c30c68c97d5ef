"""JSON API of transmissions: what I must acknowledge, one transmission, acknowledge it, and the
states of what I sent. Patient data is reached through `parcours.patients.access` only."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from parcours.accounts.models import User
from parcours.audit.models import AuditAction
from parcours.messaging import transmission_selectors as selectors
from parcours.messaging.models import Transmission, TransmissionRecipient
from parcours.messaging.transmission_actions import (
    NotARecipient,
    transmission_acknowledge,
    transmission_mark_read,
)
from parcours.patients.access import PatientAccess, PatientNotFound, Purpose, access_patient

router = Router(tags=["transmissions"])


class PatientRef(Schema):
    id: int
    name: str


class ReceivedOut(Schema):
    id: int
    recipient_id: int
    patient: PatientRef
    kind: str
    subject: str
    sender: str
    created_at: datetime
    acknowledge_by: datetime
    state: str
    reminded_at: datetime | None


class CopyOut(Schema):
    recipient_id: int
    language: str
    body: str
    state: str
    read_at: datetime | None
    acknowledged_at: datetime | None


class TransmissionOut(Schema):
    id: int
    patient: PatientRef
    kind: str
    subject: str
    sender: str
    created_at: datetime
    acknowledge_by: datetime
    copies: list[CopyOut]


class AcknowledgeIn(Schema):
    note: str = ""


class RecipientStateOut(Schema):
    recipient_id: int
    name: str
    state: str
    delivered_at: datetime | None
    read_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_on_behalf: bool
    reminded_at: datetime | None
    escalated_at: datetime | None


class SentOut(Schema):
    id: int
    patient: PatientRef
    kind: str
    subject: str
    created_at: datetime
    acknowledge_by: datetime
    recipients: list[RecipientStateOut]


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _name(user: User) -> str:
    return user.get_full_name() or user.username


def _not_found() -> HttpError:
    return HttpError(404, _("No transmission found."))


def _mine(request: HttpRequest, pk: int) -> tuple[PatientAccess, list[TransmissionRecipient]]:
    user = _user(request)
    transmission = Transmission.objects.select_related("patient", "sender").filter(pk=pk).first()
    copies = selectors.copies_for(user, transmission) if transmission else []
    if transmission is None or not copies:
        raise _not_found()
    try:
        access = access_patient(
            user,
            transmission.patient_id,
            purpose=Purpose.TREATMENT,
            what="transmission",
            action=AuditAction.READ if request.method == "GET" else AuditAction.UPDATE,
        )
    except PatientNotFound as exc:
        raise _not_found() from exc
    return access, copies


def _out(access: PatientAccess, copies: list[TransmissionRecipient]) -> TransmissionOut:
    transmission = copies[0].transmission
    return TransmissionOut(
        id=transmission.pk,
        patient=PatientRef(id=access.patient.pk, name=access.patient.display_name),
        kind=transmission.kind,
        subject=transmission.subject,
        sender=_name(transmission.sender),
        created_at=transmission.created_at,
        acknowledge_by=transmission.acknowledge_by,
        copies=[
            CopyOut(
                recipient_id=c.pk,
                language=c.language,
                body=c.body,
                state=c.state,
                read_at=c.read_at,
                acknowledged_at=c.acknowledged_at,
            )
            for c in copies
        ],
    )


@router.get(
    "/to-acknowledge", response=list[ReceivedOut], summary="Transmissions I must acknowledge"
)
def to_acknowledge(request: HttpRequest, limit: int = 100) -> list[ReceivedOut]:
    limit = max(1, min(limit, 200))
    return [
        ReceivedOut(
            id=c.transmission_id,
            recipient_id=c.pk,
            patient=PatientRef(
                id=c.transmission.patient_id, name=c.transmission.patient.display_name
            ),
            kind=c.transmission.kind,
            subject=c.transmission.subject,
            sender=_name(c.transmission.sender),
            created_at=c.transmission.created_at,
            acknowledge_by=c.transmission.acknowledge_by,
            state=c.state,
            reminded_at=c.reminded_at,
        )
        for c in selectors.to_acknowledge(_user(request))[:limit]
    ]


@router.get("/sent", response=list[SentOut], summary="Transmissions I sent, with each state")
def sent(request: HttpRequest, limit: int = 50) -> list[SentOut]:
    limit = max(1, min(limit, 100))
    result = []
    for transmission in selectors.sent_by(_user(request))[:limit]:
        result.append(
            SentOut(
                id=transmission.pk,
                patient=PatientRef(
                    id=transmission.patient_id, name=transmission.patient.display_name
                ),
                kind=transmission.kind,
                subject=transmission.subject,
                created_at=transmission.created_at,
                acknowledge_by=transmission.acknowledge_by,
                recipients=[
                    RecipientStateOut(
                        recipient_id=row.pk,
                        name=row.display_name,
                        state=row.state,
                        delivered_at=row.delivered_at,
                        read_at=row.read_at,
                        acknowledged_at=row.acknowledged_at,
                        acknowledged_on_behalf=row.acknowledged_on_behalf,
                        reminded_at=row.reminded_at,
                        escalated_at=row.escalated_at,
                    )
                    for row in selectors.follow_rows(transmission)
                ],
            )
        )
    return result


@router.get("/{int:pk}", response=TransmissionOut, summary="One transmission addressed to me")
def get_transmission(request: HttpRequest, pk: int) -> TransmissionOut:
    """Reading it marks my copy read."""
    access, copies = _mine(request, pk)
    for copy in copies:
        transmission_mark_read(access=access, recipient=copy)
        copy.refresh_from_db()
    return _out(access, copies)


@router.post("/{int:pk}/acknowledge", response=TransmissionOut, summary="Acknowledge it")
def acknowledge(request: HttpRequest, pk: int, body: AcknowledgeIn) -> TransmissionOut:
    access, copies = _mine(request, pk)
    try:
        copies = [
            transmission_acknowledge(access=access, recipient=copy, note=body.note)
            for copy in copies
        ]
    except NotARecipient as exc:
        raise _not_found() from exc
    return _out(access, copies)
