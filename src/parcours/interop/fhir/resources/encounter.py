"""Encounter ⇄ transitions.Stay (read and search). Stays are written by the HL7 ADT adapter
and the transitions pages, not through FHIR."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from fhir.resources.R4B.encounter import Encounter as EncounterModel

from parcours.interop.fhir import params
from parcours.interop.fhir.context import Context
from parcours.interop.fhir.errors import not_found
from parcours.interop.fhir.registry import Found, Json, ResourceType, register
from parcours.interop.fhir.resources.common import NS, coding, compact, reference
from parcours.interop.fhir.resources.scope import accessible, patient_access
from parcours.transitions.models import Stay, StayStatus

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
VISIT = f"{NS}/NamingSystem/visit-number"
STATUS = {
    StayStatus.OPEN: "in-progress",
    StayStatus.DISCHARGED: "finished",
    StayStatus.CANCELLED: "cancelled",
}
FROM_STATUS: dict[str, object] = {fhir: ours for ours, fhir in STATUS.items()}


def _queryset() -> QuerySet[Stay]:
    return Stay.objects.select_related("hospital", "ward")


def to_fhir(ctx: Context, stay: Stay) -> Json:
    identifiers = []
    if stay.external_id:
        identifiers.append({"system": f"{VISIT}/{stay.source}", "value": stay.external_id})
    location = []
    if stay.ward_id and stay.ward is not None:
        location.append(
            {
                "location": {"display": stay.ward.full_name},
                "status": "active" if stay.status == StayStatus.OPEN else "completed",
            }
        )
    return compact(
        {
            "resourceType": "Encounter",
            "id": str(stay.pk),
            "identifier": identifiers,
            "status": STATUS.get(StayStatus(stay.status), "unknown"),
            "class": coding(ACT_CODE, "IMP", "inpatient encounter"),
            "subject": reference("Patient", stay.patient_id),
            "period": compact(
                {
                    "start": stay.admitted_at.isoformat(),
                    "end": stay.discharged_at.isoformat() if stay.discharged_at else None,
                }
            ),
            "serviceProvider": reference(
                "Organization", stay.hospital_id, stay.hospital.display_name
            ),
            "location": location,
        }
    )


def read(ctx: Context, resource_id: str) -> Json:
    stay = (
        _queryset().filter(pk=int(resource_id)).first()
        if resource_id.isdigit() and len(resource_id) <= 18
        else None
    )
    if stay is None:
        raise not_found("Encounter", resource_id)
    patient_access(ctx, stay.patient_id, resource_type="Encounter", resource_id=resource_id)
    return to_fhir(ctx, stay)


def search(ctx: Context, q: Q) -> Found:
    queryset = accessible(ctx, _queryset().filter(q), resource_type="Encounter")
    return Found(queryset.order_by("pk"), to_fhir)


register(
    ResourceType(
        name="Encounter",
        model=EncounterModel,
        read=read,
        search=search,
        search_params={
            p.name: p
            for p in [
                params.ids_param(),
                params.reference("patient", "The patient.", "Patient", "patient"),
                params.reference("subject", "The patient.", "Patient", "patient"),
                params.code("status", "in-progress, finished or cancelled.", "status", FROM_STATUS),
            ]
        },
        documentation="Hospital stays (in-progress while in hospital).",
    )
)
