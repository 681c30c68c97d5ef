"""Reads of the transitions area: stays reached through `patients.access`, protocols, teams."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from parcours.accounts.models import Membership, Role, User
from parcours.directory.models import Organisation
from parcours.patients.access import PatientAccess, PatientNotFound, access_patient
from parcours.transitions.models import (
    LiaisonProtocol,
    PlanItem,
    ScreeningRecord,
    ScreeningTrigger,
    Stay,
    StayEvent,
    StayStatus,
)


def open_stays(*, patient_id: int) -> QuerySet[Stay]:
    return Stay.objects.filter(patient_id=patient_id, status=StayStatus.OPEN)


def protocol_for(*, hospital_id: int, ward_id: int | None) -> LiaisonProtocol | None:
    """The ward's active protocol, else the hospital's."""
    protocols = LiaisonProtocol.objects.filter(hospital_id=hospital_id, active=True)
    if ward_id is None:
        return protocols.filter(ward__isnull=True).first()
    # One query: at most one active protocol per ward and one hospital-wide (constraints).
    found = {p.ward_id: p for p in protocols.filter(Q(ward_id=ward_id) | Q(ward__isnull=True))}
    return found.get(ward_id) or found.get(None)


def triggers_for(*, stay: Stay, instrument: str) -> list[ScreeningTrigger]:
    """Active triggers of the stay's hospital for `instrument`: hospital-wide and the ward's."""
    ward_q = Q(ward__isnull=True)
    if stay.ward_id is not None:
        ward_q |= Q(ward_id=stay.ward_id)
    return list(
        ScreeningTrigger.objects.filter(
            ward_q, hospital_id=stay.hospital_id, instrument=instrument, active=True
        ).order_by("order", "pk")
    )


def _stay_team_memberships(stay: Stay) -> QuerySet[Membership]:
    return Membership.objects.filter(
        Q(organisation_id=stay.hospital_id) | Q(organisation__parent_id=stay.hospital_id),
        active=True,
        user__is_active=True,
        role__in=list(Role.hospital_roles()),
    )


def stay_team_user_ids(stay: Stay) -> list[int]:
    """Users with a hospital role in the stay's hospital or one of its wards (live updates)."""
    return sorted(set(_stay_team_memberships(stay).values_list("user_id", flat=True)))


def referent_candidates(stay: Stay) -> QuerySet[User]:
    """Who may be named the stay's complex-pathway referent: the hospital's hospital roles."""
    user_ids = _stay_team_memberships(stay).values("user_id")
    return User.objects.filter(pk__in=user_ids).order_by("last_name", "first_name", "username")


def is_stay_team(user: User, stay: Stay) -> bool:
    """A hospital role in the hospital or the ward of this stay."""
    return user.memberships.filter(
        Q(organisation_id=stay.hospital_id) | Q(organisation_id=stay.ward_id),
        active=True,
        role__in=list(Role.hospital_roles()),
    ).exists()


def can_update_item(access: PatientAccess, stay: Stay, item: PlanItem) -> bool:
    """The stay's team, the circle's managers, the item's owner or its owner organisation's
    members, or a user holding the item's responsible role in an organisation of the circle."""
    user = access.user
    if access.can_manage or is_stay_team(user, stay) or item.owner_id == user.pk:
        return True
    memberships = list(user.active_memberships())
    if item.owner_organisation_id is not None and any(
        m.organisation_id == item.owner_organisation_id for m in memberships
    ):
        return True
    # A circle member holding the item's responsible role (the GP for the GP visit).
    in_circle = any(m.visibility != "none" for m in access.members)
    return in_circle and bool(item.responsible_role) and item.responsible_role in user.roles


def access_stay(
    user: User | AnonymousUser | None,
    stay_id: int | str,
    *,
    purpose: str,
    action: str = "R",
    what: str = "stay",
) -> tuple[Stay, PatientAccess]:
    """The stay and the access to its patient, or PatientNotFound (unknown stay alike)."""
    try:
        stay = Stay.objects.select_related(
            "patient", "hospital", "ward", "referent", "admitting_physician"
        ).get(pk=int(stay_id))
    except (Stay.DoesNotExist, TypeError, ValueError):
        # Audited as a refusal like any other unknown record.
        access_patient(user, -1, purpose=purpose, action=action, what=what)
        raise PatientNotFound from None
    access = access_patient(user, stay.patient_id, purpose=purpose, action=action, what=what)
    return stay, access


def stay_events(stay: Stay) -> list[StayEvent]:
    return list(stay.events.select_related("ward").order_by("at", "pk"))


def plan_items(stay: Stay) -> list[PlanItem]:
    return list(
        stay.plan_items.select_related("owner", "owner_organisation", "done_by").order_by(
            "phase", "due_at", "order", "pk"
        )
    )


def screenings(stay: Stay) -> list[ScreeningRecord]:
    return list(stay.screenings.select_related("recorded_by").order_by("-recorded_at", "-pk"))


def administered_hospitals(user: User) -> list[Organisation]:
    """Hospitals whose liaison protocol this user may configure (organisation administrators
    of the hospital, and platform administrators for every hospital)."""
    from parcours.directory.models import OrganisationType

    hospitals = Organisation.objects.filter(type=OrganisationType.HOSPITAL, active=True)
    if user.is_superuser or user.is_platform_admin:
        return list(hospitals.order_by("code"))
    return list(
        hospitals.filter(
            memberships__user=user,
            memberships__active=True,
            memberships__role=Role.ORGANISATION_ADMIN,
        )
        .distinct()
        .order_by("code")
    )


@dataclass(frozen=True)
class ProtocolView:
    hospital: Organisation
    protocols: list[LiaisonProtocol]
    triggers: list[ScreeningTrigger]
