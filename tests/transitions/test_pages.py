"""The stay page, its forms, the protocol configuration page and the stays JSON API, over HTTP."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from parcours.accounts.models import Role, TOTPDevice
from parcours.messaging.models import Notification
from parcours.transitions.actions import stay_admit
from parcours.transitions.models import (
    LiaisonProtocol,
    PlanItemStatus,
    ProtocolItem,
    ScreeningTrigger,
    StayStatus,
)
from tests.factories import UserFactory
from tests.transitions.conftest import ADMITTED, EXPECTED, FEED

pytestmark = pytest.mark.django_db

ISAR_4 = {
    "help_before": True,
    "help_since": True,
    "hospitalized_6m": True,
    "vision_impaired": False,
    "memory_problems": True,
    "polypharmacy": False,
}


@pytest.fixture
def stay(marie, hospital, ward, hospital_protocol):  # type: ignore[no-untyped-def]
    return stay_admit(
        patient=marie,
        hospital=hospital,
        ward=ward,
        admitted_at=ADMITTED,
        expected_discharge_at=EXPECTED,
        actor=FEED,
    )


def in_language(client: Client, language: str) -> Client:
    client.cookies["django_language"] = language
    return client


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", ["Plan de sortie", "Référent·e parcours complexe", "Dépistages"]),
        ("nl", ["Ontslagplan", "Referent complex zorgtraject", "Screenings"]),
        ("en", ["Discharge plan", "Complex-pathway referent", "Screenings"]),
    ],
)
def test_stay_page_in_each_language(  # type: ignore[no-untyped-def]
    logged_in, nurse_claire, stay, language, expected
) -> None:
    client = in_language(logged_in(nurse_claire), language)
    response = client.get(f"/stays/{stay.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    for text in expected:
        assert text in page, text
    # Protocol labels in the reader's language.
    label = {"fr": "Envoyer la lettre de liaison", "nl": "verbindingsbrief", "en": "liaison letter"}
    assert label[language] in page
    # Friday 17:00: the weekend guard shows.
    warning = {
        "fr": "vendredi après-midi",
        "nl": "vrijdagnamiddag",
        "en": "Friday afternoon",
    }
    assert warning[language] in page


def test_unrelated_professionals_get_404(  # type: ignore[no-untyped-def]
    logged_in, stay, other_hospital_nurse, outsider
) -> None:
    for user in (other_hospital_nurse, outsider):
        client = logged_in(user)
        assert client.get(f"/stays/{stay.pk}/").status_code == 404
        assert client.get(f"/api/stays/{stay.pk}/plan").status_code == 404
        response = client.post(
            f"/api/stays/{stay.pk}/screenings",
            data=json.dumps({"instrument": "isar", "answers": ISAR_4}),
            content_type="application/json",
        )
        assert response.status_code == 404
    assert logged_in(outsider).get("/stays/999999/").status_code == 404


def test_ward_nurse_reaches_the_stay(logged_in, stay, ward_nurse) -> None:  # type: ignore[no-untyped-def]
    assert logged_in(ward_nurse).get(f"/stays/{stay.pk}/").status_code == 200


def test_status_button_with_htmx(logged_in, nurse_claire, stay) -> None:  # type: ignore[no-untyped-def]
    item = stay.plan_items.get(code="gp-informed")
    client = in_language(logged_in(nurse_claire), "nl")
    response = client.post(
        f"/stays/{stay.pk}/items/{item.pk}/status/", {"status": "done"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert f'id="plan-item-{item.pk}"' in response.content.decode()
    assert "Gedaan" in response.content.decode()
    item.refresh_from_db()
    assert item.status == PlanItemStatus.DONE and item.done_by == nurse_claire


def test_referent_expected_discharge_and_discharge_forms(  # type: ignore[no-untyped-def]
    logged_in, nurse_claire, stay, hospital
) -> None:
    nadia = UserFactory(username="nadia", role=Role.COMPLEX_PATHWAY_REFERENT, organisation=hospital)
    client = logged_in(nurse_claire)
    response = client.post(f"/stays/{stay.pk}/referent/", {"referent": nadia.pk})
    assert response.status_code == 302
    stay.refresh_from_db()
    assert stay.referent == nadia
    assert Notification.objects.filter(recipient=nadia, kind="stay.referent_assigned").exists()
    client.post(
        f"/stays/{stay.pk}/expected-discharge/", {"expected_discharge_at": "2026-03-05T11:00"}
    )
    stay.refresh_from_db()
    assert stay.expected_discharge_at is not None and stay.expected_discharge_at.day == 5
    page = in_language(client, "fr").get(f"/stays/{stay.pk}/").content.decode()
    assert "Sortie prévue modifiée · 05/03/2026 11:00" in page  # the timeline
    client.post(
        f"/stays/{stay.pk}/discharge/",
        {"discharged_at": "2026-03-05T11:30", "destination": "home_with_services"},
    )
    stay.refresh_from_db()
    assert stay.status == StayStatus.DISCHARGED and stay.destination == "home_with_services"
    assert stay.plan_items.filter(code="day-2-call").exists()


def test_manual_item_form(logged_in, nurse_claire, stay) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(nurse_claire).post(
        f"/stays/{stay.pk}/items/",
        {"label": "Commander un lit médicalisé", "phase": "before_discharge"},
    )
    assert response.status_code == 302
    assert stay.plan_items.filter(source="manual").count() == 1


def test_screening_form_generated_from_the_instrument(  # type: ignore[no-untyped-def]
    logged_in, nurse_claire, stay
) -> None:
    client = in_language(logged_in(nurse_claire), "fr")
    page = client.get(f"/stays/{stay.pk}/screenings/trst/").content.decode()
    assert "Notation pas encore validée" in page  # TRST is not validated
    assert 'name="trst-cognitive_impairment"' in page
    data = {f"isar-{key}": "true" if value else "false" for key, value in ISAR_4.items()}
    response = client.post(f"/stays/{stay.pk}/screenings/isar/", data)
    assert response.status_code == 302
    record = stay.screenings.get()
    assert record.score == 4 and record.band == "at_risk"
    assert stay.plan_items.filter(code="geriatric-assessment").exists()
    page = client.get(f"/stays/{stay.pk}/").content.decode()
    assert "McCusker" in page  # the source citation
    assert "À risque" in page  # the band in French
    # An incomplete form stores nothing.
    del data["isar-polypharmacy"]
    response = client.post(f"/stays/{stay.pk}/screenings/isar/", data)
    assert response.status_code == 200 and stay.screenings.count() == 1


def test_api_records_a_screening_and_returns_the_plan(  # type: ignore[no-untyped-def]
    logged_in, nurse_claire, stay
) -> None:
    client = logged_in(nurse_claire)
    response = client.post(
        f"/api/stays/{stay.pk}/screenings",
        data=json.dumps({"instrument": "isar", "answers": ISAR_4}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["score"], body["band"], body["positive"]) == (4, "at_risk", True)
    assert [item["code"] for item in body["plan_items"]] == ["geriatric-assessment"]
    response = client.post(
        f"/api/stays/{stay.pk}/screenings",
        data=json.dumps({"instrument": "isar", "answers": {"help_before": True}}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "polypharmacy" in response.json()["missing"]
    response = client.post(
        f"/api/stays/{stay.pk}/screenings",
        data=json.dumps({"instrument": "brass", "answers": {}}),
        content_type="application/json",
    )
    assert response.status_code == 404
    plan = client.get(f"/api/stays/{stay.pk}/plan").json()
    assert plan["weekend_or_friday_afternoon_discharge"] is True
    assert "geriatric-assessment" in {item["code"] for item in plan["items"]}
    listed = client.get(f"/api/stays/{stay.pk}/screenings").json()
    assert listed[0]["citation"].startswith("McCusker")
    fhir = client.get(
        f"/api/stays/{stay.pk}/screenings/{listed[0]['id']}/questionnaire-response"
    ).json()
    assert fhir["resourceType"] == "QuestionnaireResponse" and fhir["status"] == "completed"
    answers = {item["linkId"]: item.get("answer") for item in fhir["item"]}
    assert answers["help_before"] == [{"valueBoolean": True}]
    assert answers["result.score"] == [{"valueInteger": 4}]
    assert answers["result.band"][0]["valueCoding"]["code"] == "at_risk"
    missing = f"/api/stays/{stay.pk}/screenings/999999/questionnaire-response"
    assert client.get(missing).status_code == 404


@pytest.fixture
def hospital_admin(hospital):  # type: ignore[no-untyped-def]
    """Odile, organisation administrator of CHU Test (with two-factor set up)."""
    user = UserFactory(username="odile", role=Role.ORGANISATION_ADMIN, organisation=hospital)
    TOTPDevice.objects.create(user=user, secret="JBSWY3DPEHPK3PXP", confirmed_at=timezone.now())
    return user


def test_protocol_configuration(logged_in, hospital, ward, hospital_admin, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    from parcours.accounts.navigation import items_for

    assert "transitions:protocol_hospitals" in {i.url_name for i in items_for(hospital_admin.roles)}
    assert "transitions:protocol_hospitals" not in {
        i.url_name for i in items_for(nurse_claire.roles)
    }
    assert logged_in(nurse_claire).get(f"/stays/protocols/{hospital.pk}/").status_code == 404
    client = in_language(logged_in(hospital_admin), "nl")
    response = client.get("/stays/protocols/")
    assert response.status_code == 302 and response.url == f"/stays/protocols/{hospital.pk}/"
    response = client.post(
        f"/stays/protocols/{hospital.pk}/new/",
        {"name": "Geriatrie", "ward": ward.pk, "default": "1"},
    )
    assert response.status_code == 302
    protocol = LiaisonProtocol.objects.get(ward=ward)
    assert protocol.items.filter(code="geriatric-assessment").exists()
    page = client.get(f"/stays/protocols/{hospital.pk}/").content.decode()
    assert "Liaisonprotocollen" in page and "Geriatrisch assessment" in page
    response = client.post(
        f"/stays/protocols/{hospital.pk}/{protocol.pk}/items/new/",
        {
            "label_fr": "Bilan kiné",
            "label_nl": "Kinesitherapeutisch bilan",
            "anchor": "expected_discharge",
            "offset_days": "-2",
            "phase": "before_discharge",
            "order": "5",
        },
    )
    assert response.status_code == 302
    item = ProtocolItem.objects.get(label__nl="Kinesitherapeutisch bilan")
    assert item.offset_days == -2
    client.post(f"/stays/protocols/{hospital.pk}/{protocol.pk}/items/{item.pk}/", {"remove": "1"})
    assert not ProtocolItem.objects.filter(pk=item.pk).exists()
    response = client.post(
        f"/stays/protocols/{hospital.pk}/triggers/new/",
        {
            "instrument": "cfs",
            "condition": "score>=",
            "label_fr": "Avis gériatrique",
            "anchor": "admission",
            "offset_days": "1",
            "phase": "before_discharge",
            "order": "0",
        },
    )
    assert response.status_code == 200  # refused: the condition does not parse
    assert not ScreeningTrigger.objects.filter(instrument="cfs").exists()
    response = client.post(
        f"/stays/protocols/{hospital.pk}/triggers/new/",
        {
            "instrument": "cfs",
            "condition": "score>=5",
            "label_fr": "Avis gériatrique",
            "anchor": "admission",
            "offset_days": "1",
            "phase": "before_discharge",
            "order": "0",
        },
    )
    assert response.status_code == 302
    assert ScreeningTrigger.objects.get(instrument="cfs").condition == "score>=5"


def test_unrelated_professionals_cannot_write(  # type: ignore[no-untyped-def]
    logged_in, stay, other_hospital_nurse
) -> None:
    item = stay.plan_items.get(code="gp-informed")
    client = logged_in(other_hospital_nurse)
    posts = [
        (f"/stays/{stay.pk}/items/{item.pk}/status/", {"status": "done"}),
        (f"/stays/{stay.pk}/referent/", {"referent": other_hospital_nurse.pk}),
        (f"/stays/{stay.pk}/expected-discharge/", {"expected_discharge_at": "2026-03-05T11:00"}),
        (
            f"/stays/{stay.pk}/discharge/",
            {"discharged_at": "2026-03-05T11:00", "destination": "home"},
        ),
        (f"/stays/{stay.pk}/items/", {"label": "x", "phase": "before_discharge"}),
        (f"/stays/{stay.pk}/screenings/isar/", {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    item.refresh_from_db()
    stay.refresh_from_db()
    assert item.status == PlanItemStatus.TODO and stay.status == StayStatus.OPEN
    assert stay.referent is None


def test_circle_gp_sees_the_plan_but_cannot_change_the_stay(  # type: ignore[no-untyped-def]
    logged_in, stay, manage, luc
) -> None:
    from parcours.patients.actions import MemberInput, circle_member_add
    from parcours.patients.models import MemberRole
    from tests.patients.conftest import professional_for

    professional = professional_for(luc, "gp", luc.memberships.first().organisation)
    circle_member_add(
        access=manage, member=MemberInput(role=MemberRole.GP, professional=professional)
    )
    client = in_language(logged_in(luc), "en")
    page = client.get(f"/stays/{stay.pk}/").content.decode()
    assert "Tell the GP about the admission" in page  # the plan is shared with the circle
    assert 'name="status"' not in page  # but its hospital items are not the GP's to tick
    response = client.post(
        f"/stays/{stay.pk}/discharge/", {"discharged_at": "2026-03-05T11:00", "destination": "home"}
    )
    assert response.status_code == 403
    response = client.post(
        f"/api/stays/{stay.pk}/screenings",
        data=json.dumps({"instrument": "isar", "answers": ISAR_4}),
        content_type="application/json",
    )
    assert response.status_code == 403


def test_trigger_for_one_ward(logged_in, hospital, ward, hospital_admin) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(hospital_admin)
    response = client.post(
        f"/stays/protocols/{hospital.pk}/triggers/new/",
        {
            "instrument": "cfs",
            "condition": "band=frail",
            "ward": ward.pk,
            "label_nl": "Geriatrisch advies",
            "anchor": "admission",
            "offset_days": "1",
            "phase": "before_discharge",
            "order": "0",
        },
    )
    assert response.status_code == 302
    assert ScreeningTrigger.objects.get(instrument="cfs").ward == ward
