"""The liaison team's worklist and one discharge plan, in French and in Dutch, in a browser."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from parcours.accounts.models import Role
from parcours.audit.actions import Actor
from parcours.patients.models import Patient
from parcours.transitions.actions import stay_admit
from parcours.transitions.models import PlanItemStatus, Stay
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
