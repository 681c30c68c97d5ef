"""The liaison letter page over HTTP, in French and in Dutch: draft, preview, send, versions,
the patient's printable copy and its hand-over."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from parcours.messaging.models import Transmission
from parcours.transitions.letter_models import LetterDraft, LiaisonLetter
from tests.transitions.letter_fixtures import *  # noqa: F403
from tests.transitions.letter_fixtures import DIAGNOSIS, MEDICATION, PLAIN_SUMMARY

pytestmark = pytest.mark.django_db


def url(stay, name="page", *args):  # type: ignore[no-untyped-def]
    return reverse(f"transitions:letter:{name}", args=[stay.pk, *args])


def test_the_letter_page_in_french_and_dutch(stay, logged_in, nurse_claire, circle) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(nurse_claire)
    french = client.get(url(stay), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Lettre de liaison" in french
    assert "Enregistrer le brouillon" in french and "Envoyer la lettre" in french
    assert "pas encore envoyée" in french
    assert PLAIN_SUMMARY in french, "the patient's own copy is the first preview"
    assert "Koen Claes soit informé" in french, "the excluded GP is named as refused"

    dutch = client.get(url(stay), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Verbindingsbrief" in dutch and "Concept opslaan" in dutch


def test_preview_shows_the_view_of_the_chosen_recipient(
    stay, logged_in, nurse_claire, circle
) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(nurse_claire)
    gp = client.get(url(stay), {"preview": circle["gp"].pk}).content.decode()
    assert DIAGNOSIS in gp and "ISAR" in gp
    home_help = client.get(url(stay), {"preview": circle["home_help"].pk}).content.decode()
    body = home_help.split('id="letter-preview"')[1].split("</section>")[0]
    assert DIAGNOSIS not in body and MEDICATION not in body and "ISAR" not in body
    jan = client.get(url(stay), {"preview": circle["jan"].pk}).content.decode()
    assert 'lang="nl"' in jan


def test_save_the_draft_then_send_and_follow(stay, logged_in, nurse_claire, circle) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(nurse_claire)
    response = client.post(
        url(stay, "draft"),
        {
            "reason": DIAGNOSIS,
            "care_instructions": "Soins de plaie",
            "medication_changes": "Paracétamol 1 g si douleur",
            "non_medical_notes": "",
            "plain_summary": "Tout va bien.",
        },
    )
    assert response.status_code == 302
    assert LetterDraft.objects.get(stay=stay).medication_changes == "Paracétamol 1 g si douleur"

    deadline = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        url(stay, "send"),
        {
            "acknowledge_by": deadline,
            "recipients": [circle["gp"].pk, circle["jan"].pk],
            "include_patient": "on",
        },
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert response.status_code == 302
    letter = LiaisonLetter.objects.get(stay=stay)
    assert letter.transmission.recipients.count() == 2
    page = client.get(url(stay), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Versie 1" in page and "vóór het ontslag" in page
    assert reverse("transmissions:follow", args=[letter.transmission_id]) in page

    partial = client.get(url(stay, "version", 1), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'data-live-topic="transmission-' in partial and "Luc Martin" in partial
    assert "Jan Peeters" in partial and "Envoyé" in partial

    printable = client.get(url(stay, "patient_copy", 1))
    assert printable.status_code == 200
    assert "Tout va bien." in printable.content.decode()
    assert 'lang="fr"' in printable.content.decode()

    response = client.post(url(stay, "hand_over", 1), {"note": "Lue avec la patiente"})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.patient_hand_over_note == "Lue avec la patiente"


def test_sending_to_nobody_or_to_an_excluded_gp_is_refused(
    stay, logged_in, nurse_claire, circle
) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(nurse_claire)
    deadline = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url(stay, "send"), {"acknowledge_by": deadline, "recipients": []})
    assert response.status_code == 400
    response = client.post(
        url(stay, "send"), {"acknowledge_by": deadline, "recipients": [circle["koen"].pk]}
    )
    assert response.status_code == 400, "the excluded GP is not even a choice"
    assert not Transmission.objects.exists()


def test_only_the_hospital_team_opens_the_letter_page(stay, logged_in, gp_luc, outsider) -> None:  # type: ignore[no-untyped-def]
    assert logged_in(gp_luc).get(url(stay)).status_code == 404
    assert logged_in(outsider).get(url(stay)).status_code == 404
    assert logged_in(outsider).post(url(stay, "draft"), {}).status_code == 404


def test_the_stay_page_links_to_the_letter(stay, logged_in, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    page = logged_in(nurse_claire).get(reverse("transitions:stay", args=[stay.pk]))
    assert url(stay) in page.content.decode()
    assert "Rédiger et envoyer la lettre" in page.content.decode()
