"""JSON API for patients, through the same access functions as the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from parcours.audit.models import AuditAction
from parcours.patients import actions, selectors
from parcours.patients.access import (
    BreakGlassReasonRequired,
    PatientAccess,
    PatientNotFound,
    Purpose,
    access_patient,
    access_patient_list,
    break_the_glass,
)
from parcours.patients.export import build_patient_bundle
from parcours.patients.identifiers import InvalidIdentifier

router = Router(tags=["patients"])


class IdentifierOut(Schema):
    system: str
    value: str


class PatientSummary(Schema):
    id: int
    given_name: str
    family_name: str
    birth_date: date | None
    pronouns: str
    is_provisional: bool


class PatientOut(PatientSummary):
    gender_identity: str
    languages: list[str]
    identifiers: list[IdentifierOut]
    access_basis: str
    visibility: str


class IdentifierIn(Schema):
    system: str
    value: str


class PatientIn(Schema):
    given_name: str
    family_name: str = ""
    birth_date: date | None = None
    administrative_sex: str = "unknown"
    gender_identity: str = ""
    pronouns: str = ""
    languages: list[str] = []
    phone: str = ""
    is_provisional: bool = False
    identifiers: list[IdentifierIn] = []
    confirm_not_duplicate: bool = False


class MemberOut(Schema):
    id: int
    kind: str
    name: str
    role: str
    start_date: date
    end_date: date | None
    patient_confirmed: bool
    visibility: str
    legal_scope: str
    is_referent: bool


class ConsentIn(Schema):
    status: str
    method: str
    note: str = ""


class ReasonIn(Schema):
    reason: str


class Detail(Schema):
    detail: str


def _not_found() -> HttpError:
    return HttpError(404, _("No patient found."))


def _access(request: HttpRequest, patient_id: int, **kwargs: Any) -> PatientAccess:
    try:
        return access_patient(request.auth, patient_id, **kwargs)  # type: ignore[attr-defined]
    except PatientNotFound as exc:
        raise _not_found() from exc


def _out(access: PatientAccess) -> PatientOut:
    patient = access.patient
    return PatientOut(
        id=patient.pk,
        given_name=patient.given_name,
        family_name=patient.family_name,
        birth_date=patient.birth_date,
        pronouns=patient.pronouns,
        is_provisional=patient.is_provisional,
        gender_identity=patient.gender_identity,
        languages=patient.languages,
        identifiers=[
            IdentifierOut(system=i.system, value=i.value) for i in patient.identifiers.all()
        ],
        access_basis=access.basis,
        visibility=access.visibility,
    )


@router.get("/", response=list[PatientSummary], summary="Patients the caller may reach")
def list_patients(request: HttpRequest, q: str = "") -> list[Any]:
    return access_patient_list(request.auth, purpose=Purpose.TREATMENT, query=q[:100])  # type: ignore[attr-defined]


@router.post(
    "/", response={201: PatientOut, 409: Detail, 422: Detail}, summary="Register a patient"
)
def create_patient(request: HttpRequest, payload: PatientIn) -> tuple[int, Any]:
    data = payload.dict()
    identifiers = [
        actions.IdentifierInput(i["system"], i["value"]) for i in data.pop("identifiers")
    ]
    confirm = data.pop("confirm_not_duplicate")
    try:
        patient = actions.patient_create(
            user=request.auth,  # type: ignore[attr-defined]
            data=actions.PatientData(**data),
            identifiers=identifiers,
            confirm_not_duplicate=confirm,
        )
    except actions.DuplicatePatient as exc:
        return 409, Detail(detail=str(exc.message))
    except (InvalidIdentifier, actions.PatientError) as exc:
        return 422, Detail(detail=str(exc.message))
    return 201, _out(_access(request, patient.pk, purpose=Purpose.TREATMENT))


@router.get("/{patient_id}", response=PatientOut, summary="One patient")
def get_patient(request: HttpRequest, patient_id: int) -> PatientOut:
    return _out(_access(request, patient_id, purpose=Purpose.TREATMENT))


@router.get("/{patient_id}/circle", response=list[MemberOut], summary="The circle of care")
def get_circle(request: HttpRequest, patient_id: int) -> list[MemberOut]:
    access = _access(request, patient_id, purpose=Purpose.COORDINATION, what="circle")
    return [
        MemberOut(
            id=m.pk,
            kind=m.kind,
            name=m.display_name,
            role=m.role,
            start_date=m.start_date,
            end_date=m.end_date,
            patient_confirmed=m.patient_confirmed,
            visibility=m.visibility,
            legal_scope=m.legal_scope,
            is_referent=m.is_referent,
        )
        for m in selectors.circle_members(access=access)
    ]


@router.post("/{patient_id}/consent", response={201: Detail, 422: Detail}, summary="Record consent")
def post_consent(request: HttpRequest, patient_id: int, payload: ConsentIn) -> tuple[int, Detail]:
    access = _access(
        request,
        patient_id,
        purpose=Purpose.CONSENT,
        what="consent",
        action=AuditAction.UPDATE,
        manage=True,
    )
    try:
        actions.consent_record(
            access=access, status=payload.status, method=payload.method, note=payload.note
        )
    except actions.PatientError as exc:
        return 422, Detail(detail=str(exc.message))
    return 201, Detail(detail=_("Consent recorded."))


@router.post(
    "/{patient_id}/break-the-glass",
    response={201: PatientOut, 422: Detail},
    summary="Emergency access with a written reason",
)
def post_break_the_glass(
    request: HttpRequest, patient_id: int, payload: ReasonIn
) -> tuple[int, Any]:
    try:
        access = break_the_glass(request.auth, patient_id, reason=payload.reason)  # type: ignore[attr-defined]
    except BreakGlassReasonRequired as exc:
        return 422, Detail(detail=str(exc.message))
    except PatientNotFound as exc:
        raise _not_found() from exc
    return 201, _out(access)


@router.get("/{patient_id}/export", summary="Everything about the patient as a FHIR Bundle")
def export_patient(request: HttpRequest, patient_id: int) -> dict[str, Any]:
    access = _access(
        request, patient_id, purpose=Purpose.PATIENT_REQUEST, what="export", manage=True
    )
    return build_patient_bundle(access=access)
