"""Writes to patient data. Each takes a PatientAccess (obtained from `access.py`) and audits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from parcours.accounts.models import Role, User
from parcours.audit.actions import Actor, audit_record
from parcours.audit.models import AuditAction, AuditOutcome
from parcours.directory.models import Organisation, Professional, Service
from parcours.messaging.actions import notifications_create
from parcours.patients.access import (
    STAY_TEAM_STATUSES,
    PatientAccess,
    PatientNotFound,
    Purpose,
    actor_of,
)
from parcours.patients.identifiers import NATIONAL_SYSTEMS, InvalidIdentifier, check_identifier
from parcours.patients.models import (
    CircleMember,
    ConsentEvent,
    ConsentStatus,
    Exclusion,
    LegalScope,
    MemberRole,
    Patient,
    PatientIdentifier,
    PatientStatus,
    Visibility,
)
from parcours.patients.selectors import DuplicateCandidate, find_duplicates
from parcours.transactions import atomic_action
from parcours.transitions.models import Stay


class PatientError(ValueError):
    """A refused change, with a message for the user."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = message


class DuplicatePatient(PatientError):
    def __init__(self, candidates: list[DuplicateCandidate]) -> None:
        strong = any(c.kind == "identifier" for c in candidates)
        super().__init__(
            _("A patient with this identifier already exists.")
            if strong
            else _("A patient with a close name and the same birth date already exists.")
        )
        self.candidates = candidates
        self.strong = strong


@dataclass
class IdentifierInput:
    system: str
    value: str
    assigning_authority: Organisation | None = None


@dataclass
class PatientData:
    given_name: str
    family_name: str = ""
    birth_date: date | None = None
    administrative_sex: str = "unknown"
    gender_identity: str = ""
    pronouns: str = ""
    address_line: str = ""
    postcode: str = ""
    municipality_id: int | None = None
    languages: list[str] = field(default_factory=list)
    phone: str = ""
    is_provisional: bool = False


IDENTITY_FIELDS = (
    "given_name",
    "family_name",
    "birth_date",
    "administrative_sex",
    "gender_identity",
    "pronouns",
    "address_line",
    "postcode",
    "municipality_id",
    "languages",
    "phone",
)

CREATOR_ROLE = {
    Role.GP: MemberRole.GP,
    Role.HOME_NURSE: MemberRole.HOME_NURSE,
    Role.PHARMACIST: MemberRole.PHARMACIST,
    Role.PHYSIOTHERAPIST: MemberRole.PHYSIOTHERAPIST,
    Role.HOME_CARE_COORDINATOR: MemberRole.HOME_CARE_COORDINATION,
    Role.SOCIAL_WORKER: MemberRole.SOCIAL_WORKER,
    Role.HEALTH_MEDIATOR: MemberRole.HEALTH_MEDIATOR,
    Role.CARE_AREA_COORDINATOR: MemberRole.CASE_MANAGER,
}


def _checked(identifiers: list[IdentifierInput]) -> list[IdentifierInput]:
    result = []
    for item in identifiers:
        checked = check_identifier(
            system=item.system,
            value=item.value,
            has_authority=item.assigning_authority is not None,
        )
        result.append(IdentifierInput(checked.system, checked.value, item.assigning_authority))
    return result


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


