"""Hypothesis on the FHIR endpoints: random bodies and parameters never give a 500, always an
OperationOutcome when refused, and a refused write leaves the database as it was."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcours.audit.models import AuditEvent
from parcours.coordination.models import Task
from parcours.interop.fhir.errors import ERROR_SYSTEM
from parcours.messaging.models import ConversationMessage
from parcours.patients.models import CircleMember, ConsentEvent, Patient, PatientIdentifier
from parcours.transitions.models import ScreeningRecord
from tests.interop.fhir.conftest import CONSENT_CATEGORY, CONSENT_SCOPE, FHIR_JSON, bearer

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
TYPES = [
    "Patient",
    "Consent",
    "Organization",
    "Practitioner",
    "PractitionerRole",
    "Encounter",
    "CareTeam",
    "RelatedPerson",
    "Location",
    "HealthcareService",
    "Task",
    "Communication",
    "QuestionnaireResponse",
    "Bundle",
    "Spaceship",
]
PARAMS = [
    "identifier",
    "name",
    "family",
    "given",
    "birthdate",
    "address-city",
    "active",
    "organization",
    "patient",
    "status",
    "_id",
    "_count",
    "_offset",
    "_include",
    "_summary",
    "name:exact",
    "name:contains",
    "gender",
    "practitioner",
    "owner",
    "questionnaire",
    "encounter",
    "subject",
    "bogus",
]

text = st.text(max_size=30)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "given",
                    "family",
                    "system",
                    "value",
                    "reference",
                    "status",
                    "code",
                    "coding",
                    "url",
                    "birthDate",
                    "gender",
                    "identifier",
                    "patient",
                    "resourceType",
                    "entry",
                    "request",
                    "method",
                ]
            )
            | text,
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@st.composite
def resources(draw: st.DrawFn) -> dict[str, Any]:
    """Resource-shaped bodies: a known type, some plausible and some random elements."""
    body: dict[str, Any] = {"resourceType": draw(st.sampled_from(TYPES))}
    if draw(st.booleans()):
        body["name"] = [{"family": draw(text), "given": [draw(text)]}]
    if draw(st.booleans()):
        body["identifier"] = [
            {
                "system": draw(
                    st.sampled_from(
                        [
                            "https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin",
                            "urn:oid:1.2.250.1.213.1.4.8",
                            "urn:parcours:local-identifier",
                            "x",
                        ]
                    )
                ),
                "value": draw(st.from_regex(r"[0-9]{0,13}", fullmatch=True)),
            }
        ]
    if draw(st.booleans()):
        body["birthDate"] = draw(st.sampled_from(["1944", "1944-02-14", "2999-13-01", "x"]))
    if draw(st.booleans()):
        body["status"] = draw(st.sampled_from(["active", "inactive", "rejected", "draft", 3]))
        body["scope"] = CONSENT_SCOPE
        body["category"] = CONSENT_CATEGORY
        body["patient"] = {"reference": draw(st.sampled_from(["Patient/1", "Patient/x", "1"]))}
    if draw(st.booleans()):
        body["type"] = draw(st.sampled_from(["transaction", "batch"]))
        body["entry"] = draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "request": st.fixed_dictionaries(
                            {
                                "method": st.sampled_from(["POST", "PUT", "GET"]),
                                "url": st.sampled_from([*TYPES, "Patient/1"]),
                            }
                        ),
                        "resource": json_values,
                    }
                ),
                max_size=3,
            )
        )
    for key, value in draw(st.dictionaries(text, json_values, max_size=3)).items():
        body.setdefault(key, value)
    return body


def counts() -> tuple[int, ...]:
    return (
        Patient.objects.count(),
        PatientIdentifier.objects.count(),
        CircleMember.objects.count(),
        ConsentEvent.objects.count(),
        Task.objects.count(),
        ConversationMessage.objects.count(),
        ScreeningRecord.objects.count(),
    )


def check(response: Any, before: tuple[int, ...]) -> None:
    assert response.status_code < 500, response.content[:300]
    assert response["Content-Type"].startswith(FHIR_JSON)
    body = json.loads(response.content)
    if response.status_code >= 400:
        assert body["resourceType"] == "OperationOutcome"
        for issue in body["issue"]:  # a stable code and a message, whatever went wrong
            assert issue["details"]["coding"][0]["system"] == ERROR_SYSTEM
            assert issue["details"]["text"] and issue["diagnostics"]
        assert counts() == before  # never a partial write


@pytest.fixture
def auth(nurse_claire) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"HTTP_AUTHORIZATION": f"Bearer {bearer(nurse_claire)}"}


@FUZZ
@given(
    path=st.sampled_from(["", "Patient", "Consent", "Organization", "Patient/1", "Spaceship"]),
    method=st.sampled_from(["post", "put"]),
    body=json_values | resources(),
)
def test_random_bodies(client: Client, auth, marie, path, method, body) -> None:  # type: ignore[no-untyped-def]
    if method == "put" and path == "Patient/1":
        path = f"Patient/{marie.pk}"
    before = counts()
    response = getattr(client, method)(
        f"/fhir/{path}", data=json.dumps(body), content_type=FHIR_JSON, **auth
    )
    check(response, before)


@FUZZ
@given(raw=st.binary(max_size=200))
def test_random_bytes(client: Client, auth, raw) -> None:  # type: ignore[no-untyped-def]
    before = counts()
    response = client.post("/fhir/Patient", data=raw, content_type=FHIR_JSON, **auth)
    check(response, before)
    assert response.status_code == 400 or response.status_code == 422 or response.status_code < 300


@FUZZ
@given(
    type_name=st.sampled_from(TYPES),
    query=st.lists(st.tuples(st.sampled_from(PARAMS), text), max_size=4),
)
def test_random_searches(client: Client, auth, marie, type_name, query) -> None:  # type: ignore[no-untyped-def]
    audit = AuditEvent.objects.count()
    before = counts()
    response = client.get(f"/fhir/{type_name}?{urlencode(query)}", **auth)
    check(response, before)
    assert AuditEvent.objects.count() >= audit


@FUZZ
@given(resource_id=text)
def test_random_ids(client: Client, auth, resource_id) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/fhir/Patient/{quote(resource_id, safe='')}", **auth)
    assert response.status_code in (200, 404), response.content[:200]


BROKEN = [
    {"resourceType": "Patient", "gender": "male"},  # no name: business rule (422)
    {"resourceType": "Patient", "birthDate": "1944", "name": [{"given": ["X"]}]},  # partial date
    {
        "resourceType": "Patient",
        "name": [{"given": ["X"]}],
        "identifier": [
            {
                "system": "https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin",
                "value": "12345678901",
            }
        ],
    },  # bad check digits
    {
        "resourceType": "Consent",
        "status": "active",
        "scope": CONSENT_SCOPE,
        "category": CONSENT_CATEGORY,
        "patient": {"reference": "Patient/999999"},
    },  # unknown patient
]


@FUZZ
@given(
    names=st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=8), min_size=1, max_size=5),
    broken=st.sampled_from(BROKEN),
    position=st.integers(min_value=0, max_value=5),
)
def test_a_transaction_with_one_broken_entry_writes_nothing(
    client: Client, auth, names, broken, position
) -> None:  # type: ignore[no-untyped-def]
    entries: list[dict[str, Any]] = [
        {
            "resource": {
                "resourceType": "Patient",
                "name": [{"family": f"Fuzz{name}", "given": ["T"]}],
            },
            "request": {"method": "POST", "url": "Patient"},
        }
        for name in names
    ]
    entries.insert(
        min(position, len(entries)),
        {"resource": broken, "request": {"method": "POST", "url": broken["resourceType"]}},
    )
    before = counts()
    response = client.post(
        "/fhir/",
        data=json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": entries}),
        content_type=FHIR_JSON,
        **auth,
    )
    assert 400 <= response.status_code < 500, response.content[:300]
    check(response, before)
