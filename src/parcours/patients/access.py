"""The only way to read or change patient-linked data: pages, JSON API and FHIR all come here.

Ways in (one condition a line, in this order):

1. anonymous or inactive users: refused;
2. users without a care role (platform and organisation administrators): refused;
3. unknown patient: refused — with the same answer as any other refusal;
4. the user is a professional the patient excluded: refused (wins over everything);
5. consent refused or withdrawn: refused, except the circle's managers recording a new consent,
   reviewing the access log or exporting the record for the patient;
6. an active member of the circle of care (professional, or a care role in the member service's
   or organisation's team) whose visibility is not "nothing": allowed, at that visibility;
7. a hospital role in the hospital or ward of an open or planned stay (a pre-admission: the
   hospital team prepares the discharge before the patient arrives), or of a stay discharged
   less than PARCOURS_STAY_FOLLOWUP_ACCESS_DAYS ago (the follow-up the team owns: day-2 call
   to day-30 check): allowed, full;
8. an open break-the-glass of this user: allowed, full, until it expires;
9. otherwise: refused.

Every call writes an audit row, refusals included. Call these functions outside of any
`transaction.atomic` block that could roll the refusal's audit row back. Two reads show no
record and write none: `accessible_patients` (a queryset the caller audits as a list or search)
and `users_with_access` (who may reach one patient, for routing messages and notifications).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.accounts.models import Membership, Role, User
from parcours.audit.actions import Actor, audit_record
from parcours.audit.models import AuditAction, AuditOutcome, EventType
from parcours.live import publish_to_users
from parcours.messaging.actions import notifications_create
from parcours.patients.models import (
    BreakGlass,
    CircleMember,
    ConsentEvent,
    ConsentStatus,
    Exclusion,
    Patient,
    PatientStatus,
    Visibility,
)
from parcours.patients.notifications import BREAK_THE_GLASS
from parcours.transitions.models import Stay, StayStatus

# Rule 7: stays whose hospital team reaches the patient (planned = pre-admission), and, for
# the follow-up after discharge, discharged stays for STAY_FOLLOWUP_ACCESS_DAYS (see stay_team_q).
STAY_TEAM_STATUSES = (StayStatus.OPEN, StayStatus.PLANNED)


def stay_team_q(now: datetime | None = None) -> Q:
    """Rule 7's stays: open or planned, or discharged within the follow-up access window."""
    days = settings.STAY_FOLLOWUP_ACCESS_DAYS
    current = Q(status__in=STAY_TEAM_STATUSES)
    if days <= 0:
        return current
    since = (now or timezone.now()) - timedelta(days=days)
    return current | Q(status=StayStatus.DISCHARGED, discharged_at__gte=since)


BREAK_GLASS_DURATION = timedelta(hours=4)
BREAK_GLASS_MIN_REASON = 15


class Purpose(models.TextChoices):
    TREATMENT = "treatment", _("Care")
    COORDINATION = "coordination", _("Care coordination")
    CONSENT = "consent-management", _("Recording the patient's consent")
    EMERGENCY = "emergency", _("Emergency (break-the-glass)")
    PATIENT_REQUEST = "patient-request", _("Patient's request (right of access)")
    AUDIT_REVIEW = "audit-review", _("Reviewing who looked at the record")


# With consent refused or withdrawn, the circle's managers may still record a new decision,
# review who looked at the record, and export it for the patient: none of these shares data.
PURPOSES_DESPITE_WITHDRAWAL = frozenset(
    {Purpose.CONSENT, Purpose.AUDIT_REVIEW, Purpose.PATIENT_REQUEST}
)


class AccessBasis(models.TextChoices):
    CIRCLE = "circle", _("Member of the circle of care")
    STAY = "stay", _("Hospital team of an open or planned stay")
    BREAK_GLASS = "break-the-glass", _("Break-the-glass")


class PatientNotFound(Exception):
    """Raised for an unknown patient and for a refused access alike."""


class BreakGlassReasonRequired(ValueError):
    message = _("Write why you need this record now (at least %(count)d characters).") % {
        "count": BREAK_GLASS_MIN_REASON
    }


