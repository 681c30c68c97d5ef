"""JSON API of the screening instruments: list the definitions, score a set of answers.

Scoring is pure (nothing is stored here); recording a result on a stay belongs to the stay's
actions. Any logged-in user with a care role may use it.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from parcours.accounts.models import Role, User
from parcours.transitions.screening import INSTRUMENTS, IncompleteAnswers, Instrument

router = Router(tags=["screenings"])


class ChoiceOut(Schema):
    value: int
    code: str
    label: str


class AnswerKeyOut(Schema):
    key: str
    type: str
    label: str
    nullable: bool
    minimum: int | float | None
    exclusive_minimum: bool
    maximum: int | float | None
    unit: str
    choices: list[ChoiceOut]


class BandOut(Schema):
    code: str
    label: str


class InstrumentOut(Schema):
    code: str
    name: str
    version: str
    citation: str
    validated: bool
    score_min: int | float
    score_max: int | float
    thresholds: dict[str, int]
    answer_keys: list[AnswerKeyOut]
    bands: list[BandOut]


class ResultOut(Schema):
    instrument: str
    version: str
    validated: bool
    score: int | float
    band: str
    band_label: str
    positive: bool
    details: dict[str, Any]
    thresholds: dict[str, int]


class ErrorOut(Schema):
    detail: str


class AnswersErrorOut(Schema):
    detail: str
    keys: list[str]
    missing: list[str]
    invalid: list[str]
    unknown: list[str]


ANSWERS_BODY = {
    "requestBody": {
        "required": True,
        "description": "The answers: a JSON object of answer keys (see GET /api/screenings/).",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


def require_care_role(request: HttpRequest) -> None:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    if not user.roles & Role.care_roles():
        raise HttpError(403, _("Screening instruments are reserved to care professionals."))


def describe(instrument: Instrument) -> InstrumentOut:
    low, high = instrument.score_range
    return InstrumentOut(
        code=instrument.code,
        name=str(instrument.name),
        version=instrument.version,
        citation=instrument.citation,
        validated=instrument.validated,
        score_min=low,
        score_max=high,
        thresholds=dict(instrument.default_thresholds),
        answer_keys=[
            AnswerKeyOut(
                key=answer.key,
                type=str(answer.type),
                label=str(answer.label),
                nullable=answer.nullable,
                minimum=answer.minimum,
                exclusive_minimum=answer.exclusive_minimum,
                maximum=answer.maximum,
                unit=answer.unit,
                choices=[
                    ChoiceOut(value=choice.value, code=choice.code, label=str(choice.label))
                    for choice in answer.choices
                ],
            )
            for answer in instrument.answer_keys
        ],
        bands=[BandOut(code=band.code, label=str(band.label)) for band in instrument.bands],
    )


@router.get("/", response=list[InstrumentOut], summary="The screening instruments")
def instrument_list(request: HttpRequest) -> list[InstrumentOut]:
    require_care_role(request)
    return [describe(instrument) for instrument in INSTRUMENTS.values()]


@router.post(
    "/{code}/score",
    response={200: ResultOut, 404: ErrorOut, 422: AnswersErrorOut},
    summary="Score a set of answers",
    openapi_extra=ANSWERS_BODY,
)
def instrument_score(request: HttpRequest, code: str) -> Status[Any]:
    require_care_role(request)
    instrument = INSTRUMENTS.get(code)
    if instrument is None:
        return Status(
            404,
            ErrorOut(
                detail=_("There is no screening instrument with the code “%(code)s”.")
                % {"code": code}
            ),
        )
    try:
        answers = json.loads(request.body)
    except ValueError:
        answers = None
    if not isinstance(answers, dict):
        return Status(
            422,
            AnswersErrorOut(
                detail=_("The answers must be sent as a JSON object."),
                keys=[],
                missing=[],
                invalid=[],
                unknown=[],
            ),
        )
    try:
        result = instrument.score(answers)
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
        200,
        ResultOut(
            instrument=result.instrument,
            version=result.version,
            validated=result.validated,
            score=result.score,
            band=result.band,
            band_label=str(result.band_label),
            positive=result.positive,
            details=dict(result.details),
            thresholds=dict(result.thresholds),
        ),
    )
