"""Follow-up pages over HTTP, in French and Dutch, and the 404 for an unrelated professional."""

from __future__ import annotations

import asyncio

import pytest

from parcours.transitions.aftercare_models import Contact, Refusal, WatchEntry
from tests.factories import OrganisationFactory


@pytest.mark.parametrize(
    ("language", "title", "flag"),
    [
        ("fr", "Liste de veille", "Rupture de suivi"),
        ("nl", "Opvolgingslijst", "Onderbroken opvolging"),
    ],
)
def test_watch_list_page_in_french_and_dutch(
    logged_in, outreach_worker, watched, language, title, flag
):  # type: ignore[no-untyped-def]
    page = logged_in(outreach_worker).get("/followup/watch/", HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    text = page.content.decode()
    assert title in text and flag in text and "Marie Peeters" in text
    assert f"/followup/patients/{watched.patient_id}/" in text


def test_watch_list_shows_only_my_organisations(logged_in, outsider, watched):  # type: ignore[no-untyped-def]
    page = logged_in(outsider).get("/followup/watch/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    assert "Marie Peeters" not in page.content.decode()


def test_record_a_contact_from_the_watch_list_clears_the_flag(
    logged_in, outreach_worker, low_threshold, watched
):  # type: ignore[no-untyped-def]
    client = logged_in(outreach_worker)
    response = client.post(
        f"/followup/patients/{watched.patient_id}/contacts/",
        {"channel": "visit", "note": "Passé à l'accueil", "next": "watch"},
    )
    assert response.status_code == 302 and response["Location"] == "/followup/watch/"
    contact = Contact.objects.get()
    assert (contact.by_user, contact.by_organisation, contact.channel) == (
        outreach_worker,
        low_threshold,
        "visit",
    )
    watched.refresh_from_db()
    assert watched.broken_follow_up_flagged_at is None


def test_patient_followup_page_records_a_refusal_in_dutch(logged_in, nurse_claire, manage):  # type: ignore[no-untyped-def]
    client = logged_in(nurse_claire)
    url = f"/followup/patients/{manage.patient.pk}/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="nl")
    assert page.status_code == 200
    assert "Opvolging na ontslag" in page.content.decode()
    response = client.post(
        url + "refusals/",
        {"offered": "Gezinszorg", "refused_by": "patient", "reason": "Wil niemand thuis"},
    )
    assert response.status_code == 302
    refusal = Refusal.objects.get()
    assert (refusal.offered, refusal.refused_by, refusal.recorded_by) == (
        "Gezinszorg",
        "patient",
        nurse_claire,
    )
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    text = page.content.decode()
    assert "Gezinszorg" in text and "Le patient" in text


def test_the_referent_starts_a_watch_over_http(
    logged_in, nurse_claire, manage, low_threshold, outreach_worker
):  # type: ignore[no-untyped-def]
    from parcours.patients.actions import MemberInput, circle_member_add
    from parcours.patients.models import MemberRole

    circle_member_add(
        access=manage,
        member=MemberInput(role=MemberRole.CASE_MANAGER, organisation=low_threshold),
    )
    client = logged_in(nurse_claire)
    response = client.post(
        f"/followup/patients/{manage.patient.pk}/watch/",
        {"organisation": low_threshold.pk, "reason": "Sortie sans domicile"},
    )
    assert response.status_code == 302
    entry = WatchEntry.objects.get()
    assert entry.organisation == low_threshold and entry.reason == "Sortie sans domicile"


def test_invalid_contact_is_shown_again_with_the_error(logged_in, nurse_claire, manage):  # type: ignore[no-untyped-def]
    response = logged_in(nurse_claire).post(
        f"/followup/patients/{manage.patient.pk}/contacts/",
        {"channel": "pigeon"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 400
    assert not Contact.objects.exists()


def test_an_unrelated_professional_gets_404(logged_in, outsider, watched):  # type: ignore[no-untyped-def]
    client = logged_in(outsider)
    base = f"/followup/patients/{watched.patient_id}/"
    assert client.get(base).status_code == 404
    assert client.post(base + "contacts/", {"channel": "phone"}).status_code == 404
    assert (
        client.post(base + "refusals/", {"offered": "x", "refused_by": "patient"}).status_code
        == 404
    )
    assert client.post(f"/followup/watch/{watched.pk}/end/", {"reason": "x"}).status_code == 404
    assert client.get("/followup/patients/999999/").status_code == 404
    assert not Contact.objects.exists() and not Refusal.objects.exists()
    watched.refresh_from_db()
    assert watched.ended_at is None


def test_end_watching_over_http(logged_in, outreach_worker, watched):  # type: ignore[no-untyped-def]
    response = logged_in(outreach_worker).post(
        f"/followup/watch/{watched.pk}/end/", {"reason": "Admise en post-cure", "next": "watch"}
    )
    assert response.status_code == 302
    watched.refresh_from_db()
    assert watched.end_reason == "Admise en post-cure"


def test_reactivate_help_over_http(logged_in, outreach_worker, watched):  # type: ignore[no-untyped-def]
    response = logged_in(outreach_worker).post(
        f"/followup/watch/{watched.pk}/reactivate/",
        {"help_given": "Repas à domicile", "channel": "phone"},
    )
    assert response.status_code == 302
    assert Contact.objects.get().kind == "help_reactivated"


def test_a_refusal_names_a_directory_service_of_the_circle(logged_in, nurse_claire, manage):  # type: ignore[no-untyped-def]
    from parcours.directory.models import Service
    from parcours.patients.actions import MemberInput, circle_member_add
    from parcours.patients.models import MemberRole

    home_help = OrganisationFactory(code="aide-test", type="home_help")
    circle_member_add(
        access=manage, member=MemberInput(role=MemberRole.HOME_HELP, organisation=home_help)
    )
    offered = Service.objects.create(
        organisation=home_help,
        name={"fr": "Aide familiale", "nl": "Gezinszorg"},
        category="home_help",
    )
    elsewhere = Service.objects.create(
        organisation=OrganisationFactory(code="aide-ailleurs", type="home_help"),
        name={"fr": "Aide ailleurs"},
        category="home_help",
    )
    client = logged_in(nurse_claire)
    url = f"/followup/patients/{manage.patient.pk}/refusals/"
    refused = client.post(url, {"service": elsewhere.pk, "refused_by": "caregiver"})
    assert refused.status_code == 400 and not Refusal.objects.exists()
    assert client.post(url, {"refused_by": "patient"}).status_code == 400
    response = client.post(url, {"service": offered.pk, "refused_by": "caregiver"})
    assert response.status_code == 302
    refusal = Refusal.objects.get()
    assert (refusal.service, refusal.offered, refusal.refused_by) == (
        offered,
        "Aide familiale",
        "caregiver",
    )


def test_a_contact_refreshes_the_open_watch_lists_of_the_watching_team(
    logged_in, outreach_worker, watched, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from parcours.live import user_group

    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(outreach_worker.pk), channel)
    client = logged_in(outreach_worker)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/followup/patients/{watched.patient_id}/contacts/", {"channel": "phone"})

    async def topics() -> list[str]:
        received = []
        while True:
            try:
                message = await asyncio.wait_for(layer.receive(channel), timeout=0.5)
            except TimeoutError:
                return received
            received.append(message["event"]["topic"])

    events = async_to_sync(topics)()
    assert "watch-list" in events
    table = client.get("/followup/watch/", HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="nl")
    text = table.content.decode()
    assert text.lstrip().startswith("<table") and "In contact" in text
