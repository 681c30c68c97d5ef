"""RelatedPerson and CareTeam from the circle of care (read and search).

- RelatedPerson ⇄ a circle member who is a person (caregiver, trusted person, legal
  representative); id = the member's id. Create adds one through `circle_member_add` (the
  circle's managers only); the role is our circle-role coding or its HL7 equivalent
  (RoleClass CAREGIVER, RoleCode NOK, RoleCode GUARD); a legal representative's scope and
  decision come in two extensions.
- CareTeam ⇄ the whole circle of one patient; id = the patient's id. Professionals are
  Practitioner members, services and organisations Organization members (the service named in
  `display`), persons RelatedPerson members.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from fhir.resources.R4B.careteam import CareTeam as CareTeamModel
from fhir.resources.R4B.relatedperson import RelatedPerson as RelatedPersonModel

from parcours.audit.models import AuditAction
from parcours.interop.fhir import params
from parcours.interop.fhir.context import Context
from parcours.interop.fhir.errors import must_refer_to, not_found, unprocessable
from parcours.interop.fhir.registry import Found, Json, ResourceType, register
from parcours.interop.fhir.resources.common import (
    BCP47,
    CIRCLE_ROLE,
    NS,
    coding,
    compact,
    reference,
)
from parcours.interop.fhir.resources.scope import accessible, patient_access
from parcours.patients.access import PatientNotFound, Purpose
from parcours.patients.actions import (
    DEFAULT_VISIBILITY,
    MemberInput,
    PatientError,
    circle_member_add,
)
from parcours.patients.export import ROLE_CODES
from parcours.patients.models import CircleMember, MemberRole, Patient, Visibility

# The HL7 role codes the patient export (right of access) also writes (standards §3.4).
V3_ROLES = ROLE_CODES
FROM_V3 = {coded: role for role, coded in ROLE_CODES.items()}

LEGAL_SCOPE = f"{NS}/StructureDefinition/legal-scope"
LEGAL_BASIS = f"{NS}/StructureDefinition/legal-basis"

PERSON_Q = Q(professional__isnull=True, service__isnull=True, organisation__isnull=True)


def _role(member: CircleMember) -> Json:
    label = str(MemberRole(member.role).label) if member.role in MemberRole.values else ""
    codings = [coding(CIRCLE_ROLE, member.role, label)]
    if member.role in V3_ROLES:
        system, code = V3_ROLES[MemberRole(member.role)]
        codings.append(coding(system, code))
    return {"coding": codings}


def _period(member: CircleMember) -> Json:
    return compact(
        {
            "start": member.start_date.isoformat(),
            "end": member.end_date.isoformat() if member.end_date else None,
        }
    )


def related_person(ctx: Context, member: CircleMember) -> Json:
    relationship = [_role(member)]
    if member.person_relationship:
        relationship.append({"text": member.person_relationship})
    return compact(
        {
            "resourceType": "RelatedPerson",
            "id": str(member.pk),
            "active": member.is_active_on(timezone.localdate()),
            "patient": reference("Patient", member.patient_id),
            "relationship": relationship,
            "name": [{"text": member.person_name}],
            "telecom": [{"system": "phone", "value": member.person_phone}]
            if member.person_phone
            else [],
            "communication": [{"language": {"coding": [coding(BCP47, member.person_language)]}}]
            if member.person_language
            else [],
            "period": _period(member),
        }
    )


def _person_role(resource: Json) -> str:
    for concept in resource.get("relationship") or []:
        for code in concept.get("coding") or []:
            system, value = code.get("system"), code.get("code")
            if system == CIRCLE_ROLE and value in MemberRole.person_roles():
                return str(value)
            if (system, value) in FROM_V3:
                return str(FROM_V3[(system, value)])
    raise unprocessable(
        _(
            "RelatedPerson.relationship needs a %(system)s code: caregiver, trusted_person or "
            "legal_representative."
        )
        % {"system": CIRCLE_ROLE},
        ["RelatedPerson.relationship"],
    )


def _date(value: Any, where: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise unprocessable(_("Give a full date (YYYY-MM-DD)."), [where]) from None


def create_related_person(ctx: Context, resource: Json) -> Json:
    role = _person_role(resource)
    patient_ref = str((resource.get("patient") or {}).get("reference", ""))
    patient_id = params.reference_id(patient_ref, "Patient")
    if patient_id is None:
        raise must_refer_to("RelatedPerson.patient", "Patient")
    names = resource.get("name") or [{}]
    name = str(
        names[0].get("text")
        or " ".join([*(names[0].get("given") or []), str(names[0].get("family") or "")])
    ).strip()
    kinship = [str(c["text"]) for c in resource.get("relationship") or [] if c.get("text")]
    phones = [t for t in resource.get("telecom") or [] if t.get("system") == "phone"]
    languages = [
        str(code.get("code", ""))
        for item in resource.get("communication") or []
        for code in (item.get("language") or {}).get("coding") or []
    ]
    extensions = {e.get("url"): e for e in resource.get("extension") or []}
    period = resource.get("period") or {}
    member = MemberInput(
        role=role,
        person_name=name[:200],
        person_relationship=(kinship[0] if kinship else "")[:60],
        person_phone=str(phones[0].get("value", ""))[:40] if phones else "",
        person_language=(languages[0] if languages else "")[:8],
        legal_scope=str(extensions.get(LEGAL_SCOPE, {}).get("valueCode", "")),
        legal_basis=str(extensions.get(LEGAL_BASIS, {}).get("valueString", ""))[:200],
        start_date=_date(period.get("start"), "RelatedPerson.period.start"),
        end_date=_date(period.get("end"), "RelatedPerson.period.end"),
        visibility=DEFAULT_VISIBILITY.get(MemberRole(role), Visibility.NON_MEDICAL),
    )
    access = patient_access(
        ctx,
        patient_id,
        resource_type="Patient",
        resource_id=str(patient_id),
        purpose=Purpose.COORDINATION,
        action=AuditAction.UPDATE,
        manage=True,
    )
    try:
        created = circle_member_add(access=access, member=member)
    except PatientNotFound:
        raise not_found("Patient", str(patient_id)) from None
    except PatientError as exc:
        raise unprocessable(exc.message) from None
    return related_person(ctx, created)


def read_related_person(ctx: Context, resource_id: str) -> Json:
    member = (
        CircleMember.objects.filter(PERSON_Q, pk=int(resource_id)).first()
        if resource_id.isdigit() and len(resource_id) <= 18
        else None
    )
    if member is None:
        raise not_found("RelatedPerson", resource_id)
    patient_access(ctx, member.patient_id, resource_type="RelatedPerson", resource_id=resource_id)
    return related_person(ctx, member)


def search_related_person(ctx: Context, q: Q) -> Found:
    queryset = CircleMember.objects.filter(PERSON_Q).filter(q)
    queryset = accessible(ctx, queryset, resource_type="RelatedPerson").order_by("pk")
    return Found(queryset, related_person)


def _participant(member: CircleMember) -> Json | None:
    if member.professional_id and member.professional is not None:
        ref = reference("Practitioner", member.professional_id, str(member.professional))
    elif member.service_id and member.service is not None:
        ref = reference("Organization", member.service.organisation_id, member.service.display_name)
    elif member.organisation_id and member.organisation is not None:
        ref = reference("Organization", member.organisation_id, member.organisation.display_name)
    else:
        ref = reference("RelatedPerson", member.pk, member.person_name)
    return compact({"role": [_role(member)], "member": ref, "period": _period(member)})


def care_team(ctx: Context, patient: Patient) -> Json:
    today = timezone.localdate()
    members = [
        m
        for m in patient.circle.select_related("professional", "service", "organisation")
        if m.is_active_on(today)
    ]
    return compact(
        {
            "resourceType": "CareTeam",
            "id": str(patient.pk),
            "status": "active",
            "name": "Circle of care",
            "subject": reference("Patient", patient.pk),
            "participant": [_participant(m) for m in members],
        }
    )


def read_care_team(ctx: Context, resource_id: str) -> Json:
    access = patient_access(ctx, resource_id, resource_type="CareTeam", resource_id=resource_id)
    return care_team(ctx, access.patient)


def search_care_team(ctx: Context, q: Q) -> Found:
    queryset = accessible(ctx, Patient.objects.filter(q), resource_type="CareTeam", path="")
    return Found(queryset.order_by("pk"), care_team)


register(
    ResourceType(
        name="RelatedPerson",
        model=RelatedPersonModel,
        read=read_related_person,
        search=search_related_person,
        create=create_related_person,
        search_params={
            p.name: p
            for p in [
                params.ids_param(),
                params.reference("patient", "The patient.", "Patient", "patient"),
                params.string("name", "Name.", ["person_name"]),
            ]
        },
        documentation="Caregivers, trusted persons and legal representatives in a circle.",
    )
)

register(
    ResourceType(
        name="CareTeam",
        model=CareTeamModel,
        read=read_care_team,
        search=search_care_team,
        search_params={
            p.name: p
            for p in [
                params.ids_param(),
                params.reference("patient", "The patient.", "Patient", "pk"),
                params.reference("subject", "The patient.", "Patient", "pk"),
                params.code("status", "Always active.", "pk__isnull", {"active": False}),
            ]
        },
        documentation="The circle of care of one patient (id = the patient's id).",
    )
)
