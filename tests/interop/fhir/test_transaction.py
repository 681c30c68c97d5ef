"""Transaction Bundles: all entries or none."""

from __future__ import annotations

from typing import Any

import pytest

from parcours.audit.models import AuditEvent, AuditOutcome
from parcours.patients.models import ConsentEvent, Patient
from tests.interop.fhir.conftest import CONSENT_CATEGORY, CONSENT_SCOPE

pytestmark = pytest.mark.django_db


def entry(resource: dict[str, Any], url: str, method: str = "POST", full: str = "") -> dict:  # type: ignore[type-arg]
    item: dict[str, Any] = {"resource": resource, "request": {"method": method, "url": url}}
    if full:
        item["fullUrl"] = full
    return item


def patient(family: str) -> dict[str, Any]:
    return {"resourceType": "Patient", "name": [{"family": family, "given": ["Test"]}]}


def consent(patient_ref: str, status: str = "active") -> dict[str, Any]:
    return {
        "resourceType": "Consent",
        "status": status,
        "scope": CONSENT_SCOPE,
        "category": CONSENT_CATEGORY,
        "patient": {"reference": patient_ref},
    }


def bundle(*entries: dict) -> dict:  # type: ignore[type-arg]
    return {"resourceType": "Bundle", "type": "transaction", "entry": list(entries)}


def test_transaction_creates_everything(fhir, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir(
        "POST",
        "",
        user=nurse_claire,
        body=bundle(
            entry(patient("Aerts"), "Patient", full="urn:uuid:a"),
            entry(consent("urn:uuid:a"), "Consent"),
            entry(patient("Baert"), "Patient"),
        ),
    )
    assert status == 200, body
    assert [e["response"]["status"] for e in body["entry"]] == ["201 Created"] * 3
    assert Patient.objects.count() == 2 and ConsentEvent.objects.count() == 1


@pytest.mark.parametrize(
    "entries",
    [
        # the last entry breaks a business rule
        [
            entry(patient("Aerts"), "Patient", full="urn:uuid:a"),
            entry(consent("urn:uuid:a", "draft"), "Consent"),
        ],
        # an entry refers to no entry
        [entry(patient("Aerts"), "Patient"), entry(consent("urn:uuid:nowhere"), "Consent")],
        # an entry is not a valid resource
        [
            entry(patient("Aerts"), "Patient"),
            entry({"resourceType": "Patient", "gender": 5}, "Patient"),
        ],
        # an unsupported interaction
        [entry(patient("Aerts"), "Patient"), entry(patient("Baert"), "Patient", method="DELETE")],
        # a patient the user may not reach
        [entry(patient("Aerts"), "Patient"), entry(consent("Patient/999999"), "Consent")],
        # a type without create
        [
            entry(patient("Aerts"), "Patient"),
            entry({"resourceType": "Organization"}, "Organization"),
        ],
        # two entries refer to each other
        [
            entry({**consent("urn:uuid:b")}, "Consent", full="urn:uuid:a"),
            entry({**consent("urn:uuid:a")}, "Consent", full="urn:uuid:b"),
        ],
    ],
)
def test_a_failing_entry_writes_nothing(fhir, nurse_claire, entries) -> None:  # type: ignore[no-untyped-def]
    patients, audit = Patient.objects.count(), AuditEvent.objects.count()
    status, body = fhir("POST", "", user=nurse_claire, body=bundle(*entries))
    assert 400 <= status < 500 and body["resourceType"] == "OperationOutcome"
    assert Patient.objects.count() == patients and not ConsentEvent.objects.exists()
    # The refused transaction leaves one audit row (the rolled-back ones are gone).
    assert AuditEvent.objects.count() == audit + 1
    assert AuditEvent.objects.order_by("-seq")[0].outcome == AuditOutcome.DENIED


def test_only_transaction_bundles(fhir, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir(
        "POST", "", user=nurse_claire, body={"resourceType": "Bundle", "type": "batch"}
    )
    assert status == 400 and body["issue"][0]["code"] == "not-supported"
    status, body = fhir("POST", "", user=nurse_claire, body=patient("Aerts"))
    assert status == 400


def test_an_update_is_rolled_back_with_a_failing_entry(fhir, nurse_claire, marie) -> None:  # type: ignore[no-untyped-def]
    status, current = fhir("GET", f"Patient/{marie.pk}", user=nurse_claire)
    changed = {**current, "telecom": [{"system": "phone", "value": "+3220000000"}]}
    entries = [
        entry(changed, f"Patient/{marie.pk}", method="PUT"),
        entry(consent(f"Patient/{marie.pk}", "draft"), "Consent"),
    ]
    status, body = fhir("POST", "", user=nurse_claire, body=bundle(*entries))
    assert status == 422 and body["issue"][0]["expression"][0] == "Bundle.entry[1]"
    marie.refresh_from_db()
    assert marie.phone == ""
    entries[1] = entry(consent(f"Patient/{marie.pk}", "active"), "Consent")
    status, body = fhir("POST", "", user=nurse_claire, body=bundle(*entries))
    assert status == 200
    assert [e["response"]["status"] for e in body["entry"]] == ["200 OK", "201 Created"]
    marie.refresh_from_db()
    assert marie.phone == "+3220000000"
