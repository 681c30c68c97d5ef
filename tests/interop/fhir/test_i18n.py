"""OperationOutcomes in the request's language (Accept-Language, else the token user's language),
each with a stable Parcours error code in details.coding so that clients need not read text."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome, ResourceNotFound

from parcours.accounts.actions import api_token_create, api_token_revoke
from parcours.accounts.models import Role
from parcours.interop.fhir.errors import ERROR_SYSTEM
from tests.factories import UserFactory
from tests.interop.fhir.conftest import CONSENT_CATEGORY, CONSENT_SCOPE, FHIR_JSON, bearer
from tests.interop.fhir.test_care_resources import referral_body

Outcome = dict[str, Any]


@pytest.fixture
def receiver(directory):  # type: ignore[no-untyped-def]
    """Nora, home nurse in the organisation of the directory's home-nursing service."""
    return UserFactory(
        username="nora", role=Role.HOME_NURSE, organisation=directory["home"], first_name="Nora"
    )


def call(
    client: Client,
    method: str,
    path: str,
    *,
    user: Any = None,
    language: str | None = None,
    body: Any = None,
) -> tuple[int, Outcome, str]:
    """(status, JSON, Content-Language) of one FHIR request."""
    headers: dict[str, Any] = {}
    if user is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {bearer(user)}"
    if language is not None:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    if body is not None:
        headers["data"] = json.dumps(body)
        headers["content_type"] = FHIR_JSON
    response = getattr(client, method.lower())(f"/fhir/{path}", **headers)
    assert response["Content-Type"].startswith(FHIR_JSON)
    return response.status_code, json.loads(response.content), response["Content-Language"]


def kind(outcome: Outcome, index: int = 0) -> str:
    coding = outcome["issue"][index]["details"]["coding"]
    assert coding[0]["system"] == ERROR_SYSTEM
    return str(coding[0]["code"])


def text(outcome: Outcome, index: int = 0) -> str:
    issue = outcome["issue"][index]
    return str(issue["details"]["text"])


