"""QuestionnaireResponse ⇄ transitions.ScreeningRecord: read, search, create (screening_record).

The mapping is the transitions API's (`parcours.transitions.fhir.questionnaire_response`): one
item per answer key (linkId = the instrument's key), then `result.score`, `result.band` and
`result.positive`. Here the references point to this server's Patient and Encounter and the
questionnaire is `<base>/Questionnaire/<instrument>|<version>`; the `questionnaire` search
parameter takes the instrument code (or that canonical URL).

Create scores the answers on the patient's *open* stay named by `encounter` (required), for its
hospital team only; answers that cannot be scored give 422 with the instrument's message.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse as QuestionnaireResponseModel,
)

from parcours.audit.models import AuditAction
from parcours.interop.fhir import params
from parcours.interop.fhir.context import Context
from parcours.interop.fhir.errors import FhirError, Kind, not_found, unprocessable
from parcours.interop.fhir.registry import Found, Json, ResourceType, SearchParam, register
from parcours.interop.fhir.resources.common import NS
from parcours.interop.fhir.resources.scope import accessible, patient_access
from parcours.transitions.actions import StayError, StayForbidden, screening_record
from parcours.transitions.fhir import questionnaire_response
from parcours.transitions.models import ScreeningRecord, Stay
from parcours.transitions.screening import INSTRUMENTS
from parcours.transitions.screening.base import IncompleteAnswers

QUESTIONNAIRE = f"{NS}/Questionnaire"
RESULT_ITEMS = frozenset({"result.score", "result.band", "result.positive"})


def _queryset() -> QuerySet[ScreeningRecord]:
    return ScreeningRecord.objects.select_related("stay", "recorded_by__professional")


def to_fhir(ctx: Context, record: ScreeningRecord) -> Json:
    patient_id = record.stay.patient_id
    resource = questionnaire_response(record, patient_id=patient_id)
    resource["id"] = str(record.pk)
    resource["questionnaire"] = f"{QUESTIONNAIRE}/{record.instrument}|{record.version}"
    resource["subject"] = {"reference": f"Patient/{patient_id}"}
    resource["encounter"] = {"reference": f"Encounter/{record.stay_id}"}
    practitioner_id = _practitioner_id(record)
    if practitioner_id is not None:
        resource["author"] = {
            "reference": f"Practitioner/{practitioner_id}",
            "display": record.recorded_by_label or "Parcours",
        }
    return resource


def _practitioner_id(record: ScreeningRecord) -> int | None:
    if record.recorded_by_id is None:
        return None
    professional = getattr(record.recorded_by, "professional", None)
    return professional.pk if professional is not None else None


def read(ctx: Context, resource_id: str) -> Json:
    record = (
        _queryset().filter(pk=int(resource_id)).first()
        if resource_id.isdigit() and len(resource_id) <= 18
        else None
    )
    if record is None:
        raise not_found("QuestionnaireResponse", resource_id)
    patient_access(
        ctx,
        record.stay.patient_id,
        resource_type="QuestionnaireResponse",
        resource_id=resource_id,
    )
    return to_fhir(ctx, record)


def search(ctx: Context, q: Q) -> Found:
    queryset = accessible(
        ctx, _queryset().filter(q), resource_type="QuestionnaireResponse", path="stay__patient"
    )
    return Found(queryset.order_by("pk"), to_fhir)


def _instrument_of(raw: str) -> str:
    """`isar`, or the canonical `<base>/Questionnaire/isar|version`."""
    text = raw.split("|", 1)[0].rstrip("/")
    return text.rsplit("/", 1)[-1]


def questionnaire_param() -> SearchParam:
    def to_q(ctx: Context, values: list[str], modifier: str) -> Q:
        return Q(instrument__in=[_instrument_of(v) for v in values])

    return SearchParam(
        "questionnaire",
        "reference",
        "The instrument: its code (isar, trst…) or the canonical Questionnaire URL.",
        to_q,
    )


def _value(item: Json) -> Any:
    answers = item.get("answer") or []
    if len(answers) != 1:
        raise unprocessable(
            _("The item %(link)s needs exactly one answer.")
            % {"link": str(item.get("linkId"))[:40]},
            ["QuestionnaireResponse.item.answer"],
        )
    answer = answers[0]
    for key in ("valueBoolean", "valueInteger", "valueDecimal"):
        if key in answer:
            return answer[key]
    coding = answer.get("valueCoding") or {}
    if "code" in coding:
        return coding["code"]
    if "valueString" in answer:
        return answer["valueString"]
    raise unprocessable(
        _("An answer is a boolean, an integer, a decimal, a string or a coding."),
        ["QuestionnaireResponse.item.answer"],
    )


def create(ctx: Context, resource: Json) -> Json:
    instrument = _instrument_of(str(resource.get("questionnaire") or ""))
    if instrument not in INSTRUMENTS:
        raise unprocessable(
            _("QuestionnaireResponse.questionnaire is one of %(values)s.")
            % {"values": ", ".join(sorted(INSTRUMENTS))},
            ["QuestionnaireResponse.questionnaire"],
        )
    encounter_ref = str((resource.get("encounter") or {}).get("reference", ""))
    stay_id = params.reference_id(encounter_ref, "Encounter") if encounter_ref else None
    if stay_id is None:
        raise unprocessable(
            _("QuestionnaireResponse.encounter must refer to the patient's open stay (Encounter)."),
            ["QuestionnaireResponse.encounter"],
            kind=Kind.INVALID_REFERENCE,
        )
    subject_ref = str((resource.get("subject") or {}).get("reference", ""))
    subject_id = params.reference_id(subject_ref, "Patient") if subject_ref else None
    stay = Stay.objects.filter(pk=stay_id).first()
    if stay is None:
        raise not_found("Encounter", str(stay_id))
    if subject_ref and subject_id != stay.patient_id:
        # Say nothing about whose stay it is: the same answer as an unknown stay.
        raise not_found("Encounter", str(stay_id))
    access = patient_access(
        ctx,
        stay.patient_id,
        resource_type="Encounter",
        resource_id=str(stay_id),
        action=AuditAction.CREATE,
    )
    answers: dict[str, Any] = {}
    for item in resource.get("item") or []:
        link_id = str(item.get("linkId", ""))
        if link_id in RESULT_ITEMS:
            continue  # computed by Parcours, never taken from the client
        answers[link_id] = _value(item)
    try:
        record, _created = screening_record(
            access=access, stay=stay, instrument=instrument, answers=answers
        )
    except StayForbidden as exc:
        raise FhirError(403, "forbidden", exc.message, kind=Kind.FORBIDDEN) from None
    except StayError as exc:
        raise unprocessable(exc.message, ["QuestionnaireResponse.encounter"]) from None
    except IncompleteAnswers as exc:
        raise unprocessable(exc.message, ["QuestionnaireResponse.item"]) from None
    return to_fhir(ctx, _queryset().get(pk=record.pk))


register(
    ResourceType(
        name="QuestionnaireResponse",
        model=QuestionnaireResponseModel,
        read=read,
        search=search,
        create=create,
        search_params={
            p.name: p
            for p in [
                params.ids_param(),
                params.reference("patient", "The patient.", "Patient", "stay__patient"),
                params.reference("subject", "The patient.", "Patient", "stay__patient"),
                params.reference("encounter", "The stay.", "Encounter", "stay"),
                questionnaire_param(),
            ]
        },
        documentation="Screenings recorded on hospital stays (ISAR, TRST, LACE…). Create "
        "scores the answers on an open stay (encounter required; the stay's hospital team "
        "only); linkId = the instrument's answer keys.",
    )
)
