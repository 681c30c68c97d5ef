"""Everything about a patient as a FHIR R4B Bundle (type collection): GDPR right of access.

Resources are validated by building the fhir.resources models; the Bundle is returned as JSON.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from parcours.audit.models import AuditEvent as AuditRow
from parcours.patients.access import PatientAccess
from parcours.patients.identifiers import FHIR_SYSTEMS
from parcours.patients.models import CircleMember, ConsentStatus, LegalScope, MemberRole
from parcours.patients.selectors import access_log, circle_members, consent_history, exclusions

BASE = "urn:parcours"
ROLE_CODES = {
    MemberRole.CAREGIVER: ("http://terminology.hl7.org/CodeSystem/v3-RoleClass", "CAREGIVER"),
    MemberRole.TRUSTED_PERSON: ("http://terminology.hl7.org/CodeSystem/v3-RoleCode", "NOK"),
    MemberRole.LEGAL_REPRESENTATIVE: (
        "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
        "GUARD",
    ),
}
LOCAL_ROLES = "https://parcours.invalid/fhir/CodeSystem/circle-role"
ACTIONS = {"C": "C", "R": "R", "U": "U", "D": "D", "E": "E"}
CONSENT_FHIR_STATUS = {
    ConsentStatus.GIVEN: "active",
    ConsentStatus.REFUSED: "rejected",
    ConsentStatus.WITHDRAWN: "inactive",
}


def _iso(moment: Any) -> str:
    return moment.astimezone(UTC).isoformat()


def _patient(access: PatientAccess) -> dict[str, Any]:
    patient = access.patient
    identifiers = []
    for identifier in patient.identifiers.select_related("assigning_authority"):
        entry: dict[str, Any] = {"value": identifier.value}
        if identifier.system in FHIR_SYSTEMS:
            entry["system"] = FHIR_SYSTEMS[identifier.system]
        else:
            entry["system"] = f"{BASE}:local-identifier"
            if identifier.assigning_authority:
                entry["assigner"] = {"display": identifier.assigning_authority.display_name}
        identifiers.append(entry)
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": f"patient-{patient.pk}",
        "identifier": identifiers,
        "active": True,
        "name": [{"family": patient.family_name or None, "given": [patient.given_name]}],
        "gender": patient.administrative_sex,
        "communication": [
            {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": code}]}}
            for code in patient.languages
        ],
        "extension": [],
    }
    if patient.gender_identity:
        resource["extension"].append(
            {
                "url": "http://hl7.org/fhir/StructureDefinition/individual-genderIdentity",
                "extension": [
                    {"url": "value", "valueCodeableConcept": {"text": patient.gender_identity}}
                ],
            }
        )
    if patient.pronouns:
        resource["extension"].append(
            {
                "url": "http://hl7.org/fhir/StructureDefinition/individual-pronouns",
                "extension": [{"url": "value", "valueCodeableConcept": {"text": patient.pronouns}}],
            }
        )
    if not resource["extension"]:
        del resource["extension"]
    if patient.birth_date:
        resource["birthDate"] = patient.birth_date.isoformat()
    if patient.phone:
        resource["telecom"] = [{"system": "phone", "value": patient.phone}]
    if patient.address_line or patient.postcode:
        address: dict[str, Any] = {"line": [patient.address_line] if patient.address_line else []}
        if patient.postcode:
            address["postalCode"] = patient.postcode
        if patient.municipality:
            address["city"] = str(patient.municipality)
        resource["address"] = [address]
    return resource


def _period(member: CircleMember) -> dict[str, str]:
    period = {"start": member.start_date.isoformat()}
    if member.end_date:
        period["end"] = member.end_date.isoformat()
    return period


def _related_person(member: CircleMember, patient_ref: str) -> dict[str, Any]:
    system, code = ROLE_CODES.get(MemberRole(member.role), (LOCAL_ROLES, member.role))
    relationship = [
        {"coding": [{"system": system, "code": code}], "text": member.get_role_display()}
    ]
    if member.person_relationship:
        relationship.append({"text": member.person_relationship})
    if member.legal_scope:
        relationship.append(
            {
                "text": f"{LegalScope(member.legal_scope).label} — {member.legal_basis}",
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "RelatedPerson",
        "id": f"related-{member.pk}",
        "patient": {"reference": patient_ref},
        "active": member.is_active_on(
            member.start_date if member.end_date is None else member.end_date
        ),
        "relationship": [
            {k: str(v) if k == "text" else v for k, v in r.items()} for r in relationship
        ],
        "name": [{"text": member.person_name}],
        "period": _period(member),
    }
    if member.person_phone:
        resource["telecom"] = [{"system": "phone", "value": member.person_phone}]
    return resource


def build_patient_bundle(*, access: PatientAccess) -> dict[str, Any]:
    patient_ref = f"Patient/patient-{access.patient.pk}"
    resources: list[dict[str, Any]] = [_patient(access)]
    members = circle_members(access=access)
    participants = []
    for member in members:
        if member.kind == "person":
            resources.append(_related_person(member, patient_ref))
            participants.append(
                {
                    "role": [{"text": str(member.get_role_display())}],
                    "member": {"reference": f"RelatedPerson/related-{member.pk}"},
                    "period": _period(member),
                }
            )
        else:
            participants.append(
                {
                    "role": [
                        {
                            "coding": [{"system": LOCAL_ROLES, "code": member.role}],
                            "text": str(member.get_role_display()),
                        }
                    ],
                    "member": {"display": member.display_name},
                    "period": _period(member),
                }
            )
    resources.append(
        {
            "resourceType": "CareTeam",
            "id": f"circle-{access.patient.pk}",
            "status": "active",
            "name": "Circle of care",
            "subject": {"reference": patient_ref},
            "participant": participants,
        }
    )
    for event in consent_history(access=access):
        resources.append(
            {
                "resourceType": "Consent",
                "id": f"consent-{event.pk}",
                "status": CONSENT_FHIR_STATUS[ConsentStatus(event.status)],
                "scope": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                            "code": "patient-privacy",
                        }
                    ]
                },
                "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
                "patient": {"reference": patient_ref},
                "dateTime": _iso(event.recorded_at),
                "policyRule": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                            "code": "OPTIN" if event.status == ConsentStatus.GIVEN else "OPTOUT",
                        }
                    ]
                },
                "provision": {"type": "permit" if event.status == ConsentStatus.GIVEN else "deny"},
            }
        )
    for exclusion in exclusions(access=access):
        provision: dict[str, Any] = {
            "type": "deny",
            "actor": [
                {
                    "role": {"text": "excluded professional"},
                    "reference": {"display": str(exclusion.professional)},
                }
            ],
        }
        if exclusion.lifted_at:
            provision["period"] = {
                "start": _iso(exclusion.created_at),
                "end": _iso(exclusion.lifted_at),
            }
        resources.append(
            {
                "resourceType": "Consent",
                "id": f"exclusion-{exclusion.pk}",
                "status": "inactive" if exclusion.lifted_at else "active",
                "scope": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                            "code": "patient-privacy",
                        }
                    ]
                },
                "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
                "patient": {"reference": patient_ref},
                "dateTime": _iso(exclusion.created_at),
                "provision": provision,
            }
        )
    for row in access_log(access=access, limit=5000):
        resources.append(_audit_event(row, patient_ref))
    bundle = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"fullUrl": f"{BASE}:{r['resourceType']}/{r['id']}", "resource": r}
                for r in resources
            ],
        }
    )
    return bundle.model_dump(mode="json", by_alias=True, exclude_none=True)


def _audit_event(row: AuditRow, patient_ref: str) -> dict[str, Any]:
    if row.type_code == "110113":
        event_type = {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110113"}
    else:
        event_type = {
            "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
            "code": "rest",
        }
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": f"audit-{row.seq}",
        "type": event_type,
        "action": ACTIONS.get(row.action, "E"),
        "recorded": _iso(row.at),
        "outcome": "0" if row.outcome == "success" else "4",
        "agent": [
            {
                "who": {"display": row.username},
                "requestor": True,
                "role": [{"text": row.role}] if row.role else None,
                "purposeOfUse": [{"text": row.purpose}] if row.purpose else None,
                "network": {"address": row.ip_address, "type": "2"} if row.ip_address else None,
            }
        ],
        "source": {"observer": {"display": "Parcours"}, "site": row.organisation or None},
        "entity": [{"what": {"reference": patient_ref}, "description": row.what}],
    }
    if row.subtype_code:
        resource["subtype"] = [
            {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": row.subtype_code}
        ]
    return resource
