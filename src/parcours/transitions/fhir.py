"""A screening recorded on a stay as a FHIR R4B QuestionnaireResponse (screening-api.md).

The answers are the items, one per answer key (linkId = the key, text = its label in the active
language); the computed result follows as the items `result.score`, `result.band` and
`result.positive`, so that the response carries what Parcours computed next to what was answered.
Validated by building the fhir.resources model.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from parcours.transitions.models import ScreeningRecord
from parcours.transitions.screening import INSTRUMENTS

BASE = "https://parcours.invalid/fhir"


def _answer(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if isinstance(value, bool):
        return [{"valueBoolean": value}]
    if isinstance(value, int):
        return [{"valueInteger": value}]
    return [{"valueDecimal": value}]


def questionnaire_response(record: ScreeningRecord, *, patient_id: int) -> dict[str, Any]:
    definition = INSTRUMENTS.get(record.instrument)
    labels = {a.key: str(a.label) for a in definition.answer_keys} if definition else {}
    items: list[dict[str, Any]] = []
    for key, value in record.answers.items():
        item: dict[str, Any] = {"linkId": key, "text": labels.get(key, key)}
        answer = _answer(value)
        if answer:
            item["answer"] = answer
        items.append(item)
    score: int | float = int(record.score) if record.score.is_integer() else record.score
    items += [
        {"linkId": "result.score", "answer": _answer(score)},
        {
            "linkId": "result.band",
            "answer": [
                {
                    "valueCoding": {
                        "system": f"{BASE}/CodeSystem/{record.instrument}-band",
                        "code": record.band,
                    }
                }
            ],
        },
        {"linkId": "result.positive", "answer": _answer(record.positive)},
    ]
    resource = {
        "resourceType": "QuestionnaireResponse",
        "id": f"screening-{record.pk}",
        "questionnaire": f"{BASE}/Questionnaire/{record.instrument}|{record.version}",
        "status": "completed",
        "subject": {"reference": f"Patient/patient-{patient_id}"},
        "encounter": {"reference": f"Encounter/stay-{record.stay_id}"},
        "authored": record.recorded_at.astimezone(UTC).isoformat(),
        "author": {"display": record.recorded_by_label or "Parcours"},
        "item": items,
    }
    model = QuestionnaireResponse.model_validate(resource)
    dumped: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped
