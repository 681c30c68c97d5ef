"""Consent ⇄ patients.ConsentEvent: read, search, create (consent_record).

Each consent event is one Consent: given → active, refused → rejected, withdrawn → inactive.
Reading uses the consent-management purpose, so the circle's managers still see a withdrawal.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from fhir.resources.R4B.consent import Consent as ConsentModel

from parcours.audit.models import AuditAction
from parcours.interop.fhir import params
from parcours.interop.fhir.context import Context
from parcours.interop.fhir.errors import must_refer_to, not_found, unprocessable
from parcours.interop.fhir.registry import Found, Json, ResourceType, register
from parcours.interop.fhir.resources.common import NS, coding, compact, reference
from parcours.interop.fhir.resources.scope import accessible, patient_access
from parcours.patients.access import PatientNotFound, Purpose
from parcours.patients.actions import PatientError, consent_record
from parcours.patients.models import ConsentEvent, ConsentMethod, ConsentStatus, Visibility

METHOD = f"{NS}/StructureDefinition/consent-method"
SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC = "http://loinc.org"
STATUS = {
    ConsentStatus.GIVEN: "active",
    ConsentStatus.REFUSED: "rejected",
    ConsentStatus.WITHDRAWN: "inactive",
}
FROM_STATUS: dict[str, object] = {fhir: ours for ours, fhir in STATUS.items()}
POLICY = "Sharing within the circle of care in Parcours"


def to_fhir(ctx: Context, event: ConsentEvent) -> Json:
    status = ConsentStatus(event.status)
    return compact(
        {
            "resourceType": "Consent",
            "id": str(event.pk),
            "extension": [{"url": METHOD, "valueCode": event.method}],
            "status": STATUS[status],
            "scope": {"coding": [coding(SCOPE, "patient-privacy", "Privacy Consent")]},
            "category": [{"coding": [coding(LOINC, "59284-0", "Patient Consent")]}],
            "patient": reference("Patient", event.patient_id),
            "dateTime": event.recorded_at.isoformat(),
            "policyRule": {"text": POLICY},
            "provision": {"type": "permit" if status == ConsentStatus.GIVEN else "deny"},
        }
    )


def read(ctx: Context, resource_id: str) -> Json:
    event = (
        ConsentEvent.objects.filter(pk=int(resource_id)).first()
        if resource_id.isdigit() and len(resource_id) <= 18
        else None
    )
    if event is None:
        raise not_found("Consent", resource_id)
    patient_access(
        ctx,
        event.patient_id,
        resource_type="Consent",
        resource_id=resource_id,
        purpose=Purpose.CONSENT,
        level=Visibility.NONE,
    )
    return to_fhir(ctx, event)


def search(ctx: Context, q: Q) -> Found:
    queryset = accessible(
        ctx, ConsentEvent.objects.filter(q), resource_type="Consent", despite_withdrawal=True
    )
    return Found(queryset.order_by("pk"), to_fhir)


def create(ctx: Context, resource: Json) -> Json:
    status = FROM_STATUS.get(str(resource.get("status", "")))
    if status is None:
        raise unprocessable(
            _("Consent.status is active (given), rejected (refused) or inactive (withdrawn)."),
            ["Consent.status"],
        )
    patient_ref = (resource.get("patient") or {}).get("reference", "")
    patient_id = params.reference_id(str(patient_ref), "Patient") if patient_ref else None
    if patient_id is None:
        raise must_refer_to("Consent.patient", "Patient")
    method = ConsentMethod.ELECTRONIC
    for extension in resource.get("extension") or []:
        if extension.get("url") == METHOD:
            if extension.get("valueCode") not in ConsentMethod.values:
                raise unprocessable(
                    _("The method is one of %(values)s.")
                    % {"values": ", ".join(ConsentMethod.values)},
                    ["Consent.extension"],
                )
            method = extension["valueCode"]
    access = patient_access(
        ctx,
        patient_id,
        resource_type="Patient",
        resource_id=str(patient_id),
        purpose=Purpose.CONSENT,
        action=AuditAction.UPDATE,
        manage=True,
        level=Visibility.NONE,
    )
    try:
        event = consent_record(access=access, status=str(status), method=method)
    except PatientNotFound:
        raise not_found("Patient", str(patient_id)) from None
    except PatientError as exc:
        raise unprocessable(exc.message) from None
    return to_fhir(ctx, event)


register(
    ResourceType(
        name="Consent",
        model=ConsentModel,
        read=read,
        search=search,
        create=create,
        search_params={
            p.name: p
            for p in [
                params.ids_param(),
                params.reference("patient", "The patient.", "Patient", "patient"),
                params.code("status", "active, rejected or inactive.", "status", FROM_STATUS),
            ]
        },
        documentation="The patient's consent to share within the circle, one per decision. "
        "Create records a new decision (circle managers only).",
    )
)
