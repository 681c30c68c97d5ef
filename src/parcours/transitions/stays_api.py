"""JSON API of stays: the discharge plan, and screenings recorded on the stay.

Same access rules as the pages (`patients.access`: unknown and refused stays are both 404),
same actions. Recording a screening scores it exactly as `POST /api/screenings/{code}/score`
does, stores it on the stay and applies the hospital's triggers.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from parcours.audit.models import AuditAction
from parcours.patients.access import PatientAccess, PatientNotFound, Purpose
from parcours.transitions import actions, selectors
from parcours.transitions.api import AnswersErrorOut, ErrorOut
from parcours.transitions.fhir import questionnaire_response
from parcours.transitions.models import PlanItem, ScreeningRecord, Stay
from parcours.transitions.screening import INSTRUMENTS, IncompleteAnswers

router = Router(tags=["stays"])


class PlanItemOut(Schema):
    id: int
    code: str
    label: str
    phase: str
    anchor: str
    offset_days: int
    due_at: datetime | None
    status: str
    source: str
    responsible_role: str
    done_at: datetime | None
    note: str
    outside_protocol: bool = Field(
        description="Planned on a previous ward; the current ward's protocol does not have it."
    )


class PlanOut(Schema):
    stay: int
    status: str
    admitted_at: datetime
    expected_discharge_at: datetime | None
    discharged_at: datetime | None
    destination: str
    referent: str | None
    weekend_or_friday_afternoon_discharge: bool
    liaison_letter_sent_at: datetime | None
    items: list[PlanItemOut]


class ScreeningOut(Schema):
    id: int
    instrument: str
    version: str
    validated: bool
    score: int | float
    band: str
    band_label: str
    positive: bool
    details: dict[str, Any]
    thresholds: dict[str, int]
    answers: dict[str, Any]
    recorded_at: datetime
    recorded_by: str
    citation: str


class RecordedOut(ScreeningOut):
    plan_items: list[PlanItemOut]


RECORD_BODY = {
    "requestBody": {
        "required": True,
        "description": "The instrument code and its answers (see GET /api/screenings/).",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["instrument", "answers"],
                    "properties": {
                        "instrument": {"type": "string"},
                        "answers": {"type": "object"},
                    },
                }
            }
        },
    }
}


def _stay(request: HttpRequest, stay_id: int, *, write: bool = False) -> tuple[Stay, PatientAccess]:
    return selectors.access_stay(
        request.auth,  # type: ignore[attr-defined]
        stay_id,
        purpose=Purpose.TREATMENT,
        action=AuditAction.UPDATE if write else AuditAction.READ,
    )


def _not_found() -> Status[Any]:
    return Status(404, ErrorOut(detail=_("No stay found.")))


def item_out(item: PlanItem) -> PlanItemOut:
    return PlanItemOut(
        id=item.pk,
        code=item.code,
        label=item.display_label,
        phase=item.phase,
        anchor=item.anchor,
        offset_days=item.offset_days,
        due_at=item.due_at,
        status=item.status,
        source=item.source,
        responsible_role=item.responsible_role,
        done_at=item.done_at,
        note=item.note,
        outside_protocol=item.outside_protocol_of_id is not None,
    )


def screening_out(record: ScreeningRecord) -> dict[str, Any]:
    definition = INSTRUMENTS.get(record.instrument)
    band = (
        next((b for b in definition.bands if b.code == record.band), None) if definition else None
    )
    score: int | float = int(record.score) if record.score.is_integer() else record.score
    return {
        "id": record.pk,
        "instrument": record.instrument,
        "version": record.version,
        "validated": record.validated,
        "score": score,
        "band": record.band,
        "band_label": str(band.label) if band else record.band,
        "positive": record.positive,
        "details": record.details,
        "thresholds": record.thresholds,
        "answers": record.answers,
        "recorded_at": record.recorded_at,
        "recorded_by": record.recorded_by_label,
        "citation": definition.citation if definition else "",
    }


@router.get(
    "/{stay_id}/plan",
    response={200: PlanOut, 404: ErrorOut},
    summary="The discharge plan and follow-up of a stay",
)
def stay_plan(request: HttpRequest, stay_id: int) -> Status[Any]:
    try:
        stay, _access = _stay(request, stay_id)
    except PatientNotFound:
        return _not_found()
    referent = stay.referent
    return Status(
        200,
        PlanOut(
            stay=stay.pk,
            status=stay.status,
            admitted_at=stay.admitted_at,
            expected_discharge_at=stay.expected_discharge_at,
            discharged_at=stay.discharged_at,
            destination=stay.destination,
            referent=(referent.get_full_name() or referent.username) if referent else None,
            weekend_or_friday_afternoon_discharge=stay.is_weekend_or_friday_afternoon_discharge,
            liaison_letter_sent_at=stay.liaison_letter_sent_at,
            items=[item_out(item) for item in selectors.plan_items(stay)],
        ),
    )


@router.get(
    "/{stay_id}/screenings",
    response={200: list[ScreeningOut], 404: ErrorOut},
    summary="The screenings recorded on a stay",
)
def stay_screenings(request: HttpRequest, stay_id: int) -> Status[Any]:
    try:
        stay, access = _stay(request, stay_id)
    except PatientNotFound:
        return _not_found()
    if not access.shows_medical:
        return Status(200, [])
    return Status(200, [screening_out(record) for record in selectors.screenings(stay)])


@router.post(
    "/{stay_id}/screenings",
    response={201: RecordedOut, 403: ErrorOut, 404: ErrorOut, 422: AnswersErrorOut},
    summary="Score and record a screening on a stay",
    openapi_extra=RECORD_BODY,
)
def stay_screening_record(request: HttpRequest, stay_id: int) -> Status[Any]:
    try:
        stay, access = _stay(request, stay_id, write=True)
    except PatientNotFound:
        return _not_found()
    try:
        body = json.loads(request.body)
    except ValueError:
        body = None
    answers = body.get("answers") if isinstance(body, dict) else None
    code = body.get("instrument") if isinstance(body, dict) else None
    if not isinstance(answers, dict) or not isinstance(code, str):
        return Status(
            422,
            AnswersErrorOut(
                detail=_("Send the instrument code and the answers as a JSON object."),
                keys=[],
                missing=[],
                invalid=[],
                unknown=[],
            ),
        )
    if code not in INSTRUMENTS:
        return Status(
            404,
            ErrorOut(
                detail=_("There is no screening instrument with the code “%(code)s”.")
                % {"code": code}
            ),
        )
    try:
        record, created = actions.screening_record(
            access=access, stay=stay, instrument=code, answers=answers
        )
    except actions.StayForbidden as exc:
        return Status(403, ErrorOut(detail=str(exc.message)))
    except actions.StayError as exc:
        return Status(
            422,
            AnswersErrorOut(detail=str(exc.message), keys=[], missing=[], invalid=[], unknown=[]),
        )
    except IncompleteAnswers as incomplete:
        return Status(
            422,
            AnswersErrorOut(
                detail=incomplete.message,
                keys=list(incomplete.keys),
                missing=list(incomplete.missing),
                invalid=list(incomplete.invalid),
                unknown=list(incomplete.unknown),
            ),
        )
    return Status(
        201,
        RecordedOut(**screening_out(record), plan_items=[item_out(item) for item in created]),
    )


@router.get(
    "/{stay_id}/screenings/{screening_id}/questionnaire-response",
    response={200: dict[str, Any], 404: ErrorOut},
    summary="A screening recorded on a stay as a FHIR R4 QuestionnaireResponse",
)
def stay_screening_fhir(request: HttpRequest, stay_id: int, screening_id: int) -> Status[Any]:
    try:
        stay, access = _stay(request, stay_id)
    except PatientNotFound:
        return _not_found()
    record = stay.screenings.filter(pk=screening_id).first()
    if record is None or not access.shows_medical:
        return Status(404, ErrorOut(detail=_("No screening found.")))
    return Status(200, questionnaire_response(record, patient_id=stay.patient_id))
