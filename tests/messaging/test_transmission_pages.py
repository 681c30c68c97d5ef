"""Transmission pages and JSON API over HTTP, in French and in Dutch."""

from __future__ import annotations

import pytest
from django.urls import reverse

from parcours.messaging.models import Transmission, TransmissionRecipient, TransmissionState
from parcours.messaging.transmission_actions import Delivery, transmission_send
from tests.messaging.transmission_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(sender_access, circle, deadline):  # type: ignore[no-untyped-def]
    return transmission_send(
        access=sender_access,
        kind="care_instructions",
        subject="Soins de plaie",
        deliveries=[
            Delivery(circle_member=circle["gp"], body="Pansement tous les deux jours."),
            Delivery(circle_member=circle["nurse"], body="Pansement : voir fiche."),
            Delivery(circle_member=circle["jan"], body="Zorg voor de wonde.", language="nl"),
        ],
        acknowledge_by=deadline,
    )


def page(client, url, language="fr", **kwargs):  # type: ignore[no-untyped-def]
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language, **kwargs)


def test_inbox_lists_what_to_acknowledge_in_french_and_dutch(sent, logged_in, gp_luc) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(gp_luc)
    french = page(client, reverse("transmissions:inbox")).content.decode()
    assert "Transmissions à accuser réception" in french or "à confirmer" in french
    assert "Soins de plaie" in french and "Marie Peeters" in french
    assert 'data-nav-count="transmissions:inbox">1</span>' in french
    dutch = page(client, reverse("transmissions:inbox"), "nl").content.decode()
    assert "Te bevestigen" in dutch
    assert "Soins de plaie" in dutch


