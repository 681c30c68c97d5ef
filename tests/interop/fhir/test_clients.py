"""fhirpy (sync and async), a client nobody here wrote, against a live server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fhirpy import AsyncFHIRClient, SyncFHIRClient
from fhirpy.base.exceptions import AuthorizationError, OperationOutcome, ResourceNotFound

from parcours.patients.models import ConsentEvent, Patient
from parcours.transitions.models import Stay
from tests.interop.fhir.conftest import CONSENT_CATEGORY, CONSENT_SCOPE, bearer

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

NISS = "https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin"


def client_for(live_server: Any, user: Any) -> SyncFHIRClient:
    return SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Bearer {bearer(user)}")


def ids(resources: list[Any]) -> set[str]:
    return {r["id"] for r in resources}


def test_directory_read_and_search(live_server, luc, directory) -> None:  # type: ignore[no-untyped-def]
    client = client_for(live_server, luc)
    home, anne = directory["home"], directory["anne"]
    org = client.reference("Organization", str(home.pk)).to_resource()
    assert org["name"] == "Soins à domicile Ixelles" and org["address"][0]["city"] == "Ixelles"
    orgs = client.resources("Organization")
    assert ids(orgs.search(identifier="https://kbopub.economie.fgov.be|0411905847").fetch()) == {
        str(home.pk)
    }
    assert ids(orgs.search(name="thuisverpleging").fetch()) == {str(home.pk)}
    assert ids(orgs.search(active="false").fetch()) == {str(directory["pharmacy"].pk)}
    assert ids(orgs.search(**{"address-city": "Elsene"}).fetch()) == {str(home.pk)}
    assert ids(orgs.search(_id=str(home.pk)).fetch()) == {str(home.pk)}

    practitioners = client.resources("Practitioner")
    assert ids(practitioners.search(family="lamb").fetch()) == {
        str(anne.pk),
        str(directory["bert"].pk),
    }
    assert ids(practitioners.search(given="chlo").fetch()) == {str(directory["chloe"].pk)}
    assert ids(practitioners.search(name="lambrechts").fetch()) == {str(directory["bert"].pk)}
    assert ids(practitioners.search(identifier="40012345123").fetch()) == {str(anne.pk)}
    assert ids(practitioners.search(active="true").fetch()) == {
        str(anne.pk),
        str(directory["chloe"].pk),
    }
    assert practitioners.count() == 3
    assert len(practitioners.limit(1).fetch_all()) == 3  # follows the next links

    services = client.resources("HealthcareService")
    service = directory["service"]
    assert ids(services.search(organization=f"Organization/{home.pk}").fetch()) == {str(service.pk)}
    assert ids(services.search(name="verpleging").fetch()) == {str(service.pk)}
    assert ids(services.search(identifier="soins-inf").fetch()) == {str(service.pk)}
    assert ids(services.search(**{"address-city": "Ixelles"}).fetch()) == {str(service.pk)}

    locations = client.resources("Location")
    location = directory["location"]
    assert ids(locations.search(name="antenne").fetch()) == {str(location.pk)}
    assert ids(locations.search(organization=str(home.pk)).fetch()) == {str(location.pk)}
    assert client.reference("Location", str(location.pk)).to_resource()["position"][
        "latitude"
    ] == pytest.approx(50.83)


def test_practitioner_role_include(live_server, luc, directory) -> None:  # type: ignore[no-untyped-def]
    client = client_for(live_server, luc)
    bundle = (
        client.resources("PractitionerRole")
        .search(organization=str(directory["home"].pk), active="true")
        .include("PractitionerRole", "practitioner")
        .include("PractitionerRole", "organization")
        .fetch_raw()
    )
    kinds = [(e["resource"]["resourceType"], e["search"]["mode"]) for e in bundle.entry]
    assert kinds == [
        ("PractitionerRole", "match"),
        ("Practitioner", "include"),
        ("Organization", "include"),
    ]
    roles = client.resources("PractitionerRole").search(practitioner=str(directory["chloe"].pk))
    assert (
        roles.fetch()[0]["organization"]["reference"] == f"Organization/{directory['pharmacy'].pk}"
    )


def test_patient_create_read_search_update(live_server, nurse_claire, outsider) -> None:  # type: ignore[no-untyped-def]
    client = client_for(live_server, nurse_claire)
    patient = client.resource(
        "Patient",
        identifier=[{"system": NISS, "value": "85073003328"}],
        name=[{"family": "Janssens", "given": ["Jef"]}],
        gender="male",
        birthDate="1985-07-30",
    )
    patient.save()
    assert patient.id and Patient.objects.filter(pk=int(patient.id)).exists()
    found = client.resources("Patient").search(family="jans", birthdate="1985-07").fetch()
    assert ids(found) == {patient.id}
    assert ids(client.resources("Patient").search(identifier=f"{NISS}|85073003328").fetch()) == {
        patient.id
    }
    assert ids(client.resources("Patient").search(given="jef", gender="male").fetch()) == {
        patient.id
    }
    patient["telecom"] = [{"system": "phone", "value": "+32471111111"}]
    patient.save()
    assert Patient.objects.get(pk=int(patient.id)).phone == "+32471111111"

    stranger = client_for(live_server, outsider)
    with pytest.raises(ResourceNotFound):
        stranger.reference("Patient", patient.id).to_resource()
    assert stranger.resources("Patient").search(family="jans").fetch() == []


def test_patient_linked_resources(live_server, nurse_claire, marie_circle, hospital) -> None:  # type: ignore[no-untyped-def]
    stay = Stay.objects.create(patient=marie_circle, hospital=hospital)
    client = client_for(live_server, nurse_claire)
    encounters = client.resources("Encounter").search(patient=str(marie_circle.pk))
    assert ids(encounters.search(status="in-progress").fetch()) == {str(stay.pk)}
    team = client.reference("CareTeam", str(marie_circle.pk)).to_resource()
    assert len(team["participant"]) == 3  # Claire (referent), Luc and Fatima
    teams = client.resources("CareTeam").search(patient=f"Patient/{marie_circle.pk}").fetch()
    assert ids(teams) == {str(marie_circle.pk)}
    assert client.resources("RelatedPerson").search(patient=str(marie_circle.pk)).fetch() == []
    daughter = client.resource(
        "RelatedPerson",
        patient={"reference": f"Patient/{marie_circle.pk}"},
        relationship=[
            {
                "coding": [
                    {
                        "system": "https://parcours.invalid/fhir/CodeSystem/circle-role",
                        "code": "caregiver",
                    }
                ]
            }
        ],
        name=[{"text": "Sofie Peeters"}],
    )
    daughter.save()
    assert client.reference("RelatedPerson", daughter.id).to_resource()["name"][0]["text"] == (
        "Sofie Peeters"
    )
    relatives = client.resources("RelatedPerson").search(name="sofie").fetch()
    assert ids(relatives) == {daughter.id}
    assert client.reference("Encounter", str(stay.pk)).to_resource()["status"] == "in-progress"

    consent = client.resource(
        "Consent",
        status="active",
        scope=CONSENT_SCOPE,
        category=CONSENT_CATEGORY,
        patient={"reference": f"Patient/{marie_circle.pk}"},
    )
    consent.save()
    assert ConsentEvent.objects.get(pk=int(consent.id)).status == "given"
    assert ids(client.resources("Consent").search(patient=str(marie_circle.pk)).fetch()) == {
        consent.id
    }
    assert ids(client.resources("Consent").search(status="active").fetch()) == {consent.id}
    assert client.reference("Consent", consent.id).to_resource()["provision"]["type"] == "permit"


def test_errors_reach_the_client_as_outcomes(live_server, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    client = client_for(live_server, nurse_claire)
    with pytest.raises(OperationOutcome) as raised:
        client.resource("Patient", gender="male").save()  # no name: business rule
    assert "business-rule" in str(raised.value)  # the domain message, in the user language
    anonymous = SyncFHIRClient(f"{live_server.url}/fhir")
    with pytest.raises(AuthorizationError):
        anonymous.resources("Organization").fetch()


def test_transaction_with_urn_references(live_server, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    client = client_for(live_server, nurse_claire)
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:5c7c6a2e-4a0e-4f3b-9a53-000000000002",
                "resource": {
                    "resourceType": "Consent",
                    "status": "active",
                    "scope": CONSENT_SCOPE,
                    "category": CONSENT_CATEGORY,
                    "patient": {"reference": "urn:uuid:5c7c6a2e-4a0e-4f3b-9a53-000000000001"},
                },
                "request": {"method": "POST", "url": "Consent"},
            },
            {
                "fullUrl": "urn:uuid:5c7c6a2e-4a0e-4f3b-9a53-000000000001",
                "resource": {
                    "resourceType": "Patient",
                    "name": [{"family": "Wouters", "given": ["An"]}],
                },
                "request": {"method": "POST", "url": "Patient"},
            },
        ],
    }
    response = client.execute("/", method="post", data=bundle)
    assert response["type"] == "transaction-response"
    consent_entry, patient_entry = response["entry"]
    patient_id = patient_entry["response"]["location"].split("/")[1]
    assert consent_entry["resource"]["patient"]["reference"] == f"Patient/{patient_id}"
    assert ConsentEvent.objects.filter(patient_id=int(patient_id), status="given").exists()


def test_async_client(live_server, luc, nurse_claire, marie, directory) -> None:  # type: ignore[no-untyped-def]
    authorization = f"Bearer {bearer(nurse_claire)}"

    async def run() -> tuple[Any, ...]:
        client = AsyncFHIRClient(f"{live_server.url}/fhir", authorization=authorization)
        patient = await client.reference("Patient", str(marie.pk)).to_resource()
        found = await client.resources("Patient").search(name="marie").fetch()
        roles = await client.resources("PractitionerRole").search(active="true").fetch_all()
        total = await client.resources("Organization").count()
        new = client.resource("Patient", name=[{"family": "Claes", "given": ["Lena"]}])
        await new.save()
        return patient, found, roles, total, new

    patient, found, roles, total, new = asyncio.run(run())
    assert patient["name"][0]["given"] == ["Marie"]
    assert ids(found) == {str(marie.pk)}
    assert len(roles) == 2
    assert total >= 2
    assert Patient.objects.filter(pk=int(new.id), family_name="Claes").exists()


def test_a_refused_transaction_reaches_fhirpy_and_writes_nothing(live_server, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    client = client_for(live_server, nurse_claire)
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": {"resourceType": "Patient", "name": [{"family": "Maes"}]},
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "resource": {"resourceType": "Patient", "name": [{"family": "Maes"}]},
                "request": {"method": "DELETE", "url": "Patient/1"},
            },
        ],
    }
    with pytest.raises(OperationOutcome) as raised:
        client.execute("/", method="post", data=bundle)
    assert "Bundle.entry[1]" in str(raised.value)
    assert not Patient.objects.filter(family_name="Maes").exists()