def patient_create(
    *,
    user: User,
    data: PatientData,
    identifiers: list[IdentifierInput],
    confirm_not_duplicate: bool = False,
) -> Patient:
    """Create a patient; the creator joins the circle as its referent.

    Raises InvalidIdentifier, DuplicatePatient (a same identifier always; a close name with the
    same birth date unless `confirm_not_duplicate`), PatientError.
    """
    memberships = [m for m in user.active_memberships() if m.role in Role.care_roles()]
    if not memberships:
        raise PatientError(_("Only care professionals can register patients."))
    if not data.given_name.strip():
        raise PatientError(_("Enter the person's given name."))
    checked = _checked(identifiers)
    if not checked and not data.is_provisional:
        raise PatientError(
            _("Enter an identifier, or mark the identity as provisional if there is none.")
        )
    candidates = find_duplicates(
        identifiers=[(i.system, i.value) for i in checked],
        given_name=data.given_name,
        family_name=data.family_name,
        birth_date=data.birth_date,
    )
    if any(c.kind == "identifier" for c in candidates) or (
        candidates and not confirm_not_duplicate
    ):
        raise DuplicatePatient(candidates)
    membership = memberships[0]
    with transaction.atomic():
        patient = Patient.objects.create(
            **{name: getattr(data, name) for name in IDENTITY_FIELDS},
            is_provisional=data.is_provisional
            or not any(i.system in NATIONAL_SYSTEMS for i in checked),
            created_by=user,
        )
        try:
            with transaction.atomic():
                for item in checked:
                    PatientIdentifier.objects.create(
                        patient=patient,
                        system=item.system,
                        value=item.value,
                        assigning_authority=item.assigning_authority,
                    )
        except IntegrityError as exc:
            raise DuplicatePatient([]) from exc
        professional = getattr(user, "professional", None)
        role = (
            MemberRole.HOSPITAL_REFERENT
            if membership.role in Role.hospital_roles()
            else CREATOR_ROLE.get(Role(membership.role), MemberRole.OTHER_PROFESSIONAL)
        )
        CircleMember.objects.create(
            patient=patient,
            role=role,
            professional=professional,
            organisation=None if professional else membership.organisation,
            is_referent=True,
            visibility=Visibility.FULL,
            created_by=user,
        )
        audit_record(
            actor=actor_of(user, membership),
            action=AuditAction.CREATE,
            what="patient",
            outcome=AuditOutcome.SUCCESS,
            patient_id=patient.pk,
            purpose=Purpose.TREATMENT,
            detail={"provisional": patient.is_provisional, "duplicates": len(candidates)},
        )
    return patient


@transaction.atomic
def patient_update(*, access: PatientAccess, data: PatientData) -> Patient:
    if not access.allows(Visibility.NON_MEDICAL) or access.basis == "break-the-glass":
        raise PatientNotFound
    patient = access.patient
    changed = []
    for name in IDENTITY_FIELDS:
        if getattr(patient, name) != getattr(data, name):
            setattr(patient, name, getattr(data, name))
            changed.append(name)
    if changed:
        patient.save(update_fields=changed)
        _audit(access, action=AuditAction.UPDATE, what="patient", detail={"fields": changed})
    return patient


def patient_identifier_add(
    *, access: PatientAccess, identifier: IdentifierInput
) -> PatientIdentifier:
    """Add an identifier. A national one ends the provisional identity (story 2).

    Raises DuplicatePatient when another record holds it: merge the two with `patient_merge`.
    """
    if not access.can_manage:
        raise PatientNotFound
    item = _checked([identifier])[0]
    candidates = [
        c
        for c in find_duplicates(
            identifiers=[(item.system, item.value)],
            given_name="",
            family_name="",
            birth_date=None,
            exclude_id=access.patient.pk,
        )
    ]
    if candidates:
        raise DuplicatePatient(candidates)
    with transaction.atomic():
        created, _new = PatientIdentifier.objects.get_or_create(
            patient=access.patient,
            system=item.system,
            value=item.value,
            assigning_authority=item.assigning_authority,
        )
        patient = access.patient
        if item.system in NATIONAL_SYSTEMS and patient.is_provisional:
            patient.is_provisional = False
            patient.save(update_fields=["is_provisional"])
        _audit(
            access,
            action=AuditAction.UPDATE,
            what="patient-identifier",
            detail={"system": item.system, "reconciled": item.system in NATIONAL_SYSTEMS},
        )
    return created


@transaction.atomic
def patient_merge(*, source: PatientAccess, target: PatientAccess) -> Patient:
    """Merge `source` into `target`: every linked row moves, nothing is deleted, both audited.

    The source stays as a record marked merged, pointing to the target, so old references
    and the audit log still lead somewhere.
    """
    if not (source.can_manage and target.can_manage):
        raise PatientNotFound
    if source.patient.pk == target.patient.pk:
        raise PatientError(_("A record cannot be merged into itself."))
    from_patient = Patient.objects.select_for_update().get(pk=source.patient.pk)
    into = Patient.objects.select_for_update().get(pk=target.patient.pk)
    moved: dict[str, int] = {}
    for relation in Patient._meta.related_objects:
        if relation.related_model is Patient or not relation.one_to_many:
            continue
        manager = relation.related_model._default_manager  # type: ignore[union-attr]
        count = manager.filter(**{relation.field.name: from_patient}).update(
            **{relation.field.name: into}
        )
        if count:
            moved[relation.related_model._meta.label] = count  # type: ignore[union-attr]
    for name in IDENTITY_FIELDS:
        if not getattr(into, name) and getattr(from_patient, name):
            setattr(into, name, getattr(from_patient, name))
    into.is_provisional = into.is_provisional and from_patient.is_provisional
    into.save()
    from_patient.status = PatientStatus.MERGED
    from_patient.merged_into = into
    from_patient.save(update_fields=["status", "merged_into"])
    detail = {"from": from_patient.pk, "into": into.pk, "moved": moved}
    _audit(source, action=AuditAction.UPDATE, what="patient-merge", detail=detail)
    _audit(target, action=AuditAction.UPDATE, what="patient-merge", detail=detail)
    return into