def test_the_recipient_page_marks_read_and_acknowledges_in_one_click(  # type: ignore[no-untyped-def]
    sent, logged_in, gp_luc
) -> None:
    client = logged_in(gp_luc)
    response = page(client, reverse("transmissions:detail", args=[sent.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Pansement tous les deux jours." in body
    assert "voir fiche" not in body, "only the GP's own view"
    copy = TransmissionRecipient.objects.get(transmission=sent, user=gp_luc)
    assert copy.state == TransmissionState.READ

    url = reverse("transmissions:acknowledge", args=[sent.pk, copy.pk])
    response = client.post(url, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 200
    assert "Bevestigd" in response.content.decode()
    copy.refresh_from_db()
    assert copy.state == TransmissionState.ACKNOWLEDGED and copy.acknowledged_by == gp_luc


def test_another_user_gets_404_and_changes_nothing(  # type: ignore[no-untyped-def]
    sent, logged_in, home_nurse, outsider
) -> None:
    gp_copy = TransmissionRecipient.objects.get(transmission=sent, user__username="luc")
    for intruder in (home_nurse, outsider):
        client = logged_in(intruder)
        url = reverse("transmissions:acknowledge", args=[sent.pk, gp_copy.pk])
        assert client.post(url).status_code == 404
        if intruder == outsider:
            assert page(client, reverse("transmissions:detail", args=[sent.pk])).status_code == 404
            assert page(client, reverse("transmissions:follow", args=[sent.pk])).status_code == 404
    gp_copy.refresh_from_db()
    assert gp_copy.state == TransmissionState.SENT


def test_the_sender_follows_each_recipient_and_records_a_hand_over(  # type: ignore[no-untyped-def]
    sent, logged_in, nurse_claire
) -> None:
    client = logged_in(nurse_claire)
    response = page(client, reverse("transmissions:follow", args=[sent.pk]), "nl")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Luc Martin" in body and "Jan Peeters" in body
    assert f'data-live-topic="transmission-{sent.pk}"' in body
    assert "Verzonden" in body
    jan = sent.recipients.get(circle_member__person_name="Jan Peeters")
    client.post(
        reverse("transmissions:hand_over", args=[sent.pk, jan.pk]),
        {"note": "Telefonisch voorgelezen"},
    )
    jan.refresh_from_db()
    assert jan.state == TransmissionState.ACKNOWLEDGED and jan.acknowledged_on_behalf
    assert (
        "Telefonisch voorgelezen"
        in page(client, reverse("transmissions:follow", args=[sent.pk])).content.decode()
    )


def test_patient_block_and_send_form(  # type: ignore[no-untyped-def]
    logged_in, nurse_claire, marie, circle
) -> None:
    client = logged_in(nurse_claire)
    detail = page(client, reverse("patients:detail", args=[marie.pk])).content.decode()
    assert reverse("transmissions:patient", args=[marie.pk]) in detail
    form = page(client, reverse("transmissions:send", args=[marie.pk])).content.decode()
    assert "Envoyer une transmission" in form
    assert "Luc Martin" in form
    assert "ne souhaite pas" in form, "the excluded GP is listed with the reason"

    response = client.post(
        reverse("transmissions:send", args=[marie.pk]),
        {
            "kind": "medication_changes",
            "subject": "Arrêt du furosémide",
            "body": "Furosémide arrêté le 12/03.",
            "recipients": [circle["gp"].pk, circle["nurse"].pk],
            "acknowledge_by": "2099-01-01T12:00",
        },
    )
    transmission = Transmission.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("transmissions:follow", args=[transmission.pk])
    assert transmission.recipients.count() == 2

    block = page(client, reverse("transmissions:patient", args=[marie.pk]), "nl")
    assert "Arrêt du furosémide" in block.content.decode()
    assert "0 van 2 bevestigd" in block.content.decode()


def test_send_form_refuses_a_member_who_sees_only_non_medical(  # type: ignore[no-untyped-def]
    logged_in, nurse_claire, marie, circle
) -> None:
    client = logged_in(nurse_claire)
    response = client.post(
        reverse("transmissions:send", args=[marie.pk]),
        {
            "kind": "medication_changes",
            "subject": "Arrêt du furosémide",
            "body": "Furosémide arrêté.",
            "recipients": [circle["gp"].pk, circle["home_help"].pk],
            "acknowledge_by": "2099-01-01T12:00",
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 200
    assert "non médicales" in response.content.decode()
    assert not Transmission.objects.exists()


def test_api_list_get_acknowledge_and_sent(  # type: ignore[no-untyped-def]
    sent, logged_in, gp_luc, nurse_claire, outsider
) -> None:
    client = logged_in(gp_luc)
    listing = client.get("/api/transmissions/to-acknowledge").json()
    assert [item["id"] for item in listing] == [sent.pk]
    assert listing[0]["patient"]["name"] == "Marie Peeters"
    one = client.get(f"/api/transmissions/{sent.pk}").json()
    assert [c["body"] for c in one["copies"]] == ["Pansement tous les deux jours."]
    assert one["copies"][0]["state"] == "read"
    done = client.post(
        f"/api/transmissions/{sent.pk}/acknowledge", {"note": "ok"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["copies"][0]["state"] == "acknowledged"
    assert client.get("/api/transmissions/to-acknowledge").json() == []

    states = logged_in(nurse_claire).get("/api/transmissions/sent").json()
    by_name = {r["name"]: r["state"] for r in states[0]["recipients"]}
    assert by_name["Luc Martin"] == "acknowledged"
    assert by_name["Jan Peeters"] == "sent"

    stranger = logged_in(outsider)
    assert stranger.get(f"/api/transmissions/{sent.pk}").status_code == 404
    refused = stranger.post(
        f"/api/transmissions/{sent.pk}/acknowledge", {}, content_type="application/json"
    )
    assert refused.status_code == 404


def test_the_patient_block_of_a_non_medical_member_lists_only_their_own(  # type: ignore[no-untyped-def]
    sent, sender_access, circle, deadline, logged_in, home_help, marie
) -> None:
    transmission_send(
        access=sender_access,
        kind="other",
        subject="Passage aide familiale",
        deliveries=[Delivery(circle_member=circle["home_help"], body="Mardi et vendredi.")],
        acknowledge_by=deadline,
    )
    block = page(logged_in(home_help), reverse("transmissions:patient", args=[marie.pk]))
    assert "Passage aide familiale" in block.content.decode()
    assert "Soins de plaie" not in block.content.decode()


def test_a_recipient_excluded_after_sending_no_longer_sees_it(  # type: ignore[no-untyped-def]
    sent, logged_in, gp_luc, nurse_claire, marie
) -> None:
    from parcours.patients.models import Exclusion

    Exclusion.objects.create(
        patient=marie, professional=gp_luc.professional, created_by=nurse_claire
    )
    client = logged_in(gp_luc)
    assert client.get("/api/transmissions/to-acknowledge").json() == []
    assert page(client, reverse("transmissions:detail", args=[sent.pk])).status_code == 404
    assert client.get(f"/api/transmissions/{sent.pk}").status_code == 404


def test_the_api_schema_documents_transmissions(logged_in, gp_luc) -> None:  # type: ignore[no-untyped-def]
    paths = logged_in(gp_luc).get("/api/openapi.json").json()["paths"]
    assert "/api/transmissions/{pk}/acknowledge" in paths
    assert "/api/transmissions/to-acknowledge" in paths