@dataclass(frozen=True)
class PatientAccess:
    """A granted access. `visibility` tells later areas what they may show."""

    patient: Patient
    user: User
    basis: str
    visibility: str
    purpose: str
    can_manage: bool
    actor: Actor
    members: tuple[CircleMember, ...] = field(default=())

    def allows(self, level: str) -> bool:
        return Visibility.rank(self.visibility) >= Visibility.rank(level)

    @property
    def shows_medical(self) -> bool:
        return self.allows(Visibility.CARE_INSTRUCTIONS)


@dataclass(frozen=True)
class _Decision:
    allowed: bool
    reason: str
    basis: str = ""
    visibility: str = Visibility.NONE
    can_manage: bool = False
    members: tuple[CircleMember, ...] = ()
    membership: Membership | None = None


def _care_memberships(user: User) -> list[Membership]:
    return [m for m in user.active_memberships() if m.role in Role.care_roles()]


def actor_of(user: User | AnonymousUser | None, membership: Membership | None = None) -> Actor:
    if user is None or not user.is_authenticated:
        return Actor(user_id=None, username="anonymous")
    assert isinstance(user, User)
    if membership is None:
        memberships = list(user.active_memberships())
        care = [m for m in memberships if m.role in Role.care_roles()]
        chosen = care or memberships
        membership = chosen[0] if chosen else None
    return Actor(
        user_id=user.pk,
        username=user.username,
        role=membership.role if membership else "",
        organisation=membership.organisation.code if membership else "",
    )


def _professional_id(user: User) -> int | None:
    professional = getattr(user, "professional", None)
    return professional.pk if professional is not None else None


def _user_member_q(user: User, organisation_ids: list[int]) -> Q:
    q = Q(organisation_id__in=organisation_ids, person_name="", professional__isnull=True)
    q |= Q(service__organisation_id__in=organisation_ids)
    professional_id = _professional_id(user)
    if professional_id is not None:
        q |= Q(professional_id=professional_id)
    return q


def _active_member_q(today: object) -> Q:
    return Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=today))


def consent_status(patient: Patient) -> str | None:
    latest = ConsentEvent.objects.filter(patient=patient).order_by("-recorded_at", "-pk").first()
    return latest.status if latest else None


def _close_expired_break_glass(user: User, patient_id: int, actor: Actor) -> None:
    now = timezone.now()
    for expired in BreakGlass.objects.filter(
        user=user, patient_id=patient_id, ended_at__isnull=True, expires_at__lte=now
    ):
        _break_glass_close(expired, actor=actor, ended_at=expired.expires_at, why="expired")


def _break_glass_close(glass: BreakGlass, *, actor: Actor, ended_at: object, why: str) -> None:
    with transaction.atomic():
        updated = BreakGlass.objects.filter(pk=glass.pk, ended_at__isnull=True).update(
            ended_at=ended_at
        )
        if updated:
            audit_record(
                actor=actor,
                action=AuditAction.EXECUTE,
                what="break-the-glass",
                outcome=AuditOutcome.SUCCESS,
                patient_id=glass.patient_id,
                purpose="ETREAT",
                reason=why,
                detail={"break_glass": glass.pk},
                event_type=EventType.SECURITY_ALERT,
                subtype=EventType.EMERGENCY_OVERRIDE_STOPPED,
            )


