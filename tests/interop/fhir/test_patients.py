"""Patient-linked resources over HTTP: access rules, audit, create/update, errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parcours.audit.models import AuditEvent, AuditOutcome
from parcours.coordination.actions import referral_send
from parcours.messaging.conversation_actions import (
    conversation_for_patient,
    conversation_message_post,
)
from parcours.messaging.conversations import ConversationAccess
from parcours.messaging.transmission_actions import Delivery, transmission_send
from parcours.patients.access import Purpose, access_patient
from parcours.patients.actions import MemberInput, circle_member_add, consent_record
from parcours.patients.models import ConsentEvent, MemberRole, Patient
from parcours.transitions.actions import screening_record
from parcours.transitions.models import Stay, StayStatus
from parcours.transitions.screening import INSTRUMENTS
from tests.interop.fhir.conftest import CONSENT_CATEGORY, CONSENT_SCOPE

pytestmark = pytest.mark.django_db

NISS = "https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin"


def new_patient(**extra: object) -> dict:  # type: ignore[type-arg]
    return {
        "resourceType": "Patient",
        "identifier": [{"system": NISS, "value": "85073003328"}],
        "name": [{"use": "official", "family": "Janssens", "given": ["Jef"]}],
        "gender": "male",
        "birthDate": "1985-07-30",
        "telecom": [{"system": "phone", "value": "+32470000000"}],
        "address": [{"line": ["Rue Haute 1"], "postalCode": "1000", "city": "Bruxelles"}],
        **extra,
    }


def test_read_patient_in_the_circle_is_audited(fhir, nurse_claire, marie) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir("GET", f"Patient/{marie.pk}", user=nurse_claire)
    assert status == 200
    assert body["name"][0]["family"] == "Peeters"
    assert body["identifier"][0] == {"use": "official", "system": NISS, "value": "48021408235"}
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None and event.patient_id == marie.pk
    assert event.outcome == AuditOutcome.SUCCESS and event.what == "fhir-Patient"


def test_inaccessible_patient_is_the_same_404_as_an_unknown_one(fhir, outsider, marie) -> None:  # type: ignore[no-untyped-def]
    refused_status, refused = fhir("GET", f"Patient/{marie.pk}", user=outsider)
    unknown_status, unknown = fhir("GET", "Patient/987654", user=outsider)
    assert refused_status == unknown_status == 404
    assert refused["issue"][0]["code"] == unknown["issue"][0]["code"] == "not-found"
    denied = AuditEvent.objects.filter(patient_id=marie.pk, outcome=AuditOutcome.DENIED)
    assert denied.exists()


def test_search_returns_only_accessible_patients(fhir, nurse_claire, outsider, marie) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir("GET", "Patient?family=peet", user=nurse_claire)
    assert status == 200 and body["total"] == 1
    status, body = fhir("GET", "Patient?family=peet", user=outsider)
    assert status == 200 and body["total"] == 0
    assert AuditEvent.objects.filter(what="fhir-Patient-search").count() == 2


@pytest.mark.parametrize(
    ("query", "found"),
    [
        (f"identifier={NISS}|48021408235", True),
        ("identifier=48.02.14-082.35", True),
        ("identifier=http://other|48021408235", False),
        ("name=mar", True),
        ("given=Marie", True),
        ("given:exact=Mari", False),
        ("name:contains=eete", True),
        ("birthdate=1944", True),
        ("birthdate=ge1945", False),
        ("birthdate=lt1945-01-01", True),
        ("gender=female", True),
        ("address-city=Ixelles", False),
    ],
)
def test_patient_search_parameters(fhir, nurse_claire, marie, query, found) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir("GET", f"Patient?{query}", user=nurse_claire)
    assert status == 200
    assert body["total"] == (1 if found else 0), query


def test_create_patient_through_the_action(fhir, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir("POST", "Patient", user=nurse_claire, body=new_patient())
    assert status == 201
    patient = Patient.objects.get(pk=int(body["id"]))
    assert patient.family_name == "Janssens" and patient.phone == "+32470000000"
    assert patient.circle.get().is_referent  # the creator joined as referent
    status, again = fhir("POST", "Patient", user=nurse_claire, body=new_patient())
    assert status == 409 and again["issue"][0]["code"] == "duplicate"


def test_create_with_a_bad_identifier_is_422_and_writes_nothing(fhir, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    body = new_patient(identifier=[{"system": NISS, "value": "85073003329"}])
    status, outcome = fhir("POST", "Patient", user=nurse_claire, body=body)
    assert status == 422 and outcome["resourceType"] == "OperationOutcome"
    assert not Patient.objects.exists()


def test_create_with_an_invalid_resource_is_400(fhir, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    status, outcome = fhir(
        "POST", "Patient", user=nurse_claire, body={"resourceType": "Patient", "gender": 12}
    )
    assert status == 400 and outcome["issue"][0]["code"] == "structure"
    status, outcome = fhir("POST", "Patient", user=nurse_claire, body={"resourceType": "Consent"})
    assert status == 400
    assert not Patient.objects.exists()


def test_create_by_an_administrator_is_403(fhir, helene) -> None:  # type: ignore[no-untyped-def]
    status, outcome = fhir("POST", "Patient", user=helene, body=new_patient())
    assert status == 403 and outcome["resourceType"] == "OperationOutcome"


def test_update_patient(fhir, nurse_claire, outsider, marie) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir("GET", f"Patient/{marie.pk}", user=nurse_claire)
    body["telecom"] = [{"system": "phone", "value": "+3225551234"}]
    status, updated = fhir("PUT", f"Patient/{marie.pk}", user=nurse_claire, body=body)
    assert status == 200 and updated["telecom"][0]["value"] == "+3225551234"
    marie.refresh_from_db()
    assert marie.phone == "+3225551234"
    status, _ = fhir("PUT", f"Patient/{marie.pk}", user=outsider, body=body)
    assert status == 404
    status, _ = fhir("PUT", "Patient/12345", user=nurse_claire, body=body)
    assert status == 400  # the id in the body must match the URL


def test_related_person_and_care_team(fhir, nurse_claire, outsider, manage, marie_circle) -> None:  # type: ignore[no-untyped-def]
    daughter = circle_member_add(
        access=manage,
        member=MemberInput(
            role=MemberRole.CAREGIVER, person_name="Sofie Peeters", person_relationship="daughter"
        ),
    )
    status, body = fhir("GET", f"RelatedPerson/{daughter.pk}", user=nurse_claire)
    assert status == 200 and body["name"][0]["text"] == "Sofie Peeters"
    assert body["patient"]["reference"] == f"Patient/{marie_circle.pk}"
    status, _ = fhir("GET", f"RelatedPerson/{daughter.pk}", user=outsider)
    assert status == 404
    status, bundle = fhir("GET", f"RelatedPerson?patient={marie_circle.pk}", user=nurse_claire)
    assert bundle["total"] == 1
    status, team = fhir("GET", f"CareTeam/{marie_circle.pk}", user=nurse_claire)
    members = {p["member"]["reference"].split("/")[0] for p in team["participant"]}
    assert members == {"Practitioner", "Organization", "RelatedPerson"}
    status, patient = fhir("GET", f"Patient/{marie_circle.pk}", user=nurse_claire)
    assert [gp["display"] for gp in patient["generalPractitioner"]] == ["Luc Martin"]
    status, bundle = fhir("GET", f"CareTeam?patient=Patient/{marie_circle.pk}", user=outsider)
    assert bundle["total"] == 0


def test_encounter_from_stays(fhir, nurse_claire, outsider, marie, hospital) -> None:  # type: ignore[no-untyped-def]
    stay = Stay.objects.create(patient=marie, hospital=hospital)
    Stay.objects.create(patient=marie, hospital=hospital, status=StayStatus.DISCHARGED)
    status, body = fhir("GET", f"Encounter/{stay.pk}", user=nurse_claire)
    assert status == 200 and body["status"] == "in-progress"
    assert body["class"]["code"] == "IMP"
    status, bundle = fhir("GET", f"Encounter?patient={marie.pk}&status=finished", user=nurse_claire)
    assert bundle["total"] == 1
    status, _ = fhir("GET", f"Encounter/{stay.pk}", user=outsider)
    assert status == 404


def consent_body(patient_id: int, status: str = "inactive") -> dict:  # type: ignore[type-arg]
    return {
        "resourceType": "Consent",
        "status": status,
        "scope": CONSENT_SCOPE,
        "category": CONSENT_CATEGORY,
        "patient": {"reference": f"Patient/{patient_id}"},
        "extension": [
            {
                "url": "https://parcours.invalid/fhir/StructureDefinition/consent-method",
                "valueCode": "written",
            }
        ],
    }


def test_consent_create_read_search(fhir, nurse_claire, gp_luc, marie_circle) -> None:  # type: ignore[no-untyped-def]
    status, created = fhir("POST", "Consent", user=nurse_claire, body=consent_body(marie_circle.pk))
    assert status == 201 and created["status"] == "inactive"
    event = ConsentEvent.objects.get(pk=int(created["id"]))
    assert event.status == "withdrawn" and event.method == "written"
    # The withdrawal stops sharing: Luc no longer reaches Marie; Claire (referent) still sees it.
    status, _ = fhir("GET", f"Patient/{marie_circle.pk}", user=gp_luc)
    assert status == 404
    status, body = fhir("GET", f"Consent/{event.pk}", user=nurse_claire)
    assert status == 200 and body["provision"]["type"] == "deny"
    status, bundle = fhir(
        "GET", f"Consent?patient={marie_circle.pk}&status=inactive", user=nurse_claire
    )
    assert bundle["total"] == 1
    # Searches other than Consent leave the patient out, as reads refuse them.
    for path in ("Patient", "CareTeam", "Encounter", "RelatedPerson"):
        status, bundle = fhir("GET", f"{path}?_count=5", user=nurse_claire)
        assert status == 200 and bundle["total"] == 0, path
    status, _ = fhir("GET", f"Patient/{marie_circle.pk}", user=nurse_claire)
    assert status == 404


def test_consent_create_by_a_non_manager_is_404(fhir, gp_luc, marie_circle) -> None:  # type: ignore[no-untyped-def]
    status, _ = fhir("POST", "Consent", user=gp_luc, body=consent_body(marie_circle.pk))
    assert status == 404
    assert not ConsentEvent.objects.exists()


def test_consent_create_with_an_unknown_status_is_422(fhir, nurse_claire, marie) -> None:  # type: ignore[no-untyped-def]
    status, _ = fhir("POST", "Consent", user=nurse_claire, body=consent_body(marie.pk, "draft"))
    assert status == 422


def test_managers_read_a_withdrawn_consent(fhir, nurse_claire, marie) -> None:  # type: ignore[no-untyped-def]
    access = access_patient(nurse_claire, marie.pk, purpose=Purpose.CONSENT, manage=True)
    event = consent_record(access=access, status="withdrawn", method="oral")
    status, body = fhir("GET", f"Consent/{event.pk}", user=nurse_claire)
    assert status == 200 and body["status"] == "inactive"


def test_every_resource_served_is_valid_r4b(
    fhir, nurse_claire, manage, marie_circle, hospital, directory, home_nurse
) -> None:  # type: ignore[no-untyped-def]
    from parcours.interop.fhir.registry import all_types

    circle_member_add(
        access=manage,
        member=MemberInput(
            role=MemberRole.LEGAL_REPRESENTATIVE,
            person_name="Me Dupuis",
            legal_scope="property",
            legal_basis="Justice de paix, 2024-01-10",
            person_phone="+3225550000",
            person_language="fr",
        ),
    )
    stay = Stay.objects.create(
        patient=marie_circle, hospital=hospital, external_id="V1", source="CHU"
    )
    consent_record(access=manage, status="given", method="oral")
    referral_send(access=manage, services=[directory["service"]], need="Soins infirmiers")
    conversation = conversation_for_patient(access=manage)
    conversation_message_post(
        access=ConversationAccess(conversation, nurse_claire, manage), body="Bonjour"
    )
    transmission_send(
        access=manage,
        kind="other",
        subject="Question",
        deliveries=[Delivery(recipient_user=home_nurse, body="Une question")],
        acknowledge_by=timezone.now() + timedelta(days=1),
    )
    screening_record(
        access=manage,
        stay=stay,
        instrument="isar",
        answers={key: False for key in INSTRUMENTS["isar"].keys},
    )
    checked = set()
    for resource in all_types():
        status, bundle = fhir("GET", f"{resource.name}?_count=100", user=nurse_claire)
        assert status == 200 and bundle["total"] >= 1, resource.name
        for entry in bundle["entry"]:
            resource.model.model_validate(entry["resource"])
            status, body = fhir(
                "GET", f"{resource.name}/{entry['resource']['id']}", user=nurse_claire
            )
            assert status == 200 and body == entry["resource"]
        checked.add(resource.name)
    assert len(checked) == 13


def related_person_body(patient_id: int, **extra: object) -> dict:  # type: ignore[type-arg]
    return {
        "resourceType": "RelatedPerson",
        "patient": {"reference": f"Patient/{patient_id}"},
        "relationship": [
            {
                "coding": [
                    {
                        "system": "https://parcours.invalid/fhir/CodeSystem/circle-role",
                        "code": "caregiver",
                    }
                ]
            },
            {"text": "son"},
        ],
        "name": [{"given": ["Tom"], "family": "Peeters"}],
        "telecom": [{"system": "phone", "value": "+32470123456"}],
        **extra,
    }


def test_related_person_create(fhir, nurse_claire, gp_luc, marie_circle) -> None:  # type: ignore[no-untyped-def]
    status, body = fhir(
        "POST", "RelatedPerson", user=nurse_claire, body=related_person_body(marie_circle.pk)
    )
    assert status == 201, body
    member = marie_circle.circle.get(pk=int(body["id"]))
    assert (member.person_name, member.person_relationship) == ("Tom Peeters", "son")
    assert member.role == "caregiver" and member.visibility == "non_medical"
    # Only the circle's managers add members: Luc (a member, not a referent) gets the 404.
    status, _ = fhir(
        "POST", "RelatedPerson", user=gp_luc, body=related_person_body(marie_circle.pk)
    )
    assert status == 404


def test_related_person_create_checks_the_domain_rules(fhir, nurse_claire, marie) -> None:  # type: ignore[no-untyped-def]
    guardian = related_person_body(
        marie.pk,
        relationship=[
            {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "GUARD"}
                ]
            }
        ],
    )
    status, _ = fhir("POST", "RelatedPerson", user=nurse_claire, body=guardian)
    assert status == 422  # a legal representative needs a scope and a decision
    guardian["extension"] = [
        {
            "url": "https://parcours.invalid/fhir/StructureDefinition/legal-scope",
            "valueCode": "property",
        },
        {
            "url": "https://parcours.invalid/fhir/StructureDefinition/legal-basis",
            "valueString": "Justice de paix, 2024-01-10",
        },
    ]
    status, _ = fhir("POST", "RelatedPerson", user=nurse_claire, body=guardian)
    assert status == 201
    status, _ = fhir(
        "POST",
        "RelatedPerson",
        user=nurse_claire,
        body=related_person_body(marie.pk, relationship=[{"text": "x"}]),
    )
    assert status == 422


@pytest.mark.parametrize(
    "extra",
    [
        {"gender": "robot"},
        {"identifier": [{"system": "urn:parcours:local-identifier", "value": "9" * 41}]},
        {"birthDate": "1985"},
        {"identifier": [{"system": "http://example.org/mrn", "value": "123"}]},
    ],
)
def test_create_refuses_what_the_columns_cannot_hold(fhir, nurse_claire, extra) -> None:  # type: ignore[no-untyped-def]
    status, outcome = fhir("POST", "Patient", user=nurse_claire, body=new_patient(**extra))
    assert status == 422 and outcome["issue"][0]["code"] == "business-rule"
    assert not Patient.objects.exists()
