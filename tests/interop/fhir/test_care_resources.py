"""Task, Communication and QuestionnaireResponse: fhirpy (sync and async) against a live server
for the reads, searches and creates; the Django test client for the exact error statuses."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from fhirpy import AsyncFHIRClient, SyncFHIRClient
from fhirpy.base.exceptions import ResourceNotFound

from parcours.accounts.models import Role
from parcours.audit.models import AuditEvent, AuditOutcome
from parcours.coordination.models import Task, TaskKind
from parcours.messaging.models import ConversationMessage
from parcours.messaging.transmission_actions import Delivery, transmission_send
from parcours.patients.access import Purpose, access_patient, actor_of
from parcours.transitions.actions import stay_admit, stay_discharge
from parcours.transitions.models import ScreeningRecord
from tests.factories import UserFactory
from tests.interop.fhir.conftest import bearer

TASK_CODE = "https://parcours.invalid/fhir/CodeSystem/task-kind"
ISAR_KEYS = (
    "help_before",
    "help_since",
    "hospitalized_6m",
    "vision_impaired",
    "memory_problems",
    "polypharmacy",
)


def client_for(live_server: Any, user: Any) -> SyncFHIRClient:
    return SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Bearer {bearer(user)}")


def ids(resources: list[Any]) -> set[str]:
    return {r["id"] for r in resources}


def referral_body(patient_id: int, service_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "code": {"coding": [{"system": TASK_CODE, "code": "referral"}]},
        "description": "Soins infirmiers à domicile",
        "for": {"reference": f"Patient/{patient_id}"},
        "owner": {"reference": f"HealthcareService/{service_id}"},
        "reasonCode": {"text": "Pansements après la sortie"},
        "restriction": {"period": {"end": (timezone.now() + timedelta(days=2)).isoformat()}},
        **extra,
    }


def isar_body(patient_id: int, stay_id: int | None, points: int = 3) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "https://parcours.invalid/fhir/Questionnaire/isar",
        "subject": {"reference": f"Patient/{patient_id}"},
        "item": [
            {"linkId": key, "answer": [{"valueBoolean": index < points}]}
            for index, key in enumerate(ISAR_KEYS)
        ],
    }
    if stay_id is not None:
        body["encounter"] = {"reference": f"Encounter/{stay_id}"}
    return body


@pytest.fixture
def receiver(directory):  # type: ignore[no-untyped-def]
    """Nora, home nurse in the organisation of the directory's home-nursing service."""
    return UserFactory(
        username="nora", role=Role.HOME_NURSE, organisation=directory["home"], first_name="Nora"
    )


@pytest.fixture
def stay(nurse_claire, marie_circle, hospital):  # type: ignore[no-untyped-def]
    return stay_admit(patient=marie_circle, hospital=hospital, actor=actor_of(nurse_claire))


