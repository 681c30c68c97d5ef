"""The pages in French and Dutch: the service inbox (accept in one click, decline with a reason),
the referral form from the patient page, the task page with the allowed buttons only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parcours.coordination.actions import referral_send
from parcours.coordination.models import Task, TaskEvent
from parcours.patients.models import CircleMember

pytestmark = pytest.mark.django_db


@pytest.fixture
def referrals(nadia_access, postcures, postcure_staff):  # type: ignore[no-untyped-def]
    return referral_send(
        access=nadia_access,
        services=postcures,
        need="Post-cure après sevrage",
        reason="Motivée pour trois mois.",
        due_at=timezone.now() + timedelta(days=2),
    )


def test_the_inbox_shows_the_minimum_and_marks_received(  # type: ignore[no-untyped-def]
    referrals, postcure_staff, logged_in
):
    client = logged_in(postcure_staff[0])
    page = client.get("/coordination/inbox/", HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Demandes d'orientation vers mes services" in html
    assert "Nadia" in html and "Post-cure après sevrage" in html
    assert "Accepter" in html and "Refuser" in html
    # Only the referral to this service; now received.
    assert html.count('id="task-') == 1
    referrals[0].refresh_from_db()
    assert referrals[0].status == "received"
    assert Task.objects.get(pk=referrals[1].pk).status == "requested"


def test_the_inbox_in_dutch(referrals, postcure_staff, logged_in) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(postcure_staff[1])
    html = client.get("/coordination/inbox/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Verwijzingen naar mijn diensten" in html
    assert "Aanvaarden" in html and "Weigeren" in html


def test_accept_in_one_click_from_the_inbox(  # type: ignore[no-untyped-def]
    referrals, postcure_staff, logged_in, nadia
):
    client = logged_in(postcure_staff[2])
    client.get("/coordination/inbox/")
    url = f"/coordination/tasks/{referrals[2].pk}/transition/"
    row = client.post(
        url,
        {"status": "accepted", "from": "inbox"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert row.status_code == 200
    assert 'data-status="accepted"' in row.content.decode()
    statuses = {t.pk: t.status for t in Task.objects.filter(group=referrals[0].group)}
    assert statuses == {
        referrals[0].pk: "cancelled",
        referrals[1].pk: "cancelled",
        referrals[2].pk: "accepted",
    }
    assert CircleMember.objects.filter(patient=nadia, service=referrals[2].owner_service).exists()


def test_decline_needs_a_reason(referrals, postcure_staff, logged_in) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(postcure_staff[1])
    url = f"/coordination/tasks/{referrals[1].pk}/transition/"
    refused = client.post(
        url,
        {"status": "rejected", "from": "inbox"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert (refused.status_code, refused["X-Parcours-Status"]) == (200, "400")
    assert "Geef een reden op." in refused.content.decode()
    declined = client.post(
        url,
        {"status": "rejected", "from": "inbox", "reason": "Geen plaats"},
        HTTP_HX_REQUEST="true",
    )
    assert declined.status_code == 200
    referrals[1].refresh_from_db()
    assert (referrals[1].status, referrals[1].status_reason) == ("rejected", "Geen plaats")


def test_an_illegal_transition_answers_409_and_changes_nothing(  # type: ignore[no-untyped-def]
    referrals, postcure_staff, logged_in
):
    client = logged_in(postcure_staff[0])
    url = f"/coordination/tasks/{referrals[0].pk}/transition/"
    response = client.post(
        url,
        {"status": "completed", "from": "inbox", "outcome": "x"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response["X-Parcours-Status"] == "409"
    assert "Impossible de passer" in response.content.decode()
    assert TaskEvent.objects.filter(task=referrals[0]).count() == 1


def test_the_task_page_offers_only_allowed_buttons(  # type: ignore[no-untyped-def]
    referrals, postcure_staff, claire, logged_in
):
    client = logged_in(postcure_staff[0])
    html = client.get(f"/coordination/tasks/{referrals[0].pk}/", HTTP_ACCEPT_LANGUAGE="fr")
    html = html.content.decode()
    # Received on opening; the receiving side may accept or decline, nothing else.
    buttons = sorted(part.split('"')[0] for part in html.split('name="to" value="')[1:])
    assert buttons == ["accepted", "rejected"]
    client.logout()
    client = logged_in(claire)
    html = client.get(f"/coordination/tasks/{referrals[0].pk}/").content.decode()
    buttons = sorted(part.split('"')[0] for part in html.split('name="to" value="')[1:])
    assert buttons == ["cancelled", "entered-in-error"]
    assert "Post-cure Horizon" in html  # the requester sees the parallel referrals


def test_an_unrelated_professional_gets_404(referrals, outsider, logged_in) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(outsider)
    assert client.get(f"/coordination/tasks/{referrals[0].pk}/").status_code == 404
    url = f"/coordination/tasks/{referrals[0].pk}/transition/"
    assert client.post(url, {"status": "cancelled", "reason": "x"}).status_code == 404
    assert client.get(f"/coordination/patients/{referrals[0].patient_id}/").status_code == 404
    assert "Nadia" not in client.get("/coordination/inbox/").content.decode()


def test_send_parallel_referrals_from_the_patient_page(  # type: ignore[no-untyped-def]
    nadia, postcures, claire, logged_in
):
    client = logged_in(claire)
    url = f"/coordination/patients/{nadia.pk}/"
    page = client.get(
        url, {"q": "post-cure", "target_group": "addiction"}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "Envoyer des demandes d'orientation" in html
    for service in postcures:
        assert f'value="{service.pk}"' in html
    assert "18 personnes en attente" in html  # waiting list
    assert "capacité indiquée le" in html  # freshness
    response = client.post(
        url + "?q=post-cure",
        {
            "services": [s.pk for s in postcures],
            "need": "Post-cure",
            "reason": "Après sevrage",
            "due_at": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "priority": "routine",
        },
    )
    assert response.status_code == 302
    assert Task.objects.filter(patient=nadia).count() == 3
    assert len(set(Task.objects.filter(patient=nadia).values_list("group", flat=True))) == 1
    sent = client.get("/coordination/sent/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Verstuurde verwijzingen en taken" in sent
    assert all(s.organisation.full_name in sent for s in postcures)


def test_a_referral_without_service_is_refused(nadia, claire, logged_in) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(claire)
    response = client.post(
        f"/coordination/patients/{nadia.pk}/",
        {"need": "Post-cure", "priority": "routine"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 200
    assert "Choisissez au moins un service." in response.content.decode()
    assert not Task.objects.exists()


def test_the_task_page_form_reports_a_refusal(referrals, claire, logged_in) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(claire)
    url = f"/coordination/tasks/{referrals[0].pk}/transition/"
    response = client.post(
        url, {"status": "completed", "outcome": "x"}, follow=True, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.redirect_chain[-1][0] == f"/coordination/tasks/{referrals[0].pk}/"
    assert "Impossible de passer de « Envoyée » à « Terminée »." in response.content.decode()
    cancelled = client.post(url, {"status": "cancelled", "reason": "Patiente partie"}, follow=True)
    assert cancelled.status_code == 200
    referrals[0].refresh_from_db()
    assert (referrals[0].status, referrals[0].status_reason) == ("cancelled", "Patiente partie")


def test_give_a_task_to_someone_in_the_circle(  # type: ignore[no-untyped-def]
    nadia, nadia_access, claire, outsider, logged_in, make_persona
):
    from parcours.messaging.models import Notification
    from parcours.patients.actions import MemberInput, circle_member_add
    from parcours.patients.models import MemberRole
    from tests.factories import OrganisationFactory
    from tests.patients.conftest import professional_for

    mediation = OrganisationFactory(code="mediation-test", type="health_mediation")
    ibrahim = make_persona("ibrahim", "health_mediator", mediation, first_name="Ibrahim")
    circle_member_add(
        access=access_patient_manage(claire, nadia),
        member=MemberInput(
            role=MemberRole.HEALTH_MEDIATOR,
            professional=professional_for(ibrahim, "health_mediator", mediation),
        ),
    )
    client = logged_in(claire)
    page = client.get(f"/coordination/patients/{nadia.pk}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert f'value="{ibrahim.pk}"' in page.content.decode()
    assert f'value="{outsider.pk}"' not in page.content.decode()
    url = f"/coordination/patients/{nadia.pk}/task/"
    client.post(url, {"assignee": outsider.pk, "need": "Appeler", "priority": "routine"})
    assert not Task.objects.exists()  # not in the circle
    client.post(url, {"assignee": ibrahim.pk, "need": "Appeler Nadia", "priority": "routine"})
    task = Task.objects.get()
    assert (task.kind, task.owner_user, task.status) == ("task", ibrahim, "requested")
    assert Notification.objects.filter(recipient=ibrahim, kind="task.assigned").exists()
    client.logout()
    inbox = logged_in(ibrahim).get("/coordination/inbox/").content.decode()
    assert "Appeler Nadia" in inbox


def access_patient_manage(user, patient):  # type: ignore[no-untyped-def]
    from parcours.patients.access import Purpose, access_patient

    return access_patient(user, patient.pk, purpose=Purpose.COORDINATION, manage=True)
