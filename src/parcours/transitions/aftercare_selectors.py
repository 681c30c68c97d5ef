"""Reads of the follow-up after discharge: watch lists, a patient's follow-up, who to tell,
and the first community contact after a discharge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from parcours.accounts.models import Membership, Role, User
from parcours.directory.models import Organisation, OrganisationType
from parcours.patients.access import PatientAccess, accessible_patients, referent_user_ids
from parcours.patients.models import CircleMember, MemberRole, Patient, Visibility
from parcours.transitions.aftercare_models import (
    Contact,
    Readmission,
    Refusal,
    WatchEntry,
)
from parcours.transitions.models import Stay, StayStatus


def _active_members(patient: Patient) -> QuerySet[CircleMember]:
    today = timezone.localdate()
    return (
        CircleMember.objects.filter(patient=patient, start_date__lte=today)
        .exclude(end_date__lt=today)
        .exclude(visibility=Visibility.NONE)
    )


def organisation_user_ids(organisation_ids: set[int]) -> set[int]:
    """Active users with a care role in these organisations."""
    if not organisation_ids:
        return set()
    return set(
        Membership.objects.filter(
            organisation_id__in=organisation_ids,
            active=True,
            role__in=list(Role.care_roles()),
            user__is_active=True,
        ).values_list("user_id", flat=True)
    )


def circle_user_ids(patient: Patient) -> list[int]:
    """Every user who is the circle of care: professionals with an account, and the care roles
    of member organisations and services (the same people `access.py` lets in)."""
    user_ids: set[int] = set()
    organisation_ids: set[int] = set()
    for member in _active_members(patient).select_related("professional__user", "service"):
        if member.professional is not None:
            if member.professional.user is not None and member.professional.user.is_active:
                user_ids.add(member.professional.user.pk)
        elif member.organisation_id:
            organisation_ids.add(member.organisation_id)
        elif member.service is not None:
            organisation_ids.add(member.service.organisation_id)
    return sorted(user_ids | organisation_user_ids(organisation_ids))


def broken_followup_user_ids(patient: Patient, organisation: Organisation) -> list[int]:
    """Who is asked to reach out: the watching organisation's team, the circle's referents and
    the patient's single point of contact (health mediator, case manager)."""
    user_ids = organisation_user_ids({organisation.pk}) | set(referent_user_ids(patient))
    contacts = _active_members(patient).filter(
        role__in=[MemberRole.HEALTH_MEDIATOR, MemberRole.CASE_MANAGER],
        professional__user__is_active=True,
    )
    user_ids.update(contacts.values_list("professional__user_id", flat=True))
    return sorted(user_ids)


def in_circle(patient: Patient, organisation: Organisation) -> bool:
    """Is the organisation (or one of its services) an active member of the circle?"""
    return (
        _active_members(patient)
        .filter(Q(organisation=organisation) | Q(service__organisation=organisation))
        .exists()
    )


def care_organisations(user: User) -> list[Organisation]:
    return [m.organisation for m in user.active_memberships() if m.role in Role.care_roles()]


def refusal_service_organisation_ids(access: PatientAccess) -> list[int]:
    """Organisations whose services a refusal may name: the circle's and the user's."""
    ids = {o.pk for o in care_organisations(access.user)}
    for member in access.patient.circle.select_related("service"):
        if member.organisation_id:
            ids.add(member.organisation_id)
        elif member.service is not None:
            ids.add(member.service.organisation_id)
    return sorted(ids)


def watch_organisations(access: PatientAccess) -> list[Organisation]:
    """Organisations the user may start a watch for: their own community organisations, and for
    a circle manager also the community organisations already in the circle."""
    hospital_types = {OrganisationType.HOSPITAL, OrganisationType.WARD}
    mine = [o for o in care_organisations(access.user) if o.type not in hospital_types]
    if access.can_manage:
        members = list(access.patient.circle.all())
        in_circle = Organisation.objects.filter(
            Q(pk__in=[m.organisation_id for m in members if m.organisation_id])
            | Q(services__in=[m.service_id for m in members if m.service_id])
        ).exclude(type__in=hospital_types)
        mine += [o for o in in_circle.distinct() if o.pk not in {m.pk for m in mine}]
    return mine