# --- Task ----------------------------------------------------------------------------------


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
def test_task_create_read_search_update(  # type: ignore[no-untyped-def]
    live_server, nurse_claire, marie_circle, home_nurse, receiver, outsider, directory
) -> None:
    claire = client_for(live_server, nurse_claire)
    service = directory["service"]
    referral = claire.resource("Task", **referral_body(marie_circle.pk, service.pk))
    referral.save()
    stored = Task.objects.get(pk=int(referral.id))
    assert stored.kind == TaskKind.REFERRAL and stored.owner_service == service
    assert stored.reason == "Pansements après la sortie" and stored.due_at is not None

    fatima = home_nurse.professional
    task = claire.resource(
        "Task",
        **{
            **referral_body(marie_circle.pk, service.pk),
            "code": {"coding": [{"system": TASK_CODE, "code": "task"}]},
            "owner": {"reference": f"Practitioner/{fatima.pk}"},
            "description": "Passer voir Mme Peeters",
        },
    )
    task.save()
    assert Task.objects.get(pk=int(task.id)).owner_user == home_nurse

    read = claire.reference("Task", referral.id).to_resource()
    assert read["status"] == "requested" and read["intent"] == "order"
    assert read["for"]["reference"] == f"Patient/{marie_circle.pk}"
    assert read["groupIdentifier"]["value"] == f"urn:uuid:{stored.group}"
    assert read["restriction"]["period"]["end"]
    assert read["reasonCode"]["text"] == "Pansements après la sortie"

    tasks = claire.resources("Task")
    both = {referral.id, task.id}
    assert ids(tasks.search(patient=f"Patient/{marie_circle.pk}").fetch()) == both
    assert ids(tasks.search(status="requested").fetch()) == both
    assert ids(tasks.search(status="completed").fetch()) == set()
    assert ids(tasks.search(owner=f"HealthcareService/{service.pk}").fetch()) == {referral.id}
    assert ids(tasks.search(owner=f"Organization/{directory['home'].pk}").fetch()) == {referral.id}
    assert ids(tasks.search(owner=f"Practitioner/{fatima.pk}").fetch()) == {task.id}
    assert ids(tasks.search(_id=task.id).fetch()) == {task.id}
    assert len(tasks.limit(1).fetch()) == 1
    assert len(tasks.limit(1).fetch_all()) == 2

    # The receiving service's team sees the referral (not the task) and answers it.
    nora = client_for(live_server, receiver)
    assert ids(nora.resources("Task").fetch()) == {referral.id}
    received = nora.reference("Task", referral.id).to_resource()
    received["status"] = "received"
    received.save()
    stored.refresh_from_db()
    assert stored.status == "received"

    # Someone with no link to the patient: the same 404 as an unknown task, and nothing listed.
    pieter = client_for(live_server, outsider)
    with pytest.raises(ResourceNotFound):
        pieter.reference("Task", referral.id).to_resource()
    assert pieter.resources("Task").fetch() == []


@pytest.mark.django_db
def test_task_update_errors(  # type: ignore[no-untyped-def]
    fhir, nurse_claire, marie_circle, receiver, outsider, directory
) -> None:
    status, created = fhir(
        "POST",
        "Task",
        user=nurse_claire,
        body=referral_body(marie_circle.pk, directory["service"].pk),
    )
    assert status == 201, created
    path = f"Task/{created['id']}"

    # The requester cannot accept its own referral: the other side's change.
    status, outcome = fhir("PUT", path, user=nurse_claire, body={**created, "status": "accepted"})
    assert status == 403 and outcome["issue"][0]["code"] == "forbidden"

    # requested → completed is not in the state machine: 409 with the translated message.
    status, outcome = fhir("PUT", path, user=receiver, body={**created, "status": "completed"})
    assert status == 409 and outcome["resourceType"] == "OperationOutcome"
    assert "« Envoyée » à « Terminée »" in outcome["issue"][0]["diagnostics"]  # translated

    # Only the status changes.
    status, outcome = fhir(
        "PUT", path, user=receiver, body={**created, "status": "received", "description": "x"}
    )
    assert status == 422

    status, outcome = fhir("PUT", path, user=outsider, body={**created, "status": "received"})
    assert status == 404
    assert Task.objects.get(pk=int(created["id"])).status == "requested"

    # A referral to an unknown service, a task without intent order: refused, nothing written.
    status, _ = fhir("POST", "Task", user=nurse_claire, body=referral_body(marie_circle.pk, 999999))
    assert status == 422
    status, _ = fhir(
        "POST",
        "Task",
        user=nurse_claire,
        body=referral_body(marie_circle.pk, directory["service"].pk, intent="plan"),
    )
    assert status == 422
    status, _ = fhir(
        "POST", "Task", user=outsider, body=referral_body(marie_circle.pk, directory["service"].pk)
    )
    assert status == 404
    assert Task.objects.count() == 1