def _decide(
    user: User | AnonymousUser | None, patient: Patient | None, *, purpose: str, manage: bool
) -> _Decision:
    if user is None or not user.is_authenticated or not user.is_active:
        return _Decision(False, "unauthenticated")
    assert isinstance(user, User)
    memberships = _care_memberships(user)
    if not memberships:
        return _Decision(False, "no-care-role")
    if patient is None:
        return _Decision(False, "not-found")
    professional_id = _professional_id(user)
    if (
        professional_id is not None
        and Exclusion.objects.filter(
            patient=patient, professional_id=professional_id, lifted_at__isnull=True
        ).exists()
    ):
        return _Decision(False, "excluded")

    today = timezone.localdate()
    organisation_ids = [m.organisation_id for m in memberships]
    members = tuple(
        CircleMember.objects.filter(patient=patient)
        .filter(_active_member_q(today))
        .filter(_user_member_q(user, organisation_ids))
        .select_related("professional", "service", "organisation")
    )
    visible = [m for m in members if m.visibility != Visibility.NONE]
    hospital_org_ids = [m.organisation_id for m in memberships if m.role in Role.hospital_roles()]
    stay_team = Stay.objects.filter(stay_team_q(), patient=patient).filter(
        Q(hospital_id__in=hospital_org_ids) | Q(ward_id__in=hospital_org_ids)
    )
    in_stay_team = bool(hospital_org_ids) and stay_team.exists()
    is_referent = any(m.is_referent for m in visible)
    can_manage = is_referent or in_stay_team
    membership = _matching_membership(memberships, members, in_stay_team, hospital_org_ids)

    if consent_status(patient) in (ConsentStatus.REFUSED, ConsentStatus.WITHDRAWN):
        if purpose in PURPOSES_DESPITE_WITHDRAWAL and can_manage:
            basis = AccessBasis.CIRCLE if is_referent else AccessBasis.STAY
            return _Decision(
                True, "consent-management", basis, Visibility.NONE, True, members, membership
            )
        return _Decision(False, "consent-withdrawn")
    if manage and not can_manage:
        return _Decision(False, "not-manager")
    if visible:
        best = max(visible, key=lambda m: Visibility.rank(m.visibility))
        visibility = Visibility.FULL if in_stay_team else best.visibility
        return _Decision(
            True, "circle", AccessBasis.CIRCLE, visibility, can_manage, members, membership
        )
    if in_stay_team:
        return _Decision(True, "stay", AccessBasis.STAY, Visibility.FULL, True, members, membership)
    if BreakGlass.objects.filter(
        user=user, patient=patient, ended_at__isnull=True, expires_at__gt=timezone.now()
    ).exists():
        return _Decision(True, "break-the-glass", AccessBasis.BREAK_GLASS, Visibility.FULL)
    if members:
        return _Decision(False, "visibility-none")
    return _Decision(False, "no-relationship")


def _matching_membership(
    memberships: list[Membership],
    members: tuple[CircleMember, ...],
    in_stay_team: bool,
    hospital_org_ids: list[int],
) -> Membership | None:
    member_orgs = {m.organisation_id for m in members} | {
        m.service.organisation_id for m in members if m.service is not None
    }
    for membership in memberships:
        if membership.organisation_id in member_orgs:
            return membership
    if in_stay_team:
        return next(m for m in memberships if m.organisation_id in hospital_org_ids)
    return memberships[0] if memberships else None


def _load(patient_id: int | str) -> Patient | None:
    try:
        patient = Patient.objects.filter(pk=int(patient_id)).first()
    except (TypeError, ValueError):
        return None
    # A merged record leads to the record that absorbed it.
    seen = 0
    while patient is not None and patient.status == PatientStatus.MERGED and seen < 10:
        patient = patient.merged_into
        seen += 1
    return patient


def access_patient(
    user: User | AnonymousUser | None,
    patient_id: int | str,
    *,
    purpose: str,
    action: str = AuditAction.READ,
    what: str = "patient",
    manage: bool = False,
) -> PatientAccess:
    """Grant access to one patient for `purpose`, or raise PatientNotFound. Always audited.

    `manage=True` asks for the circle manager's rights (change the circle, consent, exclusions,
    see the access log): referents of the circle and the hospital team of an open or planned
    stay.
    """
    patient = _load(patient_id)
    if user is not None and user.is_authenticated and patient is not None:
        assert isinstance(user, User)
        _close_expired_break_glass(user, patient.pk, actor_of(user))
    decision = _decide(user, patient, purpose=purpose, manage=manage)
    actor = actor_of(user, decision.membership)
    recorded_id = patient.pk if patient is not None else _as_int(patient_id)
    audit_record(
        actor=actor,
        action=action,
        what=what,
        outcome=AuditOutcome.SUCCESS if decision.allowed else AuditOutcome.DENIED,
        patient_id=recorded_id,
        purpose="ETREAT" if decision.basis == AccessBasis.BREAK_GLASS else purpose,
        reason=decision.reason,
        detail={"requested": str(patient_id)[:20]} if decision.allowed is False else {},
    )
    if not decision.allowed or patient is None:
        raise PatientNotFound
    assert isinstance(user, User)
    return PatientAccess(
        patient=patient,
        user=user,
        basis=decision.basis,
        visibility=decision.visibility,
        purpose=purpose,
        can_manage=decision.can_manage,
        actor=actor,
        members=decision.members,
    )


