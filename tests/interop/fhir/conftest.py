"""A small directory, Marie's circle of care and Bearer tokens for the FHIR tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from parcours.accounts.actions import api_token_create
from parcours.directory.models import (
    Location,
    Professional,
    ProfessionalRole,
    Service,
)
from parcours.territory.models import Municipality
from tests.factories import OrganisationFactory
from tests.patients.conftest import (  # noqa: F401  (fixtures)
    gp_luc,
    home_nurse,
    manage,
    marie,
    marie_circle,
    nurse_claire,
    outsider,
    ward,
)

FHIR_JSON = "application/fhir+json"
CONSENT_SCOPE = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}
    ]
}
CONSENT_CATEGORY = [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}]


def bearer(user: Any) -> str:
    return api_token_create(user=user, name="FHIR test").raw


@pytest.fixture
def ixelles(db: None) -> Municipality:
    return Municipality.objects.create(
        country="BE", code="21009", name={"fr": "Ixelles", "nl": "Elsene"}, postcodes=["1050"]
    )


@pytest.fixture
def directory(db: None, ixelles: Municipality) -> dict[str, Any]:
    """Two organisations, three professionals with roles, a location and a service."""
    home = OrganisationFactory(
        code="soins-ixelles",
        type="home_nursing",
        name={"fr": "Soins à domicile Ixelles", "nl": "Thuisverpleging Elsene"},
        municipality=ixelles,
        address="Rue du Bailli 12",
        postcode="1050",
    )
    home.identifiers.create(kind="kbo", value="0411905847")
    pharmacy = OrganisationFactory(
        code="pharma-flagey", type="pharmacy", name={"fr": "Pharmacie Flagey"}, active=False
    )
    anne = Professional.objects.create(
        given_name="Anne",
        family_name="Lambert",
        profession="nurse",
        riziv="40012345123",
        code="anne-lambert",
        languages=["fr", "nl"],
    )
    bert = Professional.objects.create(
        given_name="Bert", family_name="Lambrechts", profession="nurse", active=False
    )
    chloe = Professional.objects.create(
        given_name="Chloé", family_name="Dupont", profession="pharmacist", rpps="10005173140"
    )
    roles = [
        ProfessionalRole.objects.create(professional=anne, organisation=home, phone="+3221234567"),
        ProfessionalRole.objects.create(professional=bert, organisation=home, active=False),
        ProfessionalRole.objects.create(professional=chloe, organisation=pharmacy),
    ]
    location = Location.objects.create(
        organisation=home,
        code="bailli",
        name={"fr": "Antenne Bailli"},
        municipality=ixelles,
        address="Rue du Bailli 12",
        postcode="1050",
        latitude=50.83,
        longitude=4.36,
    )
    service = Service.objects.create(
        organisation=home,
        name={"fr": "Soins infirmiers", "nl": "Verpleging"},
        category="home_nursing",
        code="soins-inf",
        location=location,
        languages=["fr"],
    )
    return {
        "home": home,
        "pharmacy": pharmacy,
        "anne": anne,
        "bert": bert,
        "chloe": chloe,
        "roles": roles,
        "location": location,
        "service": service,
    }


@pytest.fixture
def fhir(client: Client) -> Callable[..., Any]:
    """fhir(method, path, user=None, body=None, token=None) → (status, json)."""

    def call(
        method: str,
        path: str,
        *,
        user: Any = None,
        body: Any = None,
        raw: bytes | None = None,
        token: str | None = None,
        content_type: str = FHIR_JSON,
    ) -> tuple[int, Any]:
        headers = {}
        if user is not None:
            token = bearer(user)
        if token is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs: dict[str, Any] = {**headers}
        if data is not None:
            kwargs["data"] = data
            kwargs["content_type"] = content_type
        response = getattr(client, method.lower())(f"/fhir/{path}", **kwargs)
        assert response["Content-Type"].startswith(FHIR_JSON), response.content[:200]
        return response.status_code, json.loads(response.content)

    return call