def followed_stay(patient: Patient, at: datetime) -> Stay | None:
    """The stay a contact at `at` follows: the patient's latest discharge before it."""
    return (
        Stay.objects.filter(patient=patient, status=StayStatus.DISCHARGED, discharged_at__lte=at)
        .order_by("-discharged_at")
        .first()
    )


def last_contact_at(patient: Patient) -> datetime | None:
    result = Contact.objects.filter(patient=patient).aggregate(last=Max("at"))
    return result["last"]


def first_contact_delay(stay: Stay) -> timedelta | None:
    """Time from the discharge to the first contact recorded by someone outside the hospital
    (indicator "time to first community contact"); None before a discharge or a contact."""
    if stay.discharged_at is None:
        return None
    first = (
        Contact.objects.filter(patient_id=stay.patient_id, at__gte=stay.discharged_at)
        .exclude(by_organisation_id=stay.hospital_id)
        .exclude(by_organisation__parent_id=stay.hospital_id)
        .order_by("at")
        .first()
    )
    return first.at - stay.discharged_at if first is not None else None


@dataclass(frozen=True)
class WatchRow:
    entry: WatchEntry
    last_contact_at: datetime | None
    days_since: int

    @property
    def flagged(self) -> bool:
        return self.entry.broken_follow_up_flagged_at is not None


def watch_list(
    user: User, *, organisation_ids: list[int] | None = None, now: datetime | None = None
) -> list[WatchRow]:
    """The active watch entries of the user's organisations, for patients the user may reach
    (patient names only through `accessible_patients`); flagged first, then longest silence."""
    now = now or timezone.now()
    orgs = [o.pk for o in care_organisations(user)]
    if organisation_ids is not None:
        orgs = [pk for pk in orgs if pk in organisation_ids]
    last = (
        Contact.objects.filter(patient=OuterRef("patient"))
        .order_by()
        .values("patient")
        .annotate(last=Max("at"))
        .values("last")
    )
    entries = (
        WatchEntry.objects.filter(
            organisation_id__in=orgs,
            ended_at__isnull=True,
            patient__in=accessible_patients(user),
        )
        .annotate(last_contact=Subquery(last))
        .select_related("patient", "organisation", "started_by")
    )
    rows = []
    for entry in entries:
        last_at: datetime | None = entry.last_contact
        since = max(entry.started_at, last_at) if last_at else entry.started_at
        rows.append(WatchRow(entry, last_at, max(0, (now - since).days)))
    rows.sort(key=lambda r: (not r.flagged, -r.days_since, r.entry.pk))
    return rows


@dataclass(frozen=True)
class PatientFollowUp:
    watches: list[WatchEntry]
    contacts: list[Contact]
    refusals: list[Refusal]
    readmissions: list[Readmission]


def patient_followup(access: PatientAccess, *, limit: int = 100) -> PatientFollowUp:
    patient = access.patient
    return PatientFollowUp(
        watches=list(
            WatchEntry.objects.filter(patient=patient)
            .select_related("organisation", "started_by", "ended_by")
            .order_by("ended_at", "-started_at")[:limit]
        ),
        contacts=list(
            Contact.objects.filter(patient=patient).select_related("by_user", "by_organisation")[
                :limit
            ]
        ),
        refusals=list(
            Refusal.objects.filter(patient=patient).select_related(
                "recorded_by", "service", "recorded_organisation"
            )[:limit]
        ),
        readmissions=list(
            Readmission.objects.filter(patient=patient)
            .exclude(stay__status=StayStatus.CANCELLED)
            .select_related("stay__hospital", "previous_stay__hospital")[:limit]
        ),
    )