# --- Communication -------------------------------------------------------------------------


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
def test_communication_create_read_search(  # type: ignore[no-untyped-def]
    live_server, nurse_claire, marie_circle, home_nurse, gp_luc, outsider
) -> None:
    claire = client_for(live_server, nurse_claire)
    message = claire.resource(
        "Communication",
        status="completed",
        subject={"reference": f"Patient/{marie_circle.pk}"},
        payload=[{"contentString": "Mme Peeters rentre jeudi."}],
    )
    message.save()
    assert message.id.startswith("message-")
    stored = ConversationMessage.objects.get(pk=int(message.id.split("-")[1]))
    assert stored.body == "Mme Peeters rentre jeudi." and stored.author == nurse_claire

    access = access_patient(nurse_claire, marie_circle.pk, purpose=Purpose.COORDINATION)
    transmission = transmission_send(
        access=access,
        kind="care_instructions",
        subject="Soins après la sortie",
        deliveries=[Delivery(recipient_user=home_nurse, body="Pansement tous les deux jours.")],
        acknowledge_by=timezone.now() + timedelta(days=1),
    )
    copy_id = f"transmission-{transmission.recipients.get().pk}"

    read = claire.reference("Communication", message.id).to_resource()
    assert read["payload"][0]["contentString"] == "Mme Peeters rentre jeudi."
    assert read["subject"]["reference"] == f"Patient/{marie_circle.pk}"

    fatima = client_for(live_server, home_nurse)
    copy = fatima.reference("Communication", copy_id).to_resource()
    assert copy["payload"][0]["contentString"] == "Pansement tous les deux jours."
    assert copy["topic"]["text"] == "Soins après la sortie"
    communications = fatima.resources("Communication")
    assert ids(communications.search(patient=str(marie_circle.pk)).fetch()) == {
        message.id,
        copy_id,
    }
    assert ids(communications.search(_id=copy_id).fetch()) == {copy_id}
    assert len(communications.limit(1).fetch()) == 1
    assert len(communications.limit(1).fetch_all()) == 2

    # Luc is in the circle: he reads the conversation, not a copy addressed to someone else.
    luc = client_for(live_server, gp_luc)
    assert ids(luc.resources("Communication").fetch()) == {message.id}
    with pytest.raises(ResourceNotFound):
        luc.reference("Communication", copy_id).to_resource()
    pieter = client_for(live_server, outsider)
    with pytest.raises(ResourceNotFound):
        pieter.reference("Communication", message.id).to_resource()
    assert pieter.resources("Communication").fetch() == []


@pytest.mark.django_db
def test_communication_errors(fhir, nurse_claire, marie_circle, outsider) -> None:  # type: ignore[no-untyped-def]
    body = {
        "resourceType": "Communication",
        "status": "completed",
        "subject": {"reference": f"Patient/{marie_circle.pk}"},
        "payload": [{"contentString": "Bonjour"}],
    }
    assert fhir("POST", "Communication", user=outsider, body=body)[0] == 404
    assert (
        fhir("POST", "Communication", user=nurse_claire, body={**body, "status": "preparation"})[0]
        == 422
    )
    assert (
        fhir(
            "POST",
            "Communication",
            user=nurse_claire,
            body={**body, "payload": [{"contentString": "   "}]},
        )[0]
        == 422
    )
    assert fhir("GET", "Communication/42", user=nurse_claire)[0] == 404
    assert fhir("GET", "Communication/message-999", user=nurse_claire)[0] == 404
    assert not ConversationMessage.objects.exists()