@pytest.mark.django_db
def test_unknown_resource_in_french_and_dutch(client, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    status, outcome, language = call(
        client, "GET", "Patient/999999", user=nurse_claire, language="fr-BE"
    )
    assert (status, language, kind(outcome)) == (404, "fr", "unknown-resource")
    assert outcome["issue"][0]["code"] == "not-found"
    assert text(outcome) == "Patient/999999 est inconnu."
    assert outcome["issue"][0]["diagnostics"] == text(outcome)

    status, outcome, language = call(
        client, "GET", "Patient/999999", user=nurse_claire, language="nl-BE,nl;q=0.9"
    )
    assert (status, language, kind(outcome)) == (404, "nl", "unknown-resource")
    assert text(outcome) == "Patient/999999 is niet gekend."

    status, outcome, language = call(
        client, "GET", "Patient/999999", user=nurse_claire, language="en"
    )
    assert (language, text(outcome)) == ("en", "Patient/999999 is not known.")


@pytest.mark.django_db
def test_unknown_search_parameter(client, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    expected = {
        "fr": "Patient n'a pas de paramètre de recherche colour.",
        "nl": "Patient heeft geen zoekparameter colour.",
    }
    for language, message in expected.items():
        status, outcome, _ = call(
            client, "GET", "Patient?colour=red", user=nurse_claire, language=language
        )
        assert (status, kind(outcome), text(outcome)) == (
            400,
            "unknown-search-parameter",
            message,
        )
        assert outcome["issue"][0]["code"] == "not-supported"
        assert outcome["issue"][0]["expression"] == ["colour"]

    status, outcome, _ = call(
        client, "GET", "Patient?birthdate=1944-02-30", user=nurse_claire, language="nl"
    )
    assert (status, kind(outcome)) == (400, "invalid-search-value")
    assert text(outcome) == "birthdate: 1944-02-30 is geen bestaande datum."


@pytest.mark.django_db
def test_invalid_resource_keeps_the_library_detail_after_a_translated_lead(  # type: ignore[no-untyped-def]
    client, nurse_claire
) -> None:
    body = {"resourceType": "Patient", "active": "maybe", "name": [{"given": ["Jan"]}]}
    status, outcome, _ = call(
        client, "POST", "Patient", user=nurse_claire, language="nl", body=body
    )
    assert (status, kind(outcome)) == (400, "invalid-resource")
    issue = outcome["issue"][0]
    assert issue["code"] == "structure" and issue["expression"] == ["Patient.active"]
    assert text(outcome) == "De resource is niet geldig: Patient.active voldoet niet aan FHIR R4."
    # The library's own detail follows, in English.
    assert issue["diagnostics"].startswith(text(outcome) + " ")
    assert "boolean" in issue["diagnostics"].lower()

    status, outcome, _ = call(
        client, "POST", "Patient", user=nurse_claire, language="fr", body=body
    )
    assert status == 400 and text(outcome) == (
        "La ressource n'est pas valide : Patient.active n'est pas conforme à FHIR R4."
    )

    # A wrong resource type is ours entirely.
    status, outcome, _ = call(
        client, "POST", "Patient", user=nurse_claire, language="fr", body={"resourceType": "X"}
    )
    assert (status, kind(outcome)) == (400, "wrong-resource-type")
    assert text(outcome) == "Le corps doit être une ressource Patient."


@pytest.mark.django_db
def test_business_rule(client, nurse_claire, marie_circle, directory) -> None:  # type: ignore[no-untyped-def]
    body = referral_body(marie_circle.pk, directory["service"].pk, intent="plan")
    expected = {"fr": "Task.intent vaut order.", "nl": "Task.intent is order."}
    for language, message in expected.items():
        status, outcome, _ = call(
            client, "POST", "Task", user=nurse_claire, language=language, body=body
        )
        assert (status, kind(outcome), text(outcome)) == (422, "business-rule", message)
        assert outcome["issue"][0]["code"] == "business-rule"

    body = referral_body(marie_circle.pk, directory["service"].pk)
    body["for"] = {"reference": "Organization/1"}
    status, outcome, _ = call(client, "POST", "Task", user=nurse_claire, language="nl", body=body)
    assert (status, kind(outcome)) == (422, "invalid-reference")
    assert text(outcome) == "Task.for moet een verwijzing van het type Patient zijn."


@pytest.mark.django_db
def test_no_token(client) -> None:  # type: ignore[no-untyped-def]
    expected = {
        "fr": "Authentification requise : envoyez Authorization: Bearer <jeton API>.",
        "nl": "Authenticatie vereist: stuur Authorization: Bearer <API-token>.",
    }
    for language, message in expected.items():
        status, outcome, content_language = call(client, "GET", "Organization", language=language)
        assert (status, kind(outcome), text(outcome)) == (401, "authentication-required", message)
        assert outcome["issue"][0]["code"] == "login" and content_language == language


def refused_early(response: Any) -> tuple[int, Outcome, str]:
    """(status, OperationOutcome, Content-Language) of a refusal by the account middleware."""
    assert response["Content-Type"].startswith(FHIR_JSON)
    outcome = json.loads(response.content)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["diagnostics"] == text(outcome)
    return response.status_code, outcome, response["Content-Language"]


@pytest.mark.django_db
def test_unknown_or_revoked_token(client, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    """Refused by the account middleware before the FHIR views run, yet in the same form."""
    issued = api_token_create(user=nurse_claire, name="old bridge")
    api_token_revoke(token=issued.token)
    expected = {
        "fr": "Le jeton d'API n'est pas valide ou a été révoqué.",
        "nl": "Het API-token is ongeldig of ingetrokken.",
    }
    for raw in ("nope", issued.raw):
        for language, message in expected.items():
            response = client.get(
                "/fhir/Organization",
                HTTP_AUTHORIZATION=f"Bearer {raw}",
                HTTP_ACCEPT_LANGUAGE=f"{language}-BE",
            )
            status, outcome, content_language = refused_early(response)
            assert (status, kind(outcome), text(outcome)) == (401, "invalid-token", message)
            assert outcome["issue"][0]["code"] == "login" and content_language == language
            assert 'error="invalid_token"' in response["WWW-Authenticate"]


@pytest.mark.django_db
def test_session_user_without_second_factor(client, helene) -> None:  # type: ignore[no-untyped-def]
    """An administrator who has not enrolled a second factor, browsing /fhir/ in a session."""
    client.force_login(helene)
    expected = {
        "fr": "L'authentification à deux facteurs doit d'abord être configurée.",
        "nl": "Tweestapsverificatie moet eerst worden ingesteld.",
    }
    for language, message in expected.items():
        response = client.get("/fhir/Patient/1", HTTP_ACCEPT_LANGUAGE=language)
        status, outcome, content_language = refused_early(response)
        assert (status, kind(outcome), text(outcome)) == (403, "two-factor-required", message)
        assert outcome["issue"][0]["code"] == "forbidden" and content_language == language
        assert "WWW-Authenticate" not in response
    # Without Accept-Language: the administrator's saved language.
    helene.language = "nl"
    helene.save(update_fields=["language"])
    status, outcome, content_language = refused_early(client.get("/fhir/metadata"))
    assert (status, content_language) == (403, "nl")
    assert text(outcome) == expected["nl"]


@pytest.mark.django_db
def test_illegal_task_transition(client, nurse_claire, marie_circle, receiver, directory) -> None:  # type: ignore[no-untyped-def]
    body = referral_body(marie_circle.pk, directory["service"].pk)
    status, created, _ = call(client, "POST", "Task", user=nurse_claire, body=body)
    assert status == 201, created
    path = f"Task/{created['id']}"
    changed = {**created, "status": "completed"}

    status, outcome, _ = call(client, "PUT", path, user=receiver, language="nl", body=changed)
    assert (status, kind(outcome)) == (409, "illegal-transition")
    assert outcome["issue"][0]["code"] == "conflict"
    assert text(outcome).startswith("Dit kan niet van “")  # the coordination app's message

    status, outcome, _ = call(client, "PUT", path, user=receiver, language="fr", body=changed)
    assert (status, kind(outcome)) == (409, "illegal-transition")
    assert text(outcome).startswith("Impossible de passer de « ")

    # The other side's change: 403 with its own code.
    accepted = {**created, "status": "accepted"}
    status, outcome, _ = call(client, "PUT", path, user=nurse_claire, language="nl", body=accepted)
    assert (status, kind(outcome)) == (403, "forbidden")


@pytest.mark.django_db
def test_transaction_failure_names_the_entry(client, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:a",
                "resource": {
                    "resourceType": "Patient",
                    "name": [{"family": "Peeters", "given": ["Jan"]}],
                },
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "resource": {
                    "resourceType": "Consent",
                    "status": "draft",
                    "scope": CONSENT_SCOPE,
                    "category": CONSENT_CATEGORY,
                    "patient": {"reference": "urn:uuid:a"},
                },
                "request": {"method": "POST", "url": "Consent"},
            },
        ],
    }
    expected = {
        "fr": "Entrée 1 de la transaction : Consent.status vaut active (donné), rejected (refusé) "
        "ou inactive (retiré).",
        "nl": "Item 1 van de transactie: Consent.status is active (gegeven), rejected "
        "(geweigerd) of inactive (ingetrokken).",
    }
    for language, message in expected.items():
        status, outcome, _ = call(
            client, "POST", "", user=nurse_claire, language=language, body=bundle
        )
        assert (status, kind(outcome), text(outcome)) == (422, "business-rule", message)
        assert outcome["issue"][0]["expression"] == ["Bundle.entry[1]", "Consent.status"]

    bundle["entry"][1]["resource"]["patient"] = {"reference": "urn:uuid:nowhere"}
    status, outcome, _ = call(client, "POST", "", user=nurse_claire, language="nl", body=bundle)
    assert (status, kind(outcome)) == (400, "unresolved-reference")
    assert text(outcome) == "De verwijzing urn:uuid:nowhere wijst naar geen enkel item."


@pytest.mark.django_db
def test_language_negotiation(client, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    # No Accept-Language: the site's default, French.
    status, outcome, language = call(client, "GET", "Patient/999999", user=nurse_claire)
    assert (status, language, text(outcome)) == (404, "fr", "Patient/999999 est inconnu.")
    # The token user's saved language, when the header is absent or names nothing we speak.
    nurse_claire.language = "nl"
    nurse_claire.save(update_fields=["language"])
    for header in (None, "de-DE, es;q=0.5"):
        status, outcome, language = call(
            client, "GET", "Patient/999999", user=nurse_claire, language=header
        )
        assert (status, language, text(outcome)) == (404, "nl", "Patient/999999 is niet gekend.")
    # The header wins over the saved language, with its quality order.
    status, outcome, language = call(
        client, "GET", "Patient/999999", user=nurse_claire, language="de, fr;q=0.8, nl;q=0.5"
    )
    assert (status, language, text(outcome)) == (404, "fr", "Patient/999999 est inconnu.")


@pytest.mark.django_db
def test_every_refusal_carries_a_parcours_code(client, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    cases = [
        ("GET", "Spaceship", None, 404, "unsupported-resource-type"),
        ("GET", "Patient?_summary=true", None, 400, "unsupported-summary"),
        ("DELETE", "Patient/1", None, 405, "method-not-allowed"),
        ("PUT", "Organization/1", {"resourceType": "Organization", "id": "1"}, 405, None),
        ("POST", "", {"resourceType": "Bundle", "type": "batch"}, 400, "not-a-transaction"),
        ("GET", "nothing/here/at/all", None, 404, "no-endpoint"),
    ]
    for method, path, body, status, code in cases:
        got, outcome, _ = call(client, method, path, user=nurse_claire, language="nl", body=body)
        assert got == status, (path, outcome)
        assert kind(outcome) == (code or "method-not-allowed")
        assert text(outcome) and outcome["issue"][0]["diagnostics"]


# --- through fhirpy, a client nobody here wrote ----------------------------------------------


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
def test_fhirpy_sees_the_negotiated_language(live_server, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    token = f"Bearer {bearer(nurse_claire)}"
    dutch = SyncFHIRClient(
        f"{live_server.url}/fhir", authorization=token, extra_headers={"Accept-Language": "nl"}
    )
    with pytest.raises(ResourceNotFound) as missing:
        dutch.reference("Patient", "999999").to_resource()
    outcome = json.loads(str(missing.value))
    assert (kind(outcome), text(outcome)) == ("unknown-resource", "Patient/999999 is niet gekend.")

    with pytest.raises(OperationOutcome) as refused:
        dutch.resources("Patient").search(colour="red").fetch()
    outcome = refused.value.resource
    assert kind(outcome) == "unknown-search-parameter"
    assert text(outcome) == "Patient heeft geen zoekparameter colour."

    french = SyncFHIRClient(
        f"{live_server.url}/fhir", authorization=token, extra_headers={"Accept-Language": "fr"}
    )
    with pytest.raises(OperationOutcome) as invalid:
        french.resource("Patient", active="maybe", name=[{"given": ["Jan"]}]).save()
    outcome = invalid.value.resource
    assert kind(outcome) == "invalid-resource"
    assert text(outcome).startswith("La ressource n'est pas valide : Patient.active")
