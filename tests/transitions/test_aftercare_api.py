"""The follow-up JSON API: a community team's watch list, contacts, help reactivated, refusals;
the hospital liaison nurse (circle referent) and an outsider who gets 404 everywhere."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from parcours.audit.models import AuditEvent
from parcours.transitions.aftercare_models import BrokenFollowUp, Contact, Refusal, WatchEntry
from tests.factories import OrganisationFactory

API = "/api/followup"


def _audits(what: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(what=what).order_by("seq"))


def test_watch_list_of_the_community_team(logged_in, outreach_worker, watched):  # type: ignore[no-untyped-def]
    client = logged_in(outreach_worker)
    response = client.get(f"{API}/watch")
    assert response.status_code == 200
    (row,) = response.json()
    assert row["id"] == watched.pk
    assert row["patient"]["family_name"] == "Peeters"
    assert row["organisation"]["code"] == "bas-seuil-test"
    assert row["broken_follow_up"] is True and row["last_contact_at"] is None
    assert row["days_since"] == 12
    (audit,) = _audits("watch-list")
    assert audit.detail == {"count": 1} and audit.purpose == "coordination"

    team = client.get(f"{API}/watch", {"organisation": watched.organisation_id})
    assert [r["id"] for r in team.json()] == [watched.pk]
    assert client.get(f"{API}/watch", {"organisation": 999999}).status_code == 404


def test_a_contact_clears_the_flag_and_shows_in_the_list(  # type: ignore[no-untyped-def]
    logged_in, outreach_worker, watched
):
    client = logged_in(outreach_worker)
    at = timezone.now() - timedelta(hours=2)
    response = client.post(
        f"{API}/patients/{watched.patient_id}/contacts",
        {"channel": "visit", "note": "Passé à l'accueil", "at": at.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["channel"] == "visit" and body["by"] == outreach_worker.get_full_name()
    assert body["organisation"]["code"] == "bas-seuil-test"
    assert BrokenFollowUp.objects.get().cleared_by_id == body["id"]
    row = client.get(f"{API}/watch").json()[0]
    assert row["broken_follow_up"] is False and row["days_since"] == 0
    assert row["last_contact_at"] is not None
    contacts = client.get(f"{API}/patients/{watched.patient_id}/contacts").json()
    assert [c["id"] for c in contacts] == [body["id"]]
    write = _audits("contact")
    assert [(a.action, a.outcome) for a in write][:1] == [("U", "success")]


def test_contact_validation_is_422_in_the_users_language(  # type: ignore[no-untyped-def]
    logged_in, outreach_worker, watched
):
    client = logged_in(outreach_worker)
    url = f"{API}/patients/{watched.patient_id}/contacts"
    bad_channel = client.post(
        url, {"channel": "pigeon"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert bad_channel.status_code == 422
    assert bad_channel.json()["detail"] == "Choisissez comment le contact a eu lieu."
    future = (timezone.now() + timedelta(days=2)).isoformat()
    in_future = client.post(
        url,
        {"channel": "phone", "at": future},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert in_future.status_code == 422
    assert in_future.json()["detail"] == "Deze datum ligt in de toekomst."
    missing = client.post(url, {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="fr")
    assert missing.status_code == 422 and missing.json()["detail"] == "La requête n'est pas valide."
    not_mine = client.post(
        url,
        {"channel": "phone", "organisation": watched.patient.pk + 999},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert not_mine.status_code == 422
    assert not Contact.objects.exists()


def test_help_reactivated_and_end_of_the_watch(logged_in, outreach_worker, watched):  # type: ignore[no-untyped-def]
    client = logged_in(outreach_worker)
    reactivated = client.post(
        f"{API}/watch/{watched.pk}/reactivate",
        {"help_given": "Repas à domicile", "channel": "phone"},
        content_type="application/json",
    )
    assert reactivated.status_code == 201
    assert reactivated.json()["kind"] == "help_reactivated"
    assert Contact.objects.get().note == "Repas à domicile"
    empty = client.post(
        f"{API}/watch/{watched.pk}/end",
        {"reason": "  "},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert (
        empty.status_code == 422
        and empty.json()["detail"] == "Indiquez pourquoi la veille prend fin."
    )
    ended = client.post(
        f"{API}/watch/{watched.pk}/end",
        {"reason": "Admise en post-cure"},
        content_type="application/json",
    )
    assert ended.status_code == 200
    assert ended.json()["end_reason"] == "Admise en post-cure" and ended.json()["ended_at"]
    assert client.get(f"{API}/watch").json() == []
    again = client.post(
        f"{API}/watch/{watched.pk}/end", {"reason": "x"}, content_type="application/json"
    )
    assert again.status_code == 422


def test_the_liaison_nurse_starts_a_watch_and_records_a_refusal(  # type: ignore[no-untyped-def]
    logged_in, nurse_claire, manage, low_threshold, outreach_worker
):
    client = logged_in(nurse_claire)
    patient_id = manage.patient.pk
    not_allowed = client.post(
        f"{API}/patients/{patient_id}/watch",
        {"organisation": nurse_claire.memberships.first().organisation_id},
        content_type="application/json",
    )
    assert not_allowed.status_code == 422  # a hospital is not a watching organisation
    started = client.post(
        f"{API}/patients/{patient_id}/watch",
        {"organisation": low_threshold.pk, "reason": "Vit seule"},
        content_type="application/json",
    )
    assert started.status_code == 201, started.content
    assert started.json()["organisation"]["id"] == low_threshold.pk
    assert WatchEntry.objects.get().started_by == nurse_claire
    # The community team now sees her on its list (the watch put the team in the circle).
    assert [r["patient"]["id"] for r in logged_in(outreach_worker).get(f"{API}/watch").json()] == [
        patient_id
    ]

    client = logged_in(nurse_claire)
    refused = client.post(
        f"{API}/patients/{patient_id}/refusals",
        {"offered": "Aide familiale", "refused_by": "caregiver", "reason": "Sa fille s'en occupe"},
        content_type="application/json",
    )
    assert refused.status_code == 201, refused.content
    body = refused.json()
    assert (body["offered"], body["refused_by"], body["recorded_by"]) == (
        "Aide familiale",
        "caregiver",
        "Claire Dubois",
    )
    assert body["recorded_organisation"]["code"] == "chu-test"
    listed = client.get(f"{API}/patients/{patient_id}/refusals", HTTP_ACCEPT_LANGUAGE="nl")
    assert listed.status_code == 200
    assert [(r["id"], r["refused_by_label"]) for r in listed.json()] == [
        (body["id"], "De mantelzorger")
    ]
    reads = [a for a in _audits("follow-up") if a.action == "R"]
    assert reads and reads[-1].patient_id == patient_id and reads[-1].outcome == "success"


def test_refusal_validation(logged_in, nurse_claire, manage):  # type: ignore[no-untyped-def]
    from parcours.directory.models import Service

    client = logged_in(nurse_claire)
    url = f"{API}/patients/{manage.patient.pk}/refusals"
    nothing = client.post(
        url, {"refused_by": "patient"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert (
        nothing.status_code == 422 and nothing.json()["detail"] == "Indiquez ce qui a été proposé."
    )
    who = client.post(
        url, {"offered": "Repas", "refused_by": "neighbour"}, content_type="application/json"
    )
    assert who.status_code == 422
    elsewhere = Service.objects.create(
        organisation=OrganisationFactory(code="aide-ailleurs", type="home_help"),
        name={"fr": "Aide ailleurs"},
        category="home_help",
    )
    foreign = client.post(
        url,
        {"service": elsewhere.pk, "refused_by": "patient"},
        content_type="application/json",
    )
    assert foreign.status_code == 422
    assert not Refusal.objects.exists()


def test_an_outsider_gets_404_everywhere_and_the_refusals_are_audited(  # type: ignore[no-untyped-def]
    logged_in, outsider, watched
):
    client = logged_in(outsider)
    patient = f"{API}/patients/{watched.patient_id}"
    json = "application/json"
    responses = [
        client.get(f"{patient}/contacts"),
        client.get(f"{patient}/refusals"),
        client.post(f"{patient}/contacts", {"channel": "phone"}, content_type=json),
        client.post(
            f"{patient}/refusals", {"offered": "x", "refused_by": "patient"}, content_type=json
        ),
        client.post(
            f"{patient}/watch", {"organisation": watched.organisation_id}, content_type=json
        ),
        client.post(f"{API}/watch/{watched.pk}/end", {"reason": "x"}, content_type=json),
        client.post(f"{API}/watch/{watched.pk}/reactivate", {"help_given": "x"}, content_type=json),
        client.get(f"{API}/patients/999999/contacts"),
        client.post(f"{API}/watch/999999/end", {"reason": "x"}, content_type=json),
    ]
    assert [r.status_code for r in responses] == [404] * len(responses)
    # Unknown and refused look the same.
    assert responses[0].json() == responses[-2].json() == responses[-1].json()
    assert client.get(f"{API}/watch").json() == []
    assert not Contact.objects.exists() and not Refusal.objects.exists()
    watched.refresh_from_db()
    assert watched.ended_at is None
    denied = AuditEvent.objects.filter(outcome="denied", patient_id=watched.patient_id)
    assert denied.count() == 7


def test_anonymous_is_401(client, watched):  # type: ignore[no-untyped-def]
    assert client.get(f"{API}/watch").status_code == 401
    assert client.get(f"{API}/patients/{watched.patient_id}/refusals").status_code == 401


def test_the_schemas_are_in_the_openapi_document(logged_in, outreach_worker):  # type: ignore[no-untyped-def]
    schema = logged_in(outreach_worker).get("/api/openapi.json").json()
    paths = schema["paths"]
    assert "/api/followup/watch" in paths
    assert "/api/followup/patients/{patient_id}/refusals" in paths
    refusal = schema["components"]["schemas"]["RefusalOut"]["properties"]
    assert {"refused_by", "at", "offered", "recorded_by"} <= set(refusal)
    assert "days_since" in schema["components"]["schemas"]["WatchRowOut"]["properties"]
