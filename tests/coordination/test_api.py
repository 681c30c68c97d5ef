"""JSON API: list, get, create referrals; the transition endpoint answers 409 with a translated
message on an illegal change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parcours.coordination.models import Task

pytestmark = pytest.mark.django_db


def _send(client, nadia, services):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/coordination/referrals",
        {
            "patient_id": nadia.pk,
            "service_ids": [s.pk for s in services],
            "need": "Post-cure",
            "reason": "Après sevrage",
            "due_at": (timezone.now() + timedelta(days=2)).isoformat(),
        },
        content_type="application/json",
    )


def test_create_list_get_and_answer(  # type: ignore[no-untyped-def]
    nadia, postcures, postcure_staff, claire, logged_in
):
    client = logged_in(claire)
    created = _send(client, nadia, postcures)
    assert created.status_code == 201, created.content
    ids = [row["id"] for row in created.json()]
    assert len(ids) == 3
    sent = client.get("/api/coordination/referrals", {"box": "sent"}).json()
    assert {row["id"] for row in sent} == set(ids)
    detail = client.get(f"/api/coordination/referrals/{ids[0]}").json()
    assert detail["side"] == "requester"
    assert detail["allowed_transitions"] == ["cancelled", "entered-in-error"]
    assert [e["to_status"] for e in detail["events"]] == ["requested"]

    client.logout()
    client = logged_in(postcure_staff[1])
    inbox = client.get("/api/coordination/referrals").json()
    assert [row["id"] for row in inbox] == [ids[1]]
    detail = client.get(f"/api/coordination/referrals/{ids[1]}").json()
    assert detail["status"] == "received"  # opened by the receiving side
    accepted = client.post(
        f"/api/coordination/referrals/{ids[1]}/transition",
        {"status": "accepted"},
        content_type="application/json",
    )
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert set(Task.objects.filter(pk__in=[ids[0], ids[2]]).values_list("status", flat=True)) == {
        "cancelled"
    }


def test_illegal_transition_is_409_with_a_translated_message(  # type: ignore[no-untyped-def]
    nadia, postcures, postcure_staff, claire, logged_in
):
    client = logged_in(claire)
    task_id = _send(client, nadia, postcures[:1]).json()[0]["id"]
    client.logout()
    client = logged_in(postcure_staff[0])
    response = client.post(
        f"/api/coordination/referrals/{task_id}/transition",
        {"status": "completed", "outcome": "Admise"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "Dit kan niet van “Verstuurd” naar “Voltooid” gaan."
    assert Task.objects.get(pk=task_id).status == "requested"


def test_the_wrong_side_is_403_and_a_stranger_404(  # type: ignore[no-untyped-def]
    nadia, postcures, postcure_staff, claire, outsider, logged_in
):
    client = logged_in(claire)
    task_id = _send(client, nadia, postcures[:1]).json()[0]["id"]
    response = client.post(
        f"/api/coordination/referrals/{task_id}/transition",
        {"status": "accepted"},
        content_type="application/json",
    )
    assert response.status_code == 403
    client.logout()
    client = logged_in(outsider)
    assert client.get(f"/api/coordination/referrals/{task_id}").status_code == 404
    assert _send(client, nadia, postcures).status_code == 404
    assert client.get("/api/coordination/referrals", {"box": "sent"}).json() == []


def test_a_bad_referral_is_400(nadia, claire, logged_in) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(claire)
    response = _send(client, nadia, [])
    assert response.status_code == 400
    assert response.json()["detail"]


def test_create_a_task_for_a_circle_member(nadia, claire, outsider, logged_in) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(claire)
    payload = {"patient_id": nadia.pk, "assignee_id": outsider.pk, "need": "Appeler"}
    refused = client.post("/api/coordination/tasks", payload, content_type="application/json")
    assert refused.status_code == 400
    payload["assignee_id"] = claire.pk  # Claire is in the circle (its referent)
    created = client.post("/api/coordination/tasks", payload, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["kind"] == "task"
