"""The liaison team's worklist and one discharge plan, in French and in Dutch, in a browser."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from parcours.accounts.models import Role
from parcours.audit.actions import Actor
from parcours.patients.models import CircleMember, MemberRole, Patient
from parcours.transitions.actions import stay_admit, stay_discharge
from parcours.transitions.models import Destination, PlanItemStatus, Stay
from parcours.transitions.protocols import liaison_protocol_install_default
from tests.conftest import PASSWORD
from tests.factories import OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FEED = Actor(user_id=None, username="adt-feed")


@pytest.fixture
def hospital_with_stays():  # type: ignore[no-untyped-def]
    hospital = OrganisationFactory(
        code="chu-e2e", type="hospital", name={"fr": "CHU Test", "nl": "UZ Test"}
    )
    ward = OrganisationFactory(
        code="chu-e2e-ger",
        type="ward",
        parent=hospital,
        name={"fr": "Gériatrie", "nl": "Geriatrie"},
    )
    liaison_protocol_install_default(hospital=hospital, actor=FEED, name="CHU Test")
    now = timezone.now()
    for index, (given, family) in enumerate(
        [("Marie", "Peeters"), ("Jan", "Claes"), ("Léa", "Dumont"), ("Wim", "Maes")]
    ):
        patient = Patient.objects.create(given_name=given, family_name=family)
        stay_admit(
            patient=patient,
            hospital=hospital,
            ward=ward if index % 2 == 0 else None,
            admitted_at=now - timedelta(days=5 + index),
            expected_discharge_at=now + timedelta(days=1 + index),
            actor=FEED,
        )
    claire = UserFactory(
        username="claire-e2e",
        role=Role.HOSPITAL_LIAISON_NURSE,
        organisation=hospital,
        first_name="Claire",
        last_name="Dubois",
        language="fr",
    )
    bram = UserFactory(
        username="bram-e2e",
        role=Role.HOSPITAL_SOCIAL_WORKER,
        organisation=hospital,
        first_name="Bram",
        last_name="Peeters",
        language="nl",
    )
    # Two recent discharges the team still reaches (the hospital stays in the circle as
    # hospital referent): one letter sent before the patient left, one not sent.
    for index, (given, family, letter) in enumerate(
        [("Anne", "Lambert", True), ("Tom", "Wouters", False)]
    ):
        patient = Patient.objects.create(given_name=given, family_name=family)
        left = now - timedelta(hours=6 + 24 * index)
        stay = stay_admit(
            patient=patient,
            hospital=hospital,
            ward=ward,
            admitted_at=left - timedelta(days=4),
            expected_discharge_at=left,
            actor=FEED,
        )
        CircleMember.objects.create(
            patient=patient,
            role=MemberRole.HOSPITAL_REFERENT,
            organisation=hospital,
            start_date=timezone.localdate() - timedelta(days=10),
        )
        stay_discharge(stay=stay, actor=FEED, discharged_at=left, destination=Destination.HOME)
        if letter:
            Stay.objects.filter(pk=stay.pk).update(liaison_letter_sent_at=left - timedelta(hours=2))
    return hospital, claire, bram


def log_in(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")


def mark_first_item_done(page, done_label: str) -> int:  # type: ignore[no-untyped-def]
    row = page.locator("tr[id^=plan-item-]", has=page.get_by_role("button", name=done_label)).first
    row_id = row.get_attribute("id")
    assert row_id is not None
    row.get_by_role("button", name=done_label, exact=True).click()
    page.locator(f"#{row_id} .badge-ok").wait_for()
    return int(row_id.removeprefix("plan-item-"))


def test_worklist_and_a_discharge_plan_in_french_and_dutch(  # type: ignore[no-untyped-def]
    hospital_with_stays, new_page, live_server, screenshot
) -> None:
    hospital, claire, bram = hospital_with_stays

    page = new_page(locale="fr-BE")
    log_in(page, live_server, claire.username)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Liste de travail"
    ).click()
    page.wait_for_selector("h1:has-text('Liste de travail')")
    rows = page.locator("#worklist tbody tr")
    assert rows.count() == 4
    # Soonest expected discharge first, flags written out.
    assert "Peeters" in rows.nth(0).inner_text()
    assert "Non dépisté" in rows.nth(0).inner_text()
    screenshot(page, "1-worklist-fr")

    # Filter by ward (htmx refresh of the table only).
    page.get_by_label("Unité de soins").select_option(label="Gériatrie")
    expect(page.locator("#worklist tbody tr")).to_have_count(2)
    assert "ward=" in page.url
    screenshot(page, "2-worklist-ward-fr")

    page.get_by_role("link", name="Marie Peeters").click()
    page.wait_for_url(f"{live_server.url}/stays/*/")
    done = mark_first_item_done(page, "Fait")
    screenshot(page, "3-plan-fr")
    stay = Stay.objects.get(patient__family_name="Peeters", hospital=hospital)
    assert stay.plan_items.get(pk=done).status == PlanItemStatus.DONE

    page = new_page(locale="nl-BE")
    log_in(page, live_server, bram.username)
    page.goto(f"{live_server.url}/worklist/")
    page.wait_for_selector("h1:has-text('Werklijst')")
    assert page.locator("#worklist tbody tr").count() == 4
    assert "Niet gescreend" in page.locator("#worklist").inner_text()
    screenshot(page, "4-worklist-nl")
    page.get_by_role("link", name="Jan Claes").click()
    page.wait_for_url(f"{live_server.url}/stays/*/")
    done = mark_first_item_done(page, "Gedaan")
    screenshot(page, "5-plan-nl")
    stay = Stay.objects.get(patient__family_name="Claes", hospital=hospital)
    assert stay.plan_items.get(pk=done).status == PlanItemStatus.DONE


def test_recently_discharged_in_french_and_dutch(  # type: ignore[no-untyped-def]
    hospital_with_stays, new_page, live_server, screenshot
) -> None:
    _hospital, claire, bram = hospital_with_stays

    page = new_page(locale="fr-BE")
    log_in(page, live_server, claire.username)
    page.goto(f"{live_server.url}/worklist/")
    page.get_by_role("link", name="Sortis récemment").click()
    page.wait_for_url("**view=discharged**")
    rows = page.locator("#worklist tbody tr")
    expect(rows).to_have_count(2)
    # Newest discharge first; whether the letter left before the patient, in words.
    assert "Lambert" in rows.nth(0).inner_text()
    assert "Envoyée avant la sortie" in rows.nth(0).inner_text()
    assert "Lettre non envoyée" in rows.nth(1).inner_text()
    screenshot(page, "1-discharged-fr")

    page = new_page(locale="nl-BE")
    log_in(page, live_server, bram.username)
    page.goto(f"{live_server.url}/worklist/?view=discharged")
    page.wait_for_selector("h1:has-text('Werklijst')")
    # Only the letters that did not leave (htmx refresh of the table).
    page.locator("summary", has_text="Alleen verblijven met deze signalen tonen").click()
    page.get_by_label("Brief niet verstuurd").check()
    expect(page.locator("#worklist tbody tr")).to_have_count(1)
    assert "Wouters" in page.locator("#worklist").inner_text()
    assert "flag=letter_missing" in page.url
    screenshot(page, "2-discharged-nl")