# --- QuestionnaireResponse -----------------------------------------------------------------


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
def test_questionnaire_response_create_read_search(  # type: ignore[no-untyped-def]
    live_server, nurse_claire, marie_circle, stay, outsider
) -> None:
    claire = client_for(live_server, nurse_claire)
    response = claire.resource("QuestionnaireResponse", **isar_body(marie_circle.pk, stay.pk))
    response.save()
    record = ScreeningRecord.objects.get(pk=int(response.id))
    assert record.stay == stay and record.instrument == "isar" and record.score == 3

    read = claire.reference("QuestionnaireResponse", response.id).to_resource()
    assert read["encounter"]["reference"] == f"Encounter/{stay.pk}"
    assert read["subject"]["reference"] == f"Patient/{marie_circle.pk}"
    items = {item["linkId"]: item for item in read["item"]}
    assert items["help_before"]["answer"] == [{"valueBoolean": True}]
    assert items["result.score"]["answer"] == [{"valueInteger": 3}]

    responses = claire.resources("QuestionnaireResponse")
    assert ids(responses.search(patient=f"Patient/{marie_circle.pk}").fetch()) == {response.id}
    assert ids(responses.search(questionnaire="isar").fetch()) == {response.id}
    assert ids(responses.search(questionnaire="trst").fetch()) == set()
    assert ids(responses.search(_id=response.id).fetch()) == {response.id}

    pieter = client_for(live_server, outsider)
    with pytest.raises(ResourceNotFound):
        pieter.reference("QuestionnaireResponse", response.id).to_resource()
    assert pieter.resources("QuestionnaireResponse").fetch() == []


@pytest.mark.django_db
def test_questionnaire_response_errors(  # type: ignore[no-untyped-def]
    fhir, nurse_claire, marie_circle, stay, gp_luc, outsider
) -> None:
    # An answer that is not a boolean: 422 with the instrument's message.
    body = isar_body(marie_circle.pk, stay.pk)
    body["item"][0]["answer"] = [{"valueInteger": 7}]
    status, outcome = fhir("POST", "QuestionnaireResponse", user=nurse_claire, body=body)
    assert status == 422 and "help_before" in outcome["issue"][0]["diagnostics"]
    # A missing answer, no encounter, an unknown instrument.
    body = isar_body(marie_circle.pk, stay.pk)
    del body["item"][1]
    assert fhir("POST", "QuestionnaireResponse", user=nurse_claire, body=body)[0] == 422
    body = isar_body(marie_circle.pk, None)
    assert fhir("POST", "QuestionnaireResponse", user=nurse_claire, body=body)[0] == 422
    body = {**isar_body(marie_circle.pk, stay.pk), "questionnaire": "spaceship"}
    assert fhir("POST", "QuestionnaireResponse", user=nurse_claire, body=body)[0] == 422
    # The GP sees the patient but is not the stay's hospital team.
    body = isar_body(marie_circle.pk, stay.pk)
    assert fhir("POST", "QuestionnaireResponse", user=gp_luc, body=body)[0] == 403
    assert fhir("POST", "QuestionnaireResponse", user=outsider, body=body)[0] == 404
    # Screenings are recorded during the stay.
    stay_discharge(stay=stay, actor=actor_of(nurse_claire))
    assert fhir("POST", "QuestionnaireResponse", user=nurse_claire, body=body)[0] == 422
    assert not ScreeningRecord.objects.exists()


# --- async client and the capability statement ----------------------------------------------


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
def test_async_client_on_the_new_types(  # type: ignore[no-untyped-def]
    live_server, nurse_claire, marie_circle, stay, directory
) -> None:
    authorization = f"Bearer {bearer(nurse_claire)}"

    async def run() -> tuple[Any, ...]:
        client = AsyncFHIRClient(f"{live_server.url}/fhir", authorization=authorization)
        task = client.resource("Task", **referral_body(marie_circle.pk, directory["service"].pk))
        await task.save()
        message = client.resource(
            "Communication",
            status="completed",
            subject={"reference": f"Patient/{marie_circle.pk}"},
            payload=[{"contentString": "Appel au médecin traitant fait."}],
        )
        await message.save()
        response = client.resource(
            "QuestionnaireResponse", **isar_body(marie_circle.pk, stay.pk, points=1)
        )
        await response.save()
        tasks = await client.resources("Task").search(patient=str(marie_circle.pk)).fetch()
        messages = await client.resources("Communication").search(_id=message.id).fetch()
        read = await client.reference("QuestionnaireResponse", response.id).to_resource()
        metadata = await client.execute("metadata", method="get")
        return task, tasks, messages, read, metadata

    task, tasks, messages, read, metadata = asyncio.run(run())
    assert ids(tasks) == {task.id}
    assert len(messages) == 1
    assert "/Questionnaire/isar|" in read["questionnaire"]
    types = {r["type"]: r for r in metadata["rest"][0]["resource"]}
    assert {"Task", "Communication", "QuestionnaireResponse"} <= set(types)
    assert {i["code"] for i in types["Task"]["interaction"]} >= {"read", "create", "update"}
    assert {p["name"] for p in types["Task"]["searchParam"]} >= {"patient", "status", "owner"}