@dataclass
class MemberInput:
    role: str
    professional: Professional | None = None
    service: Service | None = None
    organisation: Organisation | None = None
    person_name: str = ""
    person_relationship: str = ""
    person_phone: str = ""
    person_language: str = ""
    legal_scope: str = ""
    legal_basis: str = ""
    start_date: date | None = None
    end_date: date | None = None
    patient_confirmed: bool = False
    visibility: str = Visibility.FULL
    is_referent: bool = False


DEFAULT_VISIBILITY = {
    MemberRole.CAREGIVER: Visibility.NON_MEDICAL,
    MemberRole.TRUSTED_PERSON: Visibility.CARE_INSTRUCTIONS,
    MemberRole.HOME_HELP: Visibility.NON_MEDICAL,
}


def _validate_member(item: MemberInput) -> None:
    entities = [e for e in (item.professional, item.service, item.organisation) if e is not None]
    is_person = item.role in MemberRole.person_roles()
    if is_person:
        if entities or not item.person_name.strip():
            raise PatientError(
                _("Give the name of the caregiver, trusted person or representative.")
            )
    elif len(entities) != 1 or item.person_name:
        raise PatientError(
            _("Choose a professional, a service or an organisation from the directory.")
        )
    if item.role == MemberRole.LEGAL_REPRESENTATIVE:
        if item.legal_scope not in LegalScope.values:
            raise PatientError(
                _("Say what the representative is in charge of: person, property or both.")
            )
        if not item.legal_basis.strip():
            raise PatientError(_("Give the decision the representation rests on."))
    elif item.legal_scope:
        raise PatientError(_("Only a legal representative has a legal scope."))
    if item.end_date and item.start_date and item.end_date < item.start_date:
        raise PatientError(_("The end date is before the start date."))


def _worklists_changed(patient: Patient) -> None:
    """The circle changed: the worklists showing this patient's planned or open stays refresh
    once the transaction commits (their "no GP" and "circle incomplete" flags may move).

    Import graph: transitions builds on patients (`transitions.worklist` imports
    `patients.access`), so patients imports the worklist here, at call time, rather than at
    module level: the lower app never needs the upper one to load. `patients.access` already
    imports `transitions.models` (models only, no cycle).
    """
    from parcours.transitions.worklist import worklist_changed

    for stay in Stay.objects.filter(patient=patient, status__in=STAY_TEAM_STATUSES).only(
        "pk", "hospital_id"
    ):
        worklist_changed(stay)


def circle_member_add(*, access: PatientAccess, member: MemberInput) -> CircleMember:
    if not access.can_manage:
        raise PatientNotFound
    _validate_member(member)
    visibility = member.visibility
    if (
        member.role == MemberRole.LEGAL_REPRESENTATIVE
        and member.legal_scope == LegalScope.PROPERTY
        and visibility in (Visibility.FULL, Visibility.CARE_INSTRUCTIONS)
    ):
        # A representative for property only sees what that scope needs (story 4).
        visibility = Visibility.NON_MEDICAL
    with transaction.atomic():
        created = CircleMember.objects.create(
            patient=access.patient,
            role=member.role,
            professional=member.professional,
            service=member.service,
            organisation=member.organisation,
            person_name=member.person_name.strip(),
            person_relationship=member.person_relationship.strip(),
            person_phone=member.person_phone.strip(),
            person_language=member.person_language,
            legal_scope=member.legal_scope,
            legal_basis=member.legal_basis.strip(),
            start_date=member.start_date or timezone.localdate(),
            end_date=member.end_date,
            patient_confirmed=member.patient_confirmed,
            visibility=visibility,
            is_referent=member.is_referent,
            created_by=access.user,
        )
        _audit(
            access,
            action=AuditAction.CREATE,
            what="circle-member",
            detail={"member": created.pk, "role": created.role, "visibility": visibility},
        )
        _worklists_changed(access.patient)
    return created


