"""Who sees the HL7 error queue: platform administrators (and superusers) see every message;
an organisation administrator sees the messages of the sources mapped to their organisations.
Everyone else is refused.

The raw messages hold patient data (names, national numbers). Platform administrators manage
the platform, not patients: they see each message's status, event, control id and reason, but
its raw content only shows to administrators of the hospital whose feed sent it."""

from __future__ import annotations

from django.db.models import QuerySet

from parcours.accounts.models import Membership, Role, User
from parcours.interop.models import Hl7Source, InboundMessage


def _organisation_ids(user: User) -> list[int] | None:
    """None: every organisation; a list: only those."""
    if user.is_superuser or user.is_platform_admin:
        return None
    return list(
        Membership.objects.filter(user=user, active=True, role=Role.ORGANISATION_ADMIN).values_list(
            "organisation_id", flat=True
        )
    )


def can_see_error_queue(user: User) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    scope = _organisation_ids(user)
    return scope is None or bool(scope)


def visible_messages(user: User) -> QuerySet[InboundMessage]:
    if not can_see_error_queue(user):
        return InboundMessage.objects.none()
    scope = _organisation_ids(user)
    messages = InboundMessage.objects.all()
    return messages if scope is None else messages.filter(source__organisation_id__in=scope)


def visible_sources(user: User) -> QuerySet[Hl7Source]:
    if not can_see_error_queue(user):
        return Hl7Source.objects.none()
    scope = _organisation_ids(user)
    sources = Hl7Source.objects.all()
    return sources if scope is None else sources.filter(organisation_id__in=scope)


def raw_visible_source_ids(user: User) -> frozenset[int]:
    """Sources whose raw messages this user may read: those of organisations they administer."""
    organisations = Membership.objects.filter(
        user=user, active=True, role=Role.ORGANISATION_ADMIN
    ).values_list("organisation_id", flat=True)
    return frozenset(
        Hl7Source.objects.filter(organisation_id__in=organisations).values_list("pk", flat=True)
    )
