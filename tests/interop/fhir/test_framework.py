"""The FHIR framework over plain HTTP: auth, errors as OperationOutcome, metadata, paging."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

pytestmark = pytest.mark.django_db


def is_outcome(body: dict) -> bool:  # type: ignore[type-arg]
    return body["resourceType"] == "OperationOutcome" and body["issue"][0]["severity"] == "error"


def test_metadata_is_a_valid_capability_statement_built_from_the_registry(fhir) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir("GET", "metadata")
    assert status == 200
    statement = CapabilityStatement.model_validate(body)
    resources = {r.type: r for r in statement.rest[0].resource}
    assert {"Organization", "Practitioner", "PractitionerRole", "Location"} <= set(resources)
    role = resources["PractitionerRole"]
    assert set(role.searchInclude) == {
        "PractitionerRole:practitioner",
        "PractitionerRole:organization",
    }
    assert "identifier" in {p.name for p in resources["Organization"].searchParam}


def test_no_token_is_401_with_an_outcome(fhir) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir("GET", "Organization")
    assert status == 401 and is_outcome(body)
    assert body["issue"][0]["code"] == "login"


def test_a_wrong_token_is_401_with_an_outcome(fhir) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir("GET", "Organization", token="pct_not-a-real-token")
    assert status == 401 and is_outcome(body)


def test_unknown_type_is_404(fhir, luc) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir("GET", "Spaceship/1", user=luc)
    assert status == 404 and is_outcome(body)
    status, body = fhir("GET", "Spaceship", user=luc)
    assert status == 404 and is_outcome(body)


def test_unknown_id_is_404(fhir, luc, directory) -> None:  # type: ignore[no-untyped-def]
    for path in ("Organization/999999", "Organization/abc", "Practitioner/0"):
        status, body = fhir("GET", path, user=luc)
        assert status == 404 and is_outcome(body), path


def test_wrong_method_is_405(fhir, luc, directory) -> None:  # type: ignore[no-untyped-def]
    org = directory["home"].pk
    status, body = fhir("DELETE", f"Organization/{org}", user=luc)
    assert status == 405 and is_outcome(body)
    status, body = fhir("POST", "Organization", user=luc, body={"resourceType": "Organization"})
    assert status == 405 and is_outcome(body)
    status, body = fhir("GET", "", user=luc)
    assert status == 405 and is_outcome(body)


def test_invalid_json_is_400(fhir, luc) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir("POST", "Patient", user=luc, raw=b'{"resourceType": "Patient",')
    assert status == 400 and is_outcome(body)
    status, body = fhir("POST", "Patient", user=luc, raw=b"\xff\xfe")
    assert status == 400 and is_outcome(body)


def test_wrong_content_type_is_415(fhir, luc) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir("POST", "Patient", user=luc, raw=b"<Patient/>", content_type="text/xml")
    assert status == 415 and is_outcome(body)


def test_unknown_search_parameter_is_400(fhir, luc, directory) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir("GET", "Organization?colour=blue", user=luc)
    assert status == 400 and is_outcome(body)
    assert body["issue"][0]["code"] == "not-supported"


@pytest.mark.parametrize(
    "query",
    ["_count=-1", "_count=abc", "active=maybe", "partof=Patient/1", "_include=Organization:x"],
)
def test_malformed_search_values_are_400(fhir, luc, directory, query) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir("GET", f"Organization?{query}", user=luc)
    assert status == 400 and is_outcome(body)


def test_paging_links_walk_every_match_once(fhir, luc, directory) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir("GET", "Practitioner?_count=2", user=luc)
    assert status == 200 and body["total"] == 3
    assert [link["relation"] for link in body["link"]] == ["self", "next"]
    seen = [e["resource"]["id"] for e in body["entry"]]
    next_url = body["link"][1]["url"]
    status, page = fhir("GET", next_url.split("/fhir/", 1)[1], user=luc)
    assert [link["relation"] for link in page["link"]] == ["self", "previous"]
    seen += [e["resource"]["id"] for e in page["entry"]]
    assert sorted(seen) == sorted(
        str(p.pk) for p in [directory[k] for k in ("anne", "bert", "chloe")]
    )


def test_summary_count_gives_the_total_only(fhir, luc, directory) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir("GET", "Practitioner?_summary=count", user=luc)
    assert status == 200 and body["total"] == 3 and "entry" not in body


def test_a_browser_session_reads_and_needs_csrf_to_write(luc, directory) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(luc)
    response = browser.get(f"/fhir/Organization/{directory['home'].pk}")
    assert response.status_code == 200
    response = browser.post(
        "/fhir/Patient", data='{"resourceType": "Patient"}', content_type="application/fhir+json"
    )
    assert response.status_code == 403
    assert response.json()["issue"][0]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("query", "accept", "status"),
    [
        ("_format=xml", "", 406),
        ("_format=json", "", 200),
        ("", "application/fhir+xml", 406),
        ("", "application/fhir+json", 200),
        ("", "text/html,application/xhtml+xml,*/*;q=0.8", 200),
    ],
)
def test_json_is_the_only_format(client, luc, directory, query, accept, status) -> None:  # type: ignore[no-untyped-def]
    from tests.interop.fhir.conftest import bearer

    headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer(luc)}"}
    if accept:
        headers["HTTP_ACCEPT"] = accept
    response = client.get(f"/fhir/Organization?{query}", **headers)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/fhir+json")


def test_oversized_requests_are_refused_with_an_outcome(fhir, luc, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    query = "&".join(f"name=a{i}" for i in range(20))
    status, body = fhir("GET", f"Practitioner?{query}", user=luc)
    assert status == 400 and body["resourceType"] == "OperationOutcome"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    status, body = fhir(
        "POST", "Patient", user=luc, body={"resourceType": "Patient", "x": "y" * 200}
    )
    assert status == 413 and body["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize(
    "raw",
    [
        b'{"resourceType": "Patient", "name": [{"given": ["A\\u0000B"]}]}',
        b'{"resourceType": "Patient", "name": [{"given": ["\\ud800"]}]}',
    ],
)
def test_characters_no_database_stores_are_400(fhir, nurse_claire, raw) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir("POST", "Patient", user=nurse_claire, raw=raw)
    assert status == 400 and body["resourceType"] == "OperationOutcome"


def test_a_nul_in_a_search_parameter_is_400(fhir, luc) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir("GET", "Practitioner?name=a%00b", user=luc)
    assert status == 400 and body["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize(
    "path",
    ["Patient/99999999999999999999999999", "Encounter/99999999999999999999999", "CareTeam/-1"],
)
def test_ids_out_of_any_integer_range_are_404(fhir, nurse_claire, path) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir("GET", path, user=nurse_claire)
    assert status == 404 and body["resourceType"] == "OperationOutcome"
    status, body = fhir("GET", path.replace("/", "?_id="), user=nurse_claire)
    assert status == 200 and body["total"] == 0
