"""Conversations: who may read them (through patients/access.py) and the reads of pages and API.

A patient's conversation is open to whoever `access_patient` lets in at the moment of the read:
the circle is never copied, so a member who leaves the circle, or a professional the patient
excludes, loses the conversation at once. A direct conversation is open to its members.
Not found and not allowed give the same ConversationNotFound.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from parcours.accounts.models import Membership, Role, User
from parcours.audit.actions import audit_record
from parcours.audit.models import AuditAction, AuditOutcome
from parcours.messaging.models import (
    Conversation,
    ConversationKind,
    ConversationMember,
    ConversationMessage,
    ConversationReadState,
)
from parcours.patients.access import (
    PatientAccess,
    PatientNotFound,
    Purpose,
    access_patient,
    accessible_patients,
    actor_of,
    users_with_access,
)
from parcours.patients.models import CircleMember, Patient, Visibility

PURPOSE = Purpose.COORDINATION
PAGE_SIZE = 50


class ConversationNotFound(Exception):
    """Unknown conversation and refused access alike."""


@dataclass(frozen=True)
class ConversationAccess:
    conversation: Conversation
    user: User
    patient_access: PatientAccess | None = None


def conversation_access(
    user: User | object, conversation_id: int | str, *, action: str = AuditAction.READ
) -> ConversationAccess:
    """Open one conversation for `user` or raise ConversationNotFound (patient ones audited)."""
    if not isinstance(user, User) or not user.is_active:
        raise ConversationNotFound
    try:
        conversation = (
            Conversation.objects.select_related("patient").filter(pk=int(conversation_id)).first()
        )
    except (TypeError, ValueError):
        conversation = None
    if conversation is None:
        raise ConversationNotFound
    if conversation.kind == ConversationKind.PATIENT:
        assert conversation.patient_id is not None
        try:
            patient_access = access_patient(
                user, conversation.patient_id, purpose=PURPOSE, action=action, what="conversation"
            )
        except PatientNotFound:
            raise ConversationNotFound from None
        return ConversationAccess(conversation, user, patient_access)
    if not ConversationMember.objects.filter(conversation=conversation, user=user).exists():
        raise ConversationNotFound
    return ConversationAccess(conversation, user)


def patient_conversation_access(
    user: User | AnonymousUser | None, patient_id: int | str, *, action: str = AuditAction.READ
) -> tuple[PatientAccess, Conversation | None]:
    """The patient's conversation (None before its first message), after the access check."""
    try:
        patient_access = access_patient(
            user, patient_id, purpose=PURPOSE, action=action, what="conversation"
        )
    except PatientNotFound:
        raise ConversationNotFound from None
    conversation = Conversation.objects.filter(patient=patient_access.patient).first()
    return patient_access, conversation


def _circle_user_ids(patient: Patient) -> set[int]:
    """Users the circle names, directly or through their organisation's or service's team."""
    today = timezone.localdate()
    members = (
        CircleMember.objects.filter(patient=patient, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .exclude(visibility=Visibility.NONE)
        .select_related("professional", "service")
    )
    user_ids: set[int] = set()
    organisation_ids: set[int] = set()
    for member in members:
        if member.professional is not None:
            if member.professional.user_id:
                user_ids.add(member.professional.user_id)
        elif member.service is not None:
            organisation_ids.add(member.service.organisation_id)
        elif member.organisation_id and not member.person_name:
            organisation_ids.add(member.organisation_id)
    if organisation_ids:
        user_ids.update(
            Membership.objects.filter(
                organisation_id__in=organisation_ids, active=True, role__in=list(Role.care_roles())
            ).values_list("user_id", flat=True)
        )
    return user_ids


def participants(conversation: Conversation) -> list[User]:
    """Who receives a conversation's messages now. For a patient: the circle's users and earlier
    authors (a hospital team of an open or planned stay), each kept only if access.py lets them
    in today."""
    if conversation.kind == ConversationKind.DIRECT:
        return list(
            User.objects.filter(
                conversation_memberships__conversation=conversation, is_active=True
            ).order_by("username")
        )
    assert conversation.patient is not None
    candidates = _circle_user_ids(conversation.patient) | set(
        ConversationMessage.objects.filter(conversation=conversation).values_list(
            "author_id", flat=True
        )
    )
    # One decision for all candidates (access.py's rules, a constant number of queries). A
    # routing read, not audited, as before: each reader's own later read is.
    return users_with_access(conversation.patient, candidates)


def conversations_for(user: User) -> QuerySet[Conversation]:
    """The user's conversations, most recent first, with `unread` (messages of others after the
    user's last read one). Patient conversations follow accessible_patients."""
    last_read = ConversationReadState.objects.filter(conversation=OuterRef("pk"), user=user).values(
        "last_read_message_id"
    )[:1]
    unread = (
        ConversationMessage.objects.filter(
            conversation=OuterRef("pk"), pk__gt=OuterRef("last_read")
        )
        .exclude(author=user)
        .order_by()
        .values("conversation")
        .annotate(count=Count("pk"))
        .values("count")
    )
    visible = Q(kind=ConversationKind.DIRECT, members__user=user) | Q(
        kind=ConversationKind.PATIENT, patient__in=accessible_patients(user).values("pk")
    )
    return (
        Conversation.objects.filter(visible)
        .filter(last_message_at__isnull=False)
        .select_related("patient")
        .annotate(
            last_read=Coalesce(
                Subquery(last_read, output_field=IntegerField()),
                Value(0),
                output_field=IntegerField(),
            )
        )
        .annotate(
            unread=Coalesce(
                Subquery(unread, output_field=IntegerField()),
                Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("-last_message_at", "-pk")
        .distinct()
    )


def conversation_list(user: User, *, limit: int = 100) -> list[Conversation]:
    """The list page's rows; one audit row, since it names patients."""
    rows = list(conversations_for(user)[:limit])
    audit_record(
        actor=actor_of(user),
        action=AuditAction.READ,
        what="conversation-list",
        outcome=AuditOutcome.SUCCESS,
        purpose=PURPOSE,
        detail={"count": len(rows)},
    )
    return rows


def unread_total(user: User) -> int:
    return sum(int(getattr(c, "unread", 0)) for c in conversations_for(user))


def messages_page(
    access: ConversationAccess, *, before: int | None = None, limit: int = PAGE_SIZE
) -> list[ConversationMessage]:
    """Up to `limit` messages before message id `before` (default: the latest), oldest first."""
    queryset = ConversationMessage.objects.filter(conversation=access.conversation)
    if before is not None:
        queryset = queryset.filter(pk__lt=before)
    page = list(
        queryset.select_related("author")
        .prefetch_related("attachments", "mentions")
        .order_by("-pk")[: max(1, min(limit, 200))]
    )
    page.reverse()
    return page


def last_read_id(access: ConversationAccess) -> int:
    state = ConversationReadState.objects.filter(
        conversation=access.conversation, user=access.user
    ).first()
    return state.last_read_message_id or 0 if state else 0