def _as_int(value: int | str) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if -(2**63) <= number < 2**63 else None


def accessible_patients(user: User | AnonymousUser | None) -> QuerySet[Patient]:
    """Patients this user may reach, for lists and searches (same rules as `_decide`)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Patient.objects.none()
    assert isinstance(user, User)
    memberships = _care_memberships(user)
    if not memberships:
        return Patient.objects.none()
    today = timezone.localdate()
    now = timezone.now()
    organisation_ids = [m.organisation_id for m in memberships]
    hospital_org_ids = [m.organisation_id for m in memberships if m.role in Role.hospital_roles()]
    member_q = _active_member_q(today) & _user_member_q(user, organisation_ids)
    visible_member = CircleMember.objects.filter(member_q, patient=OuterRef("pk")).exclude(
        visibility=Visibility.NONE
    )
    referent = visible_member.filter(is_referent=True)
    stay = Stay.objects.filter(stay_team_q(now), patient=OuterRef("pk")).filter(
        Q(hospital_id__in=hospital_org_ids) | Q(ward_id__in=hospital_org_ids)
    )
    glass = BreakGlass.objects.filter(
        patient=OuterRef("pk"), user=user, ended_at__isnull=True, expires_at__gt=now
    )
    latest_consent = ConsentEvent.objects.filter(patient=OuterRef("pk")).order_by(
        "-recorded_at", "-pk"
    )
    queryset = Patient.objects.filter(status=PatientStatus.ACTIVE).annotate(
        consent=Subquery(latest_consent.values("status")[:1])
    )
    blocked = Q(consent__in=[ConsentStatus.REFUSED, ConsentStatus.WITHDRAWN])
    way_in = Exists(visible_member) | Exists(stay) | Exists(glass)
    managers = Exists(referent) | Exists(stay)
    open_to_sharing = Q(consent__isnull=True) | Q(consent=ConsentStatus.GIVEN)
    queryset = queryset.filter((way_in & open_to_sharing) | (blocked & managers))
    professional_id = _professional_id(user)
    if professional_id is not None:
        # One Exists over the same row: an exclusion lifted for this professional must not
        # combine with another professional's active exclusion.
        excluded = Exclusion.objects.filter(
            patient=OuterRef("pk"), professional_id=professional_id, lifted_at__isnull=True
        )
        queryset = queryset.exclude(Exists(excluded))
    return queryset


def access_patient_list(
    user: User | AnonymousUser | None, *, purpose: str, query: str = "", limit: int = 100
) -> list[Patient]:
    """The patients this user may reach matching `query`; one audit row for the search."""
    queryset = accessible_patients(user)
    for word in query.split()[:5]:
        queryset = queryset.filter(
            Q(given_name__icontains=word)
            | Q(family_name__icontains=word)
            | Q(identifiers__value__icontains=word)
        )
    patients = list(queryset.distinct().order_by("family_name", "given_name")[:limit])
    allowed = isinstance(user, User) and user.is_active and bool(_care_memberships(user))
    audit_record(
        actor=actor_of(user),
        action=AuditAction.READ,
        what="patient-search",
        outcome=AuditOutcome.SUCCESS if allowed else AuditOutcome.DENIED,
        purpose=purpose,
        reason="" if allowed else "no-care-role",
        detail={"query": query[:100], "count": len(patients)},
    )
    return patients


def break_the_glass(
    user: User | AnonymousUser | None, patient_id: int | str, *, reason: str
) -> PatientAccess:
    """Open a time-limited emergency access with a written reason; tell the circle's referents.

    Exclusions and withdrawn consent still win. Raises BreakGlassReasonRequired for a missing
    reason (before looking at the patient), PatientNotFound otherwise.
    """
    reason = (reason or "").strip()
    if len(reason) < BREAK_GLASS_MIN_REASON:
        raise BreakGlassReasonRequired(str(BreakGlassReasonRequired.message))
    patient = _load(patient_id)
    decision = _decide(user, patient, purpose=Purpose.EMERGENCY, manage=False)
    refused = decision.reason in {
        "unauthenticated",
        "no-care-role",
        "not-found",
        "excluded",
        "consent-withdrawn",
    }
    actor = actor_of(user, decision.membership)
    if refused or patient is None:
        audit_record(
            actor=actor,
            action=AuditAction.EXECUTE,
            what="break-the-glass",
            outcome=AuditOutcome.DENIED,
            patient_id=patient.pk if patient else _as_int(patient_id),
            purpose="ETREAT",
            reason=decision.reason,
            event_type=EventType.SECURITY_ALERT,
            subtype=EventType.EMERGENCY_OVERRIDE_STARTED,
        )
        raise PatientNotFound
    assert isinstance(user, User)
    now = timezone.now()
    with transaction.atomic():
        glass = BreakGlass.objects.create(
            patient=patient,
            user=user,
            reason=reason,
            started_at=now,
            expires_at=now + BREAK_GLASS_DURATION,
        )
        audit_record(
            actor=actor,
            action=AuditAction.EXECUTE,
            what="break-the-glass",
            outcome=AuditOutcome.SUCCESS,
            patient_id=patient.pk,
            purpose="ETREAT",
            reason="started",
            detail={"break_glass": glass.pk, "reason": reason[:500]},
            event_type=EventType.SECURITY_ALERT,
            subtype=EventType.EMERGENCY_OVERRIDE_STARTED,
        )
        # The circle's referents learn of it at once, through the notification outbox.
        link = reverse("patients:access_log", args=[patient.pk])
        until = timezone.localtime(glass.expires_at).strftime("%d/%m/%Y %H:%M")
        recipients = list(User.objects.filter(pk__in=referent_user_ids(patient), is_active=True))
        notifications_create(
            recipients=recipients,
            kind=BREAK_THE_GLASS.code,
            params={
                "by": user.get_full_name() or user.username,
                "organisation": actor.organisation,
                "until": until,
            },
            link=link,
            patient_id=patient.pk,
            keys=[f"break-the-glass-{glass.pk}-{recipient.pk}" for recipient in recipients],
        )
        event = {"topic": "notifications", "kind": BREAK_THE_GLASS.code}
        user_ids = [recipient.pk for recipient in recipients]
        transaction.on_commit(lambda: publish_to_users(user_ids, event))
    return access_patient(user, patient.pk, purpose=Purpose.EMERGENCY)


def break_the_glass_end(*, access: PatientAccess) -> None:
    """End the user's emergency access before it expires."""
    for glass in BreakGlass.objects.filter(
        user=access.user, patient=access.patient, ended_at__isnull=True
    ):
        _break_glass_close(glass, actor=access.actor, ended_at=timezone.now(), why="ended")


