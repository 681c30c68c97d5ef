"""The worklist page and JSON API over HTTP, in French and Dutch, and its live updates."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from parcours.accounts.navigation import items_for
from parcours.live import user_group
from parcours.patients.access import Purpose, access_patient
from parcours.transitions.actions import (
    screening_record,
    stay_discharge,
    stay_expected_discharge_set,
    stay_plan_item_set_status,
    stay_referent_assign,
)
from parcours.transitions.models import PlanItemStatus
from parcours.transitions.worklist import worklist_changed, worklist_topic
from tests.patients.conftest import gp_luc  # noqa: F401
from tests.transitions.worklist_helpers import FEED, FRIDAY_AFTERNOON, TUESDAY, admit, days

pytestmark = pytest.mark.django_db


def access(user, stay):  # type: ignore[no-untyped-def]
    return access_patient(user, stay.patient_id, purpose=Purpose.COORDINATION, manage=True)


def test_page_in_french(claire, hospital, ward, logged_in) -> None:  # type: ignore[no-untyped-def]
    claire.language = "fr"
    claire.save(update_fields=["language"])
    stay = admit(hospital, ward=ward, expected=FRIDAY_AFTERNOON, family_name="Peeters")
    html = logged_in(claire).get("/worklist/").content.decode()
    assert "Liste de travail" in html and "Peeters" in html
    assert f'href="/stays/{stay.pk}/"' in html
    assert f'data-live-topic="worklist-{hospital.pk}"' in html
    # Expected discharge in Brussels time, flags as text.
    assert "13/03/2026 15:00" in html
    assert "Non dépisté" in html and "Aucun référent" in html
    assert 'data-flag="risky_day"' in html


def test_page_in_dutch_with_filters(claire, hospital, ward, logged_in) -> None:  # type: ignore[no-untyped-def]
    claire.language = "nl"
    claire.save(update_fields=["language"])
    in_ward = admit(hospital, ward=ward, family_name="Janssens")
    admit(hospital, family_name="Claes")
    client = logged_in(claire)
    html = client.get("/worklist/").content.decode()
    assert "Werklijst" in html and "Janssens" in html and "Claes" in html
    html = client.get(f"/worklist/?ward={ward.pk}").content.decode()
    assert "Janssens" in html and "Claes" not in html
    # The htmx refresh returns the table only.
    partial = client.get(f"/worklist/?ward={ward.pk}", HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="worklist"') and "<html" not in partial
    assert f"ward={ward.pk}" in partial and f"/stays/{in_ward.pk}/" in partial
    html = client.get("/worklist/?referent=me&flag=no_referent").content.decode()
    assert "Janssens" not in html and "Geen verblijf" in html


def test_pagination(claire, hospital, logged_in) -> None:  # type: ignore[no-untyped-def]
    for index in range(3):
        admit(hospital, expected=TUESDAY + days(index), family_name=f"Page{index}")
    client = logged_in(claire)
    html = client.get("/worklist/?size=2").content.decode()
    assert "Page0" in html and "Page1" in html and "Page2" not in html and 'rel="next"' in html
    html = client.get("/worklist/?size=2&page=2").content.decode()
    assert "Page2" in html and "Page0" not in html and 'rel="prev"' in html


def test_outsiders_get_404(luc, other_hospital_nurse, claire, hospital, logged_in) -> None:  # type: ignore[no-untyped-def]
    admit(hospital, family_name="Hidden")
    assert logged_in(luc).get("/worklist/").status_code == 404
    assert logged_in(luc).get("/api/worklist").status_code == 404
    client = logged_in(other_hospital_nurse)
    assert client.get(f"/worklist/?hospital={hospital.pk}").status_code == 404
    html = client.get("/worklist/").content.decode()
    assert "Hidden" not in html
    assert client.get("/worklist/?ward=999999").status_code == 404


def test_anonymous_is_sent_to_login(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/worklist/")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]
    assert client.get("/api/worklist").status_code == 401


def test_navigation_for_hospital_roles_only() -> None:
    assert "worklist:page" in [i.url_name for i in items_for(frozenset({"hospital_liaison_nurse"}))]
    assert "worklist:page" not in [i.url_name for i in items_for(frozenset({"gp"}))]


def test_api_with_filters(claire, hospital, ward, logged_in) -> None:  # type: ignore[no-untyped-def]
    friday = admit(hospital, ward=ward, expected=FRIDAY_AFTERNOON)
    admit(hospital, expected=TUESDAY)
    client = logged_in(claire)
    body = client.get("/api/worklist", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["total"] == 2 and body["hospital"] == hospital.pk
    first = body["results"][0]
    assert first["stay"] != friday.pk  # Tuesday comes first
    assert {"code": "no_referent", "label": "No referent"} in first["flags"]
    body = client.get("/api/worklist?flag=risky_day").json()
    assert [r["stay"] for r in body["results"]] == [friday.pk]
    body = client.get(f"/api/worklist?ward={ward.pk}&flag=not_screened&flag=no_gp").json()
    assert [r["stay"] for r in body["results"]] == [friday.pk]
    assert body["results"][0]["url"] == f"/stays/{friday.pk}/"
    assert client.get(f"/api/worklist?hospital={hospital.pk + 1000}").status_code == 404


# --- live updates -------------------------------------------------------------------------------


class Listener:
    """A page of `user` listening on the channel layer."""

    def __init__(self, user_id: int) -> None:
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(user_group(user_id), self.channel)

    def topics(self) -> list[str]:
        async def drain() -> list[dict[str, Any]]:
            events = []
            while True:
                try:
                    message = await asyncio.wait_for(self.layer.receive(self.channel), 0.2)
                except TimeoutError:
                    return events
                events.append(message["event"])

        return [event.get("topic", "") for event in async_to_sync(drain)()]


def test_changes_on_a_stay_refresh_the_hospital_worklists(  # type: ignore[no-untyped-def]
    claire, hospital, ward_nurse, other_hospital_nurse, django_capture_on_commit_callbacks
) -> None:
    topic = worklist_topic(hospital.pk)
    mine, colleague, elsewhere = (
        Listener(claire.pk),
        Listener(ward_nurse.pk),
        Listener(other_hospital_nurse.pk),
    )
    with django_capture_on_commit_callbacks(execute=True):
        stay = admit(hospital)
    assert topic in mine.topics() and topic in colleague.topics()
    changes = [
        lambda: stay_expected_discharge_set(
            stay=stay, expected_discharge_at=FRIDAY_AFTERNOON, actor=FEED
        ),
        lambda: stay_referent_assign(access=access(claire, stay), stay=stay, referent=claire),
        lambda: stay_plan_item_set_status(
            access=access(claire, stay),
            item=stay.plan_items.first() or _item(claire, stay),
            status=PlanItemStatus.DONE,
        ),
        lambda: screening_record(
            access=access(claire, stay),
            stay=stay,
            instrument="cfs",
            answers={"level": 6},
        ),
        lambda: worklist_changed(stay),
        lambda: stay_discharge(stay=stay, actor=FEED, discharged_at=timezone.now()),
    ]
    for change in changes:
        with django_capture_on_commit_callbacks(execute=True):
            change()
        assert topic in mine.topics(), change
    assert topic not in elsewhere.topics()


def _item(user, stay):  # type: ignore[no-untyped-def]
    from parcours.transitions.actions import stay_plan_item_add

    return stay_plan_item_add(access=access(user, stay), stay=stay, label="Call the GP")


def test_a_change_in_the_circle_refreshes_the_worklists(  # type: ignore[no-untyped-def]
    claire,
    hospital,
    other_hospital_nurse,
    gp_luc,  # noqa: F811
    django_capture_on_commit_callbacks,
) -> None:
    from parcours.patients.actions import MemberInput, circle_member_add, circle_member_end
    from parcours.patients.models import MemberRole

    topic = worklist_topic(hospital.pk)
    with django_capture_on_commit_callbacks(execute=True):
        planned = admit(hospital, planned=True)
        discharged = admit(hospital)
        granted_while_open = access(claire, discharged)
        stay_discharge(stay=discharged, actor=FEED)
    mine, elsewhere = Listener(claire.pk), Listener(other_hospital_nurse.pk)
    mine.topics()  # drain the admissions' events

    with django_capture_on_commit_callbacks(execute=True):
        gp = circle_member_add(
            access=access(claire, planned),
            member=MemberInput(role=MemberRole.GP, professional=gp_luc.professional),
        )
    assert mine.topics() == [topic]  # the planned stay's hospital, once
    with django_capture_on_commit_callbacks(execute=True):
        circle_member_end(access=access(claire, planned), member_id=gp.pk)
    assert mine.topics() == [topic]
    assert topic not in elsewhere.topics()

    # A patient whose stays are all closed has no worklist to refresh.
    with django_capture_on_commit_callbacks(execute=True):
        circle_member_add(
            access=granted_while_open,
            member=MemberInput(role=MemberRole.GP, professional=gp_luc.professional),
        )
    assert mine.topics() == []


# --- recently discharged ----------------------------------------------------------------------


def _discharged(claire, hospital, *, family_name: str, hours_ago: int, letter_hours: int | None):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from parcours.patients.actions import MemberInput, circle_member_add
    from parcours.patients.models import MemberRole
    from parcours.transitions.models import Destination, Stay

    left = timezone.now() - timedelta(hours=hours_ago)
    stay = admit(hospital, admitted=left - days(4), expected=left, family_name=family_name)
    circle_member_add(
        access=access(claire, stay),
        member=MemberInput(role=MemberRole.HOSPITAL_REFERENT, organisation=hospital),
    )
    stay_discharge(stay=stay, actor=FEED, discharged_at=left, destination=Destination.HOME)
    if letter_hours is not None:
        Stay.objects.filter(pk=stay.pk).update(
            liaison_letter_sent_at=left + timedelta(hours=letter_hours)
        )
    return stay


def test_discharged_view_in_french_and_dutch(claire, hospital, logged_in) -> None:  # type: ignore[no-untyped-def]
    on_time = _discharged(claire, hospital, family_name="Lambert", hours_ago=5, letter_hours=-2)
    late = _discharged(claire, hospital, family_name="Wouters", hours_ago=30, letter_hours=6)
    _discharged(claire, hospital, family_name="Mertens", hours_ago=50, letter_hours=None)
    _discharged(claire, hospital, family_name="Ancien", hours_ago=24 * 10, letter_hours=None)
    admit(hospital, family_name="Present")
    claire.language = "fr"
    claire.save(update_fields=["language"])
    client = logged_in(claire)
    html = client.get("/worklist/?view=discharged").content.decode()
    assert "Sortis récemment" in html and 'aria-current="page"' in html
    assert "Lambert" in html and "Wouters" in html and "Mertens" in html
    assert "Ancien" not in html and "Present" not in html
    # Newest discharge first; the letter's timing written out.
    assert html.index("Lambert") < html.index("Wouters") < html.index("Mertens")
    assert "Envoyée avant la sortie" in html and "Envoyée après la sortie" in html
    assert "Pas envoyée" in html and "Domicile" in html
    assert f'data-stay="{late.pk}" data-letter="after"' in html
    assert 'name="view" value="discharged"' in html
    html = client.get("/worklist/?view=discharged&days=30").content.decode()
    assert "Ancien" in html
    partial = client.get(
        "/worklist/?view=discharged&flag=letter_late", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert partial.lstrip().startswith('<div id="worklist"') and "view=discharged" in partial
    assert "Wouters" in partial and "Lambert" not in partial and "Mertens" not in partial
    claire.language = "nl"
    claire.save(update_fields=["language"])
    html = client.get("/worklist/?view=discharged&flag=letter_missing").content.decode()
    assert "Onlangs ontslagen" in html and "Niet verstuurd" in html and "Mertens" in html
    assert "Lambert" not in html and f"/stays/{on_time.pk}/" not in html
    # The open view's tab keeps its own flags.
    html = client.get("/worklist/").content.decode()
    assert "Present" in html and "Lambert" not in html


def test_discharged_api(claire, hospital, logged_in, luc) -> None:  # type: ignore[no-untyped-def]
    on_time = _discharged(claire, hospital, family_name="Lambert", hours_ago=5, letter_hours=-2)
    late = _discharged(claire, hospital, family_name="Wouters", hours_ago=30, letter_hours=6)
    old = _discharged(claire, hospital, family_name="Ancien", hours_ago=24 * 20, letter_hours=None)
    client = logged_in(claire)
    body = client.get("/api/worklist?view=discharged", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["view"] == "discharged" and body["days"] == 7 and body["total"] == 2
    assert [r["stay"] for r in body["results"]] == [on_time.pk, late.pk]
    first, second = body["results"]
    assert first["letter"] == "before" and first["flags"] == []
    assert first["destination"] == "home" and first["url"] == f"/stays/{on_time.pk}/"
    assert second["letter"] == "after"
    assert {"code": "letter_late", "label": "Letter sent after discharge"} in second["flags"]
    assert first["readmitted_after_days"] is None and "open_follow_up_items" in first
    body = client.get("/api/worklist?view=discharged&days=30&flag=letter_missing").json()
    assert [r["stay"] for r in body["results"]] == [old.pk]
    # Bounded: 0 becomes 1 day, 500 becomes 60.
    assert client.get("/api/worklist?view=discharged&days=0").json()["days"] == 1
    assert client.get("/api/worklist?view=discharged&days=500").json()["days"] == 60
    # The open view is unchanged.
    assert client.get("/api/worklist").json()["view"] == "open"
    assert logged_in(luc).get("/api/worklist?view=discharged").status_code == 404
