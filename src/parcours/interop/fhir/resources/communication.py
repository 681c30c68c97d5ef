"""Communication ⇄ messaging: transmission copies and patient conversation messages.

Two sources, told apart by the id:

- `transmission-<n>`: one Communication per **TransmissionRecipient** (not per Transmission):
  each recipient has their own content (language, what their visibility allows), their own
  delivery and acknowledgement; category = the transmission kind, topic = its subject,
  recipient = the circle member, the state in the `transmission-state` extension. Readable by
  its sender and by the accounts it is addressed to, on a patient they may still reach
  (`access_patient`), nobody else;
- `message-<n>`: one Communication per message of the patient's conversation, readable by
  whoever `access_patient` lets in (the conversation's rule). Direct conversations between
  professionals are not about a patient and are not exposed.

Create posts a message in the patient's conversation (`conversation_message_post`): status
completed, subject Patient, payload.contentString. Transmissions are sent from their pages.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _
from fhir.resources.R4B.communication import Communication as CommunicationModel

from parcours.accounts.models import User
from parcours.audit.models import AuditAction
from parcours.interop.fhir import params
from parcours.interop.fhir.context import Context
from parcours.interop.fhir.errors import must_refer_to, not_found, unprocessable
from parcours.interop.fhir.registry import Found, Json, ResourceType, SearchParam, register
from parcours.interop.fhir.resources.common import NS, coding, compact, person, reference
from parcours.interop.fhir.resources.scope import accessible, patient_access
from parcours.messaging.conversation_actions import (
    InvalidMessage,
    conversation_for_patient,
    conversation_message_post,
)
from parcours.messaging.conversations import ConversationAccess
from parcours.messaging.models import (
    ConversationKind,
    ConversationMessage,
    TransmissionRecipient,
)
from parcours.messaging.transmission_selectors import addressed_to
from parcours.patients.access import Purpose
from parcours.patients.models import Patient

MESSAGE = "message-"
TRANSMISSION = "transmission-"
KIND = f"{NS}/CodeSystem/transmission-kind"
STATE = f"{NS}/StructureDefinition/transmission-state"
CATEGORY_MESSAGE = f"{NS}/CodeSystem/communication-category"


def _messages() -> QuerySet[ConversationMessage]:
    return ConversationMessage.objects.filter(conversation__kind=ConversationKind.PATIENT)


def _copies(user: User) -> QuerySet[TransmissionRecipient]:
    return TransmissionRecipient.objects.filter(
        Q(transmission__sender=user) | addressed_to(user)
    ).distinct()


def message_to_fhir(message: ConversationMessage) -> Json:
    payload: list[Json] = []
    if message.body:
        payload.append({"contentString": message.body})
    for attachment in message.attachments.all():
        payload.append(
            {
                "contentAttachment": {
                    "contentType": attachment.content_type,
                    "title": attachment.filename,
                    "size": attachment.size,
                }
            }
        )
    return compact(
        {
            "resourceType": "Communication",
            "id": f"{MESSAGE}{message.pk}",
            "status": "completed",
            "category": [{"coding": [coding(CATEGORY_MESSAGE, "conversation-message")]}],
            "subject": reference("Patient", message.conversation.patient_id),
            "sent": message.created_at.isoformat(),
            "sender": person(message.author),
            "payload": payload,
        }
    )


def copy_to_fhir(copy: TransmissionRecipient) -> Json:
    transmission = copy.transmission
    member = copy.circle_member
    if copy.user is not None:
        recipient = person(copy.user)
    elif member is not None:
        recipient = {"display": member.display_name}
    else:
        recipient = None
    return compact(
        {
            "resourceType": "Communication",
            "id": f"{TRANSMISSION}{copy.pk}",
            "extension": [{"url": STATE, "valueCode": copy.state}],
            "status": "completed",
            "category": [{"coding": [coding(KIND, transmission.kind)]}],
            "subject": reference("Patient", transmission.patient_id),
            "topic": {"text": transmission.subject},
            "encounter": reference("Encounter", transmission.stay_id),
            "sent": transmission.created_at.isoformat(),
            "received": copy.delivered_at.isoformat() if copy.delivered_at else None,
            "recipient": [recipient] if recipient else [],
            "sender": person(transmission.sender),
            "language": copy.language,
            "payload": [{"contentString": copy.body}],
        }
    )


def _load_message(pk: int) -> ConversationMessage | None:
    return (
        _messages()
        .select_related("conversation", "author__professional")
        .prefetch_related("attachments")
        .filter(pk=pk)
        .first()
    )


def _load_copy(queryset: QuerySet[TransmissionRecipient], pk: int) -> TransmissionRecipient | None:
    return (
        queryset.select_related(
            "transmission__sender__professional",
            "circle_member__professional",
            "circle_member__service",
            "circle_member__organisation",
            "user__professional",
        )
        .filter(pk=pk)
        .first()
    )


def _split(resource_id: str) -> tuple[str, int] | None:
    for prefix in (MESSAGE, TRANSMISSION):
        if resource_id.startswith(prefix):
            number = resource_id[len(prefix) :]
            if number.isdigit() and len(number) <= 18:
                return prefix, int(number)
    return None


def read(ctx: Context, resource_id: str) -> Json:
    found = _split(resource_id)
    if found is None:
        raise not_found("Communication", resource_id)
    prefix, pk = found
    if prefix == MESSAGE:
        message = _load_message(pk)
        if message is None:
            raise not_found("Communication", resource_id)
        patient_id = message.conversation.patient_id
        assert patient_id is not None
        patient_access(
            ctx,
            patient_id,
            resource_type="Communication",
            resource_id=resource_id,
            purpose=Purpose.COORDINATION,
        )
        return message_to_fhir(message)
    copy = _load_copy(TransmissionRecipient.objects.all(), pk)
    if copy is None:
        raise not_found("Communication", resource_id)
    # The access check (audited) first, then whether this copy is theirs: same 404 either way.
    patient_access(
        ctx,
        copy.transmission.patient_id,
        resource_type="Communication",
        resource_id=resource_id,
        purpose=Purpose.COORDINATION,
    )
    if not _copies(ctx.user).filter(pk=copy.pk).exists():
        raise not_found("Communication", resource_id)
    return copy_to_fhir(copy)


def _to_fhir_row(ctx: Context, row: dict[str, Any]) -> Json:
    prefix, pk = _split(str(row["fid"])) or ("", 0)
    if prefix == MESSAGE:
        message = _load_message(pk)
        assert message is not None
        return message_to_fhir(message)
    copy = _load_copy(TransmissionRecipient.objects.all(), pk)
    assert copy is not None
    return copy_to_fhir(copy)


def search(ctx: Context, q: Q) -> Found:
    """Messages and transmission copies in one list (a UNION of two queries), oldest first."""
    # One audit row for the search: the patients the user may reach, used by both sides.
    patients = accessible(
        ctx, Patient.objects.all(), resource_type="Communication", path=""
    ).values("pk")
    messages = (
        _messages()
        .filter(conversation__patient__in=patients)
        .annotate(
            fid=Concat(Value(MESSAGE), Cast("pk", CharField())),
            pid=F("conversation__patient_id"),
            at=F("created_at"),
        )
    )
    copies = (
        _copies(ctx.user)
        .filter(transmission__patient__in=patients)
        .annotate(
            fid=Concat(Value(TRANSMISSION), Cast("pk", CharField())),
            pid=F("transmission__patient_id"),
            at=F("transmission__created_at"),
        )
    )
    columns = ("pk", "fid", "pid", "at")
    both = (
        messages.filter(q)
        .order_by()
        .values(*columns)
        .union(copies.filter(q).order_by().values(*columns), all=True)
    )
    return Found(both.order_by("at", "fid"), _to_fhir_row)


def ids_param() -> SearchParam:
    def to_q(ctx: Context, values: list[str], modifier: str) -> Q:
        return Q(fid__in=values)

    return SearchParam("_id", "token", "Logical id (message-N or transmission-N).", to_q)


def create(ctx: Context, resource: Json) -> Json:
    if resource.get("status") != "completed":
        raise unprocessable(
            _("A new Communication has the status completed."), ["Communication.status"]
        )
    subject_ref = str((resource.get("subject") or {}).get("reference", ""))
    patient_id = params.reference_id(subject_ref, "Patient") if subject_ref else None
    if patient_id is None:
        raise must_refer_to("Communication.subject", "Patient")
    texts = [p.get("contentString") for p in resource.get("payload") or []]
    if not texts or any(not isinstance(t, str) for t in texts):
        raise unprocessable(
            _(
                "Communication.payload is one or more contentString (attachments are posted "
                "from the conversation page)."
            ),
            ["Communication.payload"],
        )
    sender_ref = str((resource.get("sender") or {}).get("reference", ""))
    professional = getattr(ctx.user, "professional", None)
    if sender_ref and (
        professional is None or params.reference_id(sender_ref, "Practitioner") != professional.pk
    ):
        raise unprocessable(
            _("Communication.sender is the Practitioner of the account posting it (or absent)."),
            ["Communication.sender"],
        )
    access = patient_access(
        ctx,
        patient_id,
        resource_type="Patient",
        resource_id=str(patient_id),
        purpose=Purpose.COORDINATION,
        action=AuditAction.CREATE,
    )
    conversation = conversation_for_patient(access=access)
    try:
        message = conversation_message_post(
            access=ConversationAccess(conversation, ctx.user, access),
            body="\n\n".join(str(t) for t in texts),
        )
    except InvalidMessage as exc:
        raise unprocessable(str(exc), ["Communication.payload"]) from None
    found = _load_message(message.pk)
    assert found is not None
    return message_to_fhir(found)


register(
    ResourceType(
        name="Communication",
        model=CommunicationModel,
        read=read,
        search=search,
        create=create,
        search_params={
            p.name: p
            for p in [
                ids_param(),
                params.reference("patient", "The patient.", "Patient", "pid"),
                params.reference("subject", "The patient.", "Patient", "pid"),
            ]
        },
        documentation="Transmission copies (id transmission-N, one per recipient, readable by "
        "the sender and the recipient) and messages of the patient's conversation (id "
        "message-N). Create posts a message in the patient's conversation.",
    )
)