def referent_user_ids(patient: Patient) -> list[int]:
    """Users told about emergencies: the circle's referents (professionals with an account, or
    care roles of a referent organisation), else whoever created the record."""
    today = timezone.localdate()
    referents = CircleMember.objects.filter(patient=patient, is_referent=True).filter(
        _active_member_q(today)
    )
    user_ids: set[int] = set()
    for member in referents.select_related("professional", "service"):
        if member.professional is not None and member.professional.user_id:
            user_ids.add(member.professional.user_id)
            continue
        organisation_id = member.organisation_id or (
            member.service.organisation_id if member.service else None
        )
        if organisation_id:
            user_ids.update(
                Membership.objects.filter(
                    organisation_id=organisation_id,
                    active=True,
                    role__in=list(Role.care_roles()),
                ).values_list("user_id", flat=True)
            )
    if not user_ids and patient.created_by_id:
        user_ids.add(patient.created_by_id)
    return sorted(user_ids)


def users_with_access(
    patient: Patient | int, candidates: QuerySet[User] | Iterable[int]
) -> list[User]:
    """The candidates whom `accessible_patients(user)` lets reach `patient`, in a constant number
    of queries whatever their number (rules 1-9 for each at once), ordered by username.

    A read for routing (who receives a message, who is told), not an access: nothing of the
    record is shown, so no audit row is written here, as with `accessible_patients`; each
    reader's own later read goes through `access_patient` and is audited then. Merged, inactive
    or unknown patients reach no one, as in `accessible_patients`.
    """
    patient_id = patient.pk if isinstance(patient, Patient) else int(patient)
    if isinstance(candidates, QuerySet):
        users_qs = candidates
    else:
        users_qs = User.objects.filter(pk__in=list(candidates))
    if not Patient.objects.filter(pk=patient_id, status=PatientStatus.ACTIVE).exists():
        return []
    # Rule 1: active users only; the directory entry comes with the user (rule 4, rule 6).
    users = list(
        users_qs.filter(is_active=True).select_related("professional").order_by("username")
    )
    if not users:
        return []
    # Rule 2: care roles of active memberships, one query for all candidates.
    care_orgs: dict[int, set[int]] = {}
    hospital_orgs: dict[int, set[int]] = {}
    for user_id, organisation_id, role in Membership.objects.filter(
        user_id__in=[u.pk for u in users], active=True, role__in=list(Role.care_roles())
    ).values_list("user_id", "organisation_id", "role"):
        care_orgs.setdefault(user_id, set()).add(organisation_id)
        if role in Role.hospital_roles():
            hospital_orgs.setdefault(user_id, set()).add(organisation_id)
    today = timezone.localdate()
    now = timezone.now()
    # Rule 4: the professionals the patient excluded.
    excluded = set(
        Exclusion.objects.filter(patient_id=patient_id, lifted_at__isnull=True).values_list(
            "professional_id", flat=True
        )
    )
    # Rule 6: the circle's active members whose visibility is not "nothing".
    visible_members = list(
        CircleMember.objects.filter(patient_id=patient_id)
        .filter(_active_member_q(today))
        .exclude(visibility=Visibility.NONE)
        .values_list(
            "professional_id",
            "organisation_id",
            "person_name",
            "service__organisation_id",
            "is_referent",
        )
    )
    # Rule 7: the hospitals and wards of the stays whose team reaches the patient.
    stay_orgs: set[int] = set()
    for hospital_id, ward_id in Stay.objects.filter(
        stay_team_q(now), patient_id=patient_id
    ).values_list("hospital_id", "ward_id"):
        stay_orgs.update(i for i in (hospital_id, ward_id) if i is not None)
    # Rule 8: open break-the-glass accesses.
    glass_users = set(
        BreakGlass.objects.filter(
            patient_id=patient_id, ended_at__isnull=True, expires_at__gt=now
        ).values_list("user_id", flat=True)
    )
    # Rule 5: the latest consent decision.
    latest = (
        ConsentEvent.objects.filter(patient_id=patient_id)
        .order_by("-recorded_at", "-pk")
        .values_list("status", flat=True)
        .first()
    )
    blocked = latest in (ConsentStatus.REFUSED, ConsentStatus.WITHDRAWN)
    open_to_sharing = latest is None or latest == ConsentStatus.GIVEN

    def matches(user: User, organisation_ids: set[int]) -> tuple[bool, bool]:
        """(visible member, visible referent member) — `_user_member_q`, in Python."""
        professional_id = _professional_id(user)
        visible = referent = False
        for prof_id, org_id, person_name, service_org_id, is_referent in visible_members:
            if (
                (org_id in organisation_ids and person_name == "" and prof_id is None)
                or (service_org_id is not None and service_org_id in organisation_ids)
                or (professional_id is not None and prof_id == professional_id)
            ):
                visible = True
                referent = referent or is_referent
        return visible, referent

    allowed: list[User] = []
    for user in users:
        organisation_ids = care_orgs.get(user.pk)
        if not organisation_ids:
            continue
        professional_id = _professional_id(user)
        if professional_id is not None and professional_id in excluded:
            continue
        visible, referent = matches(user, organisation_ids)
        in_stay = bool(hospital_orgs.get(user.pk, set()) & stay_orgs)
        way_in = visible or in_stay or user.pk in glass_users
        if (way_in and open_to_sharing) or (blocked and (referent or in_stay)):
            allowed.append(user)
    return allowed