@pytest.mark.django_db
def test_reads_are_audited_refusals_included(  # type: ignore[no-untyped-def]
    fhir, nurse_claire, marie_circle, stay, outsider, directory
) -> None:
    status, task = fhir(
        "POST",
        "Task",
        user=nurse_claire,
        body=referral_body(marie_circle.pk, directory["service"].pk),
    )
    assert status == 201
    status, screening = fhir(
        "POST", "QuestionnaireResponse", user=nurse_claire, body=isar_body(marie_circle.pk, stay.pk)
    )
    assert status == 201
    status, message = fhir(
        "POST",
        "Communication",
        user=nurse_claire,
        body={
            "resourceType": "Communication",
            "status": "completed",
            "subject": {"reference": f"Patient/{marie_circle.pk}"},
            "payload": [{"contentString": "Bonjour"}],
        },
    )
    assert status == 201
    reads = [
        (f"Task/{task['id']}", "referral"),
        (f"QuestionnaireResponse/{screening['id']}", "fhir-QuestionnaireResponse"),
        (f"Communication/{message['id']}", "fhir-Communication"),
    ]
    for path, what in reads:
        for user, status, outcome in (
            (nurse_claire, 200, AuditOutcome.SUCCESS),
            (outsider, 404, AuditOutcome.DENIED),
        ):
            assert fhir("GET", path, user=user)[0] == status
            row = AuditEvent.objects.order_by("-seq").first()
            assert row is not None and (row.what, row.user_id, row.outcome) == (
                what,
                user.pk,
                outcome,
            ), path
            assert row.patient_id == marie_circle.pk


@pytest.mark.django_db
def test_new_types_in_a_transaction(fhir, nurse_claire, directory) -> None:  # type: ignore[no-untyped-def]
    patient_urn = "urn:uuid:8d0c1f3a-0000-4000-8000-000000000001"
    entries: list[dict[str, Any]] = [
        {
            "resource": {
                "resourceType": "Communication",
                "status": "completed",
                "subject": {"reference": patient_urn},
                "payload": [{"contentString": "Dossier ouvert."}],
            },
            "request": {"method": "POST", "url": "Communication"},
        },
        {
            "resource": {
                **referral_body(0, directory["service"].pk),
                "for": {"reference": patient_urn},
            },
            "request": {"method": "POST", "url": "Task"},
        },
        {
            "fullUrl": patient_urn,
            "resource": {
                "resourceType": "Patient",
                "name": [{"family": "Jacobs", "given": ["Els"]}],
            },
            "request": {"method": "POST", "url": "Patient"},
        },
    ]
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    status, response = fhir("POST", "", user=nurse_claire, body=bundle)
    assert status == 200, response
    message, task, patient = (entry["resource"] for entry in response["entry"])
    assert message["subject"]["reference"] == f"Patient/{patient['id']}"
    assert Task.objects.get(pk=int(task["id"])).patient_id == int(patient["id"])

    # A refused entry (a referral to an unknown service) writes nothing, the message neither.
    entries[1]["resource"]["owner"] = {"reference": "HealthcareService/999999"}
    entries[2]["resource"]["name"] = [{"family": "Wuyts", "given": ["Jan"]}]
    status, outcome = fhir("POST", "", user=nurse_claire, body=bundle)
    assert status == 422 and outcome["resourceType"] == "OperationOutcome"
    assert ConversationMessage.objects.count() == 1 and Task.objects.count() == 1