def _member_of(access: PatientAccess, member_id: int) -> CircleMember:
    member = CircleMember.objects.filter(pk=member_id, patient=access.patient).first()
    if member is None or not access.can_manage:
        raise PatientNotFound
    return member


@transaction.atomic
def circle_member_end(
    *, access: PatientAccess, member_id: int, end_date: date | None = None
) -> CircleMember:
    member = _member_of(access, member_id)
    member.end_date = end_date or timezone.localdate()
    if member.end_date < member.start_date:
        member.end_date = member.start_date
    member.save(update_fields=["end_date"])
    _audit(
        access, action=AuditAction.UPDATE, what="circle-member-end", detail={"member": member.pk}
    )
    _worklists_changed(access.patient)
    return member


@transaction.atomic
def circle_member_confirm(
    *, access: PatientAccess, member_id: int, confirmed: bool = True
) -> CircleMember:
    member = _member_of(access, member_id)
    member.patient_confirmed = confirmed
    member.save(update_fields=["patient_confirmed"])
    _audit(
        access,
        action=AuditAction.UPDATE,
        what="circle-member-confirm",
        detail={"member": member.pk, "confirmed": confirmed},
    )
    return member


@transaction.atomic
def consent_record(
    *, access: PatientAccess, status: str, method: str, note: str = ""
) -> ConsentEvent:
    """Record the patient's consent. A withdrawal stops sharing at once: the next access check
    reads the latest row."""
    if not access.can_manage:
        raise PatientNotFound
    if status not in ConsentStatus.values:
        raise PatientError(_("Choose given, refused or withdrawn."))
    event = ConsentEvent.objects.create(
        patient=access.patient,
        status=status,
        method=method,
        recorded_by=access.user,
        note=note.strip()[:300],
    )
    _audit(
        access,
        action=AuditAction.UPDATE,
        what="consent",
        detail={"status": status, "method": method},
    )
    return event


@transaction.atomic
def exclusion_add(
    *, access: PatientAccess, professional: Professional, reason: str = ""
) -> Exclusion:
    if not access.can_manage:
        raise PatientNotFound
    existing = Exclusion.objects.filter(
        patient=access.patient, professional=professional, lifted_at__isnull=True
    ).first()
    if existing:
        return existing
    exclusion = Exclusion.objects.create(
        patient=access.patient,
        professional=professional,
        reason=reason.strip()[:300],
        created_by=access.user,
    )
    _audit(
        access,
        action=AuditAction.CREATE,
        what="exclusion",
        detail={"professional": professional.pk},
    )
    return exclusion


@transaction.atomic
def exclusion_lift(*, access: PatientAccess, exclusion_id: int) -> Exclusion:
    exclusion = Exclusion.objects.filter(pk=exclusion_id, patient=access.patient).first()
    if exclusion is None or not access.can_manage:
        raise PatientNotFound
    if exclusion.lifted_at is None:
        exclusion.lifted_at = timezone.now()
        exclusion.lifted_by = access.user
        exclusion.save(update_fields=["lifted_at", "lifted_by"])
        _audit(
            access,
            action=AuditAction.UPDATE,
            what="exclusion-lift",
            detail={"professional": exclusion.professional_id},
        )
    return exclusion


__all__ = [
    "DuplicatePatient",
    "IdentifierInput",
    "InvalidIdentifier",
    "MemberInput",
    "PatientData",
    "PatientError",
    "circle_member_add",
    "circle_member_confirm",
    "circle_member_end",
    "consent_record",
    "exclusion_add",
    "exclusion_lift",
    "patient_create",
    "patient_identifier_add",
    "patient_merge",
    "patient_update",
]


# --- writes by a machine actor (a hospital's ADT feed) ------------------------------------
# The feed has no user: it is identified by an audit Actor ("hl7:<facility>" with the hospital
# organisation) and acts for the hospital team, so these functions take the actor and a patient
# instead of a PatientAccess. Each one audits like its user-facing counterpart.


def _audit_system(
    actor: Actor, patient: Patient, *, action: str, what: str, detail: dict[str, Any]
) -> None:
    audit_record(
        actor=actor,
        action=action,
        what=what,
        outcome=AuditOutcome.SUCCESS,
        patient_id=patient.pk,
        purpose=Purpose.TREATMENT,
        reason="system",
        detail=detail,
    )


