"""The JSON API under /api/directory/, its OpenAPI schema and its error messages."""

from __future__ import annotations

from django.test import Client


def test_search_api_with_facets_and_reasons(directory, claire, logged_in) -> None:  # type: ignore[no-untyped-def]
    client: Client = logged_in(claire)
    response = client.get(
        "/api/directory/services",
        {
            "q": "thuisverpleging",
            "municipality": "BE:21009",
            "language": "nl",
            "open_at": "2026-11-28T16:00:00+01:00",
            "accepting": "true",
        },
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert [r["code"] for r in data["results"]] == ["thuiszorg-zuid-service"]
    result = data["results"][0]
    assert result["open_at_requested"] is True
    assert result["capacity"]["status"] == "accepting"
    assert result["capacity"]["stale"] is False
    assert result["why"] and "thuisverpleging" in result["why"][0]["label"]
    assert data["facets"]["category"][0]["value"] == "home_nursing"


def test_search_api_sorts_by_distance_and_pages(directory, claire, logged_in) -> None:  # type: ignore[no-untyped-def]
    client: Client = logged_in(claire)
    data = client.get(
        "/api/directory/services",
        {"q": "home nursing", "sort": "distance", "near": "BE:21009", "page_size": 3},
    ).json()
    assert data["total"] == 4 and data["pages"] == 2
    distances = [r["distance_km"] for r in data["results"]]
    assert distances == sorted(distances)


def test_invalid_parameters_give_422_with_a_message(directory, claire, logged_in) -> None:  # type: ignore[no-untyped-def]
    client: Client = logged_in(claire)
    for params in (
        {"category": "bakery"},
        {"municipality": "XX:1"},
        {"sort": "distance"},
        {"page_size": "1000"},
        {"open_at": "friday"},
    ):
        response = client.get("/api/directory/services", params)
        assert response.status_code == 422, params
        assert response.json()["detail"], params


def test_service_detail_and_capacity_api(directory, make_persona, logged_in) -> None:  # type: ignore[no-untyped-def]
    nurse = make_persona("fatima", "home_nurse", directory.zuid.organisation)
    client: Client = logged_in(nurse)
    detail = client.get(f"/api/directory/services/{directory.zuid.id}").json()
    assert {h["day"] for h in detail["opening_hours"]} == set(range(8))
    assert "BE:21009" in detail["municipalities_served"]
    response = client.post(
        f"/api/directory/services/{directory.zuid.id}/capacity",
        {"status": "full", "waiting_list_length": 3},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "full"
    other = client.post(
        f"/api/directory/services/{directory.ssiad.id}/capacity",
        {"status": "full"},
        content_type="application/json",
    )
    assert other.status_code == 403


def test_professionals_and_organisation_api(directory, claire, logged_in) -> None:  # type: ignore[no-untyped-def]
    client: Client = logged_in(claire)
    assert client.get("/api/directory/professionals", {"q": "nobody"}).json()["total"] == 0
    org = client.get("/api/directory/organisations/chu-bxl-ger").json()
    assert org["parent"] == "chu-bxl"
    assert client.get("/api/directory/organisations/nope").status_code == 404


def test_directory_is_in_the_openapi_schema(client: Client) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/directory/services" in paths
    assert "/api/directory/services/{service_id}/capacity" in paths
    assert "/api/directory/professionals" in paths


def test_api_requires_authentication(directory, client: Client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/directory/services").status_code == 401
