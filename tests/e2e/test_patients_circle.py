"""A liaison nurse builds a circle of care; the map and the list in French and in Dutch."""

from __future__ import annotations

import re

import pytest

from parcours.demo import DEMO_PASSWORD, DemoContext, load_all
from parcours.patients.models import CircleMember, Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_data(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO = True
    load_all(DemoContext(professionals=20, services=10, log=lambda _m: None))


def add_from_directory(page, search: str, name: str, role: str, visibility: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Rechercher dans l'annuaire").fill(search)
    hit = page.locator("#directory-hits li", has_text=name).first
    hit.wait_for()
    hit.locator("select[name=role]").select_option(role)
    hit.locator("select[name=visibility]").select_option(visibility)
    hit.get_by_role("button", name=f"Ajouter {name}").click()
    page.wait_for_selector("text=Ajouté au cercle de soins.")


def add_person(page, role: str, name: str, relationship: str = "", **extra: str) -> None:  # type: ignore[no-untyped-def]
    form = page.locator("form", has=page.locator("input[name=kind][value=person]"))
    form.locator("[name=role]").select_option(role)
    form.locator("[name=person_name]").fill(name)
    form.locator("[name=person_relationship]").fill(relationship)
    for field, value in extra.items():
        locator = form.locator(f"[name={field}]")
        if field in {"legal_scope", "visibility", "person_language"}:
            locator.select_option(value)
        else:
            locator.fill(value)
    form.get_by_role("button", name="Ajouter au cercle").click()
    page.wait_for_selector("text=Ajouté au cercle de soins.")


def test_liaison_nurse_builds_a_circle_map_and_list_in_french_and_dutch(  # type: ignore[no-untyped-def]
    demo_data, new_page, live_server, screenshot
) -> None:
    page = new_page(locale="fr-BE")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Nom d'utilisateur").fill("demo-liaison")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Patient·es"
    ).click()
    page.get_by_role("button", name="Enregistrer un·e patient·e").click()
    page.get_by_label("Prénom").fill("Germaine")
    page.get_by_label("Nom de famille").fill("Lemaire")
    page.get_by_label("Date de naissance").fill("1944-05-02")
    page.get_by_label("Pronoms").fill("elle")
    page.get_by_label("Type d'identifiant").select_option("be-niss")
    page.get_by_label("Identifiant", exact=True).fill("75110304760")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_url(re.compile(r".*/patients/\d+/circle/"))

    add_from_directory(page, "Martin", "Luc Martin", "gp", "full")
    add_from_directory(page, "El Amrani", "Fatima El Amrani", "home_nurse", "care_instructions")
    add_person(page, "caregiver", "Sophie Lemaire", "fille", visibility="non_medical")
    add_person(
        page,
        "trusted_person",
        "Paul Lemaire",
        "fils",
        person_language="nl",
        visibility="care_instructions",
    )
    add_person(
        page,
        "legal_representative",
        "Me Claire Duchêne",
        "administratrice de biens",
        legal_scope="property",
        legal_basis="Ordonnance du juge de paix d'Ixelles, 12 mars 2025",
        visibility="full",
    )

    patient = Patient.objects.get(given_name="Germaine")
    roles = sorted(CircleMember.objects.filter(patient=patient).values_list("role", flat=True))
    assert roles == [
        "caregiver",
        "gp",
        "home_nurse",
        "hospital_referent",
        "legal_representative",
        "trusted_person",
    ]
    assert CircleMember.objects.get(patient=patient, role="legal_representative").visibility == (
        "non_medical"
    )

    map_ = page.locator("#circle-map")
    page.wait_for_function("document.getElementById('circle-map').dataset.drawn === '7'")
    assert map_.locator("canvas").count() > 0
    list_ = page.locator("#circle-list")
    for text in [
        "Luc Martin",
        "Fatima El Amrani",
        "Sophie Lemaire",
        "Personne de confiance",
        "Biens",
    ]:
        assert list_.get_by_text(text).first.is_visible()
    screenshot(page, "1-circle-fr")

    page.get_by_role("button", name="NL").click()
    page.wait_for_function("document.documentElement.lang === 'nl'")
    page.wait_for_function("document.getElementById('circle-map').dataset.drawn === '7'")
    assert page.get_by_role("heading", name="Zorgkring").is_visible()
    assert page.locator("#circle-list").get_by_text("Vertrouwenspersoon").is_visible()
    assert page.locator("#circle-list").get_by_text("Goederen", exact=False).first.is_visible()
    screenshot(page, "2-circle-nl")
