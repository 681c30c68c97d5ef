"""Pages and the JSON API go through the same access functions; refusals look like 404."""

from __future__ import annotations

import json

import pytest

from parcours.audit.models import AuditEvent
from parcours.patients.models import CircleMember, ConsentEvent, Notification, Patient
from tests.patients.conftest import last_audit

pytestmark = pytest.mark.django_db


def test_list_shows_only_reachable_patients(logged_in, marie_circle, gp_luc, outsider) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(gp_luc).get("/patients/")
    assert response.status_code == 200 and "Marie Peeters" in response.text
    response = logged_in(outsider).get("/patients/?q=Marie")
    assert "Marie Peeters" not in response.text


def test_detail_refusal_and_unknown_are_the_same_404(logged_in, marie, outsider) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(outsider)
    refused = client.get(f"/patients/{marie.pk}/")
    unknown = client.get("/patients/999999/")
    assert refused.status_code == unknown.status_code == 404
    assert last_audit().reason == "not-found"


def test_detail_shows_gender_identity_and_pronouns(logged_in, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(nurse_claire)
    response = client.post(
        "/patients/new/",
        {
            "given_name": "Alex",
            "family_name": "Janssens",
            "birth_date": "1997-03-02",
            "gender_identity": "femme trans",
            "pronouns": "elle",
            "administrative_sex": "male",
            "identifier_system": "be-niss",
            "identifier_value": "75110304760",
        },
    )
    assert response.status_code == 302
    alex = Patient.objects.get(given_name="Alex")
    page = client.get(f"/patients/{alex.pk}/").text
    assert "femme trans" in page and "(elle)" in page


def test_create_warns_about_a_duplicate(logged_in, nurse_claire, marie) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(nurse_claire).post(
        "/patients/new/",
        {
            "given_name": "Maria",
            "administrative_sex": "female",
            "identifier_system": "be-niss",
            "identifier_value": "48021408235",
        },
    )
    assert response.status_code == 200
    assert f"/patients/{marie.pk}/" in response.text
    bad = logged_in(nurse_claire).post(
        "/patients/new/",
        {
            "given_name": "X",
            "administrative_sex": "female",
            "identifier_system": "be-niss",
            "identifier_value": "06092473240",
        },
    )
    assert "chiffres de contrôle" in bad.text, "French by default"


def test_circle_page_adds_from_one_directory_search(logged_in, nurse_claire, marie, gp_luc) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(nurse_claire)
    hits = client.get(f"/patients/{marie.pk}/circle/search/?q=Martin")
    assert "Luc Martin" in hits.text
    key = f"professional:{gp_luc.professional.pk}"
    assert key in hits.text
    response = client.post(
        f"/patients/{marie.pk}/circle/add/", {"target": key, "role": "gp", "visibility": "full"}
    )
    assert response.status_code == 302
    response = client.post(
        f"/patients/{marie.pk}/circle/add/",
        {
            "kind": "person",
            "role": "legal_representative",
            "person_name": "Me Leroy",
            "legal_scope": "property",
            "legal_basis": "Juge de paix d'Ixelles, 2025-01-10",
            "visibility": "full",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/patients/{marie.pk}/circle/")
    assert 'id="circle-data"' in page.text and "Me Leroy" in page.text
    assert CircleMember.objects.get(person_name="Me Leroy").visibility == "non_medical"
    data = json.loads(
        page.text.split('id="circle-data" type="application/json">')[1].split("</script>")[0]
    )
    assert {e["data"].get("label") for e in data["elements"]} >= {"Luc Martin", "Me Leroy"}


def test_a_member_cannot_change_the_circle(logged_in, marie_circle, gp_luc) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(gp_luc).post(
        f"/patients/{marie_circle.pk}/circle/add/",
        {"kind": "person", "role": "caregiver", "person_name": "X", "visibility": "full"},
    )
    assert response.status_code == 404
    assert logged_in(gp_luc).get(f"/patients/{marie_circle.pk}/access-log/").status_code == 404


def test_consent_withdrawal_and_access_log(logged_in, nurse_claire, marie_circle, gp_luc) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(nurse_claire)
    response = client.post(
        f"/patients/{marie_circle.pk}/consent/", {"status": "withdrawn", "method": "written"}
    )
    assert response.status_code == 302
    assert ConsentEvent.objects.get().recorded_by == nurse_claire
    log = client.get(f"/patients/{marie_circle.pk}/access-log/")
    assert log.status_code == 200 and "claire" in log.text
    assert logged_in(gp_luc).get(f"/patients/{marie_circle.pk}/").status_code == 404


def test_exclusion_from_the_consent_page(logged_in, nurse_claire, marie_circle, gp_luc) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(nurse_claire)
    hits = client.get(f"/patients/{marie_circle.pk}/circle/search/?q=Luc&mode=exclude")
    assert "Exclude" in hits.text or "Exclure" in hits.text
    client.post(
        f"/patients/{marie_circle.pk}/exclusions/", {"professional": gp_luc.professional.pk}
    )
    assert logged_in(gp_luc).get(f"/patients/{marie_circle.pk}/").status_code == 404


def test_break_the_glass_page(logged_in, marie, outsider, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(outsider)
    short = client.post(f"/patients/{marie.pk}/break-the-glass/", {"reason": "now"})
    assert short.status_code == 200
    response = client.post(
        f"/patients/{marie.pk}/break-the-glass/",
        {"reason": "Patient found unconscious in the pharmacy"},
    )
    assert response.status_code == 302
    assert client.get(f"/patients/{marie.pk}/").status_code == 200
    assert Notification.objects.filter(user=nurse_claire, kind="break-the-glass").exists()


def test_fhir_export_is_a_valid_bundle(logged_in, nurse_claire, marie_circle) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(nurse_claire)
    client.post(f"/patients/{marie_circle.pk}/consent/", {"status": "given", "method": "oral"})
    client.post(
        f"/patients/{marie_circle.pk}/circle/add/",
        {
            "kind": "person",
            "role": "trusted_person",
            "person_name": "Jan Peeters",
            "visibility": "care_instructions",
        },
    )
    response = client.get(f"/patients/{marie_circle.pk}/export.json")
    assert response["Content-Type"] == "application/fhir+json"
    bundle = json.loads(response.content)
    assert bundle["type"] == "collection"
    types = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert types == {"Patient", "RelatedPerson", "CareTeam", "Consent", "AuditEvent"}
    assert last_audit().what == "export"


def test_api_goes_through_the_same_access(
    logged_in, nurse_claire, marie_circle, gp_luc, outsider
) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(gp_luc)
    listing = client.get("/api/patients/")
    assert [p["id"] for p in listing.json()] == [marie_circle.pk]
    detail = client.get(f"/api/patients/{marie_circle.pk}")
    assert detail.json()["visibility"] == "full" and detail.json()["access_basis"] == "circle"
    assert client.get(f"/api/patients/{marie_circle.pk}/circle").status_code == 200
    refused = logged_in(outsider).get(f"/api/patients/{marie_circle.pk}")
    unknown = logged_in(outsider).get("/api/patients/999999")
    assert refused.status_code == unknown.status_code == 404
    assert refused.json() == unknown.json()
    assert AuditEvent.objects.filter(channel="api", outcome="denied").count() == 2


def test_api_create_consent_break_glass_and_export(logged_in, nurse_claire, outsider) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(nurse_claire)
    created = client.post(
        "/api/patients/",
        {
            "given_name": "Nadia",
            "family_name": "H.",
            "identifiers": [{"system": "be-niss", "value": "85073003328"}],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    patient_id = created.json()["id"]
    again = client.post(
        "/api/patients/",
        {"given_name": "Nadia", "identifiers": [{"system": "be-niss", "value": "85073003328"}]},
        content_type="application/json",
    )
    assert again.status_code == 409
    bad = client.post(
        "/api/patients/",
        {"given_name": "N", "identifiers": [{"system": "be-niss", "value": "79080412345"}]},
        content_type="application/json",
    )
    assert bad.status_code == 422
    consent = client.post(
        f"/api/patients/{patient_id}/consent",
        {"status": "given", "method": "oral"},
        content_type="application/json",
    )
    assert consent.status_code == 201
    assert client.get(f"/api/patients/{patient_id}/export").json()["type"] == "collection"
    other = logged_in(outsider)
    glass = other.post(
        f"/api/patients/{patient_id}/break-the-glass",
        {"reason": "Emergency admission, need allergies"},
        content_type="application/json",
    )
    assert glass.status_code == 201 and glass.json()["access_basis"] == "break-the-glass"


def test_openapi_lists_the_patient_routes(client) -> None:  # type: ignore[no-untyped-def]
    schema = client.get("/api/openapi.json").json()
    assert "/api/patients/" in schema["paths"]
    assert "/api/patients/{patient_id}/export" in schema["paths"]


def test_nav_shows_patients_to_care_roles_only(logged_in, nurse_claire, helene) -> None:  # type: ignore[no-untyped-def]
    from parcours.accounts.navigation import items_for

    assert "patients:list" in [i.url_name for i in items_for(frozenset({"gp"}))]
    assert "patients:list" not in [i.url_name for i in items_for(frozenset({"platform_admin"}))]


def test_break_the_glass_by_identifier(logged_in, marie, outsider, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(outsider)
    assert client.get("/patients/break-the-glass/").status_code == 200
    reason = "Unconscious at the pharmacy counter, need allergies"
    unknown = client.post(
        "/patients/break-the-glass/",
        {"system": "be-niss", "value": "85073003328", "reason": reason},
    )
    assert unknown.status_code == 200 and "Aucun·e patient·e trouvé·e." in unknown.text
    assert last_audit().reason == "not-found"
    response = client.post(
        "/patients/break-the-glass/",
        {"system": "be-niss", "value": "48.02.14-082.35", "reason": reason},
    )
    assert response.status_code == 302 and response["Location"] == f"/patients/{marie.pk}/"
    assert Notification.objects.filter(user=nurse_claire).count() == 1


def test_merge_page_keeps_everything(logged_in, nurse_claire, marie) -> None:  # type: ignore[no-untyped-def]
    from parcours.patients.actions import PatientData, patient_create

    copy = patient_create(
        user=nurse_claire,
        data=PatientData(given_name="Marie P.", is_provisional=True),
        identifiers=[],
    )
    client = logged_in(nurse_claire)
    assert "Numéro du dossier à conserver" in client.get(f"/patients/{copy.pk}/").text
    response = client.post(f"/patients/{copy.pk}/merge/", {"target": marie.pk})
    assert response.status_code == 302 and response["Location"] == f"/patients/{marie.pk}/"
    copy.refresh_from_db()
    assert copy.merged_into_id == marie.pk
    assert client.post(f"/patients/{marie.pk}/merge/", {"target": 999999}).status_code == 404