@atomic_action
def patient_register_by_system(
    *, actor: Actor, data: PatientData, identifiers: list[IdentifierInput]
) -> Patient:
    """Create a patient reported by a hospital feed. Nobody joins the circle of care: the
    hospital team reaches the record through the open stay. Raises InvalidIdentifier,
    DuplicatePatient (same identifier only: a feed cannot confirm a close name), PatientError."""
    if not data.given_name.strip() and not data.family_name.strip():
        raise PatientError(_("Enter the person's given name."))
    checked = _checked(identifiers)
    if not checked:
        raise PatientError(
            _("Enter an identifier, or mark the identity as provisional if there is none.")
        )
    strong = [
        c
        for c in find_duplicates(
            identifiers=[(i.system, i.value) for i in checked],
            given_name="",
            family_name="",
            birth_date=None,
        )
        if c.kind == "identifier"
    ]
    if strong:
        raise DuplicatePatient(strong)
    patient = Patient.objects.create(
        **{name: getattr(data, name) for name in IDENTITY_FIELDS},
        is_provisional=not any(i.system in NATIONAL_SYSTEMS for i in checked),
    )
    for item in checked:
        PatientIdentifier.objects.create(
            patient=patient,
            system=item.system,
            value=item.value,
            assigning_authority=item.assigning_authority,
        )
    _audit_system(
        actor,
        patient,
        action=AuditAction.CREATE,
        what="patient",
        detail={"provisional": patient.is_provisional},
    )
    return patient


@atomic_action
def patient_update_by_system(
    *, actor: Actor, patient: Patient, data: PatientData, identifiers: list[IdentifierInput]
) -> Patient:
    """Update identity fields a feed sends (empty values do not erase) and add the identifiers
    the record does not hold yet. Raises InvalidIdentifier, DuplicatePatient."""
    changed = []
    for name in IDENTITY_FIELDS:
        value = getattr(data, name)
        if value in ("", None, [], "unknown") or getattr(patient, name) == value:
            continue
        setattr(patient, name, value)
        changed.append(name)
    added = []
    for item in _checked(identifiers):
        holder = PatientIdentifier.objects.filter(system=item.system, value=item.value)
        if item.system == "local":
            holder = holder.filter(assigning_authority=item.assigning_authority)
        holders = {row.patient_id for row in holder.only("pk", "patient_id")[:2]}
        if holders - {patient.pk}:
            raise DuplicatePatient([])
        if not holders:
            PatientIdentifier.objects.create(
                patient=patient,
                system=item.system,
                value=item.value,
                assigning_authority=item.assigning_authority,
            )
            added.append(item.system)
            if item.system in NATIONAL_SYSTEMS and patient.is_provisional:
                patient.is_provisional = False
                changed.append("is_provisional")
    if changed:
        patient.save(update_fields=changed)
    if changed or added:
        _audit_system(
            actor,
            patient,
            action=AuditAction.UPDATE,
            what="patient",
            detail={"fields": changed, "identifiers": added},
        )
    return patient


def patient_merge_by_system(*, actor: Actor, source: Patient, target: Patient) -> Patient:
    """`patient_merge` for a feed (HL7 A40): same moves, same audit, the actor being the feed."""
    access = {
        "basis": "system",
        "visibility": Visibility.FULL,
        "purpose": Purpose.TREATMENT,
        "can_manage": True,
        "actor": actor,
        "user": None,
    }
    return patient_merge(
        source=PatientAccess(patient=source, **access),  # type: ignore[arg-type]
        target=PatientAccess(patient=target, **access),  # type: ignore[arg-type]
    )


def circle_notify(
    *, patient: Patient, kind: str, params: dict[str, Any], key: str | None = None
) -> int:
    """Tell the circle of care (users of active members who see anything) what happened,
    through the notification outbox, in the caller's transaction. Returns how many users."""
    today = timezone.localdate()
    members = (
        CircleMember.objects.filter(patient=patient, start_date__lte=today)
        .exclude(end_date__lt=today)
        .exclude(visibility=Visibility.NONE)
        .select_related("professional__user")
    )
    users = {
        m.professional.user.pk: m.professional.user
        for m in members
        if m.professional and m.professional.user and m.professional.user.is_active
    }
    link = reverse("patients:detail", args=[patient.pk])
    ordered = sorted(users.items())
    notifications_create(
        recipients=[user for _user_id, user in ordered],
        kind=kind,
        params=params,
        link=link,
        patient_id=patient.pk,
        keys=[f"{key}-{user_id}" for user_id, _user in ordered] if key else None,
    )
    return len(users)
