"""A transfer to a ward with its own liaison protocol: the plan follows the new protocol
(missing items added, done items kept, the old ward's open items kept and marked)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from parcours.audit.actions import Actor
from parcours.transitions.actions import (
    stay_admit,
    stay_plan_item_set_status,
    stay_transfer,
)
from parcours.transitions.models import (
    PlanItem,
    PlanItemSource,
    PlanItemStatus,
    StayEventKind,
)
from parcours.transitions.protocols import (
    ScheduleInput,
    liaison_protocol_create,
    protocol_item_save,
)
from tests.factories import OrganisationFactory
from tests.transitions.conftest import ADMITTED, EXPECTED, FEED

pytestmark = pytest.mark.django_db


@pytest.fixture
def cardiology(hospital):  # type: ignore[no-untyped-def]
    return OrganisationFactory(code="chu-test-car", type="ward", parent=hospital)


@pytest.fixture
def cardiology_protocol(hospital, cardiology):  # type: ignore[no-untyped-def]
    """Cardiology's own protocol: two items shared with geriatrics (by code and, for one without
    a code, by label), one of its own; none of the geriatric items."""
    protocol = liaison_protocol_create(
        hospital=hospital, ward=cardiology, name="Cardiologie", actor=FEED
    )
    rows = [
        ("gp-informed", {"fr": "Informer le médecin généraliste de l'hospitalisation"}, 1),
        ("", {"fr": "Éducation thérapeutique insuffisance cardiaque"}, 2),
        ("liaison-letter", {"fr": "Envoyer la lettre de liaison"}, 3),
    ]
    for order, (code, label, offset) in enumerate(rows):
        protocol_item_save(
            protocol=protocol,
            data=ScheduleInput(label=label, code=code, offset_days=offset, order=order),
            actor=FEED,
        )
    return protocol


def live(stay):  # type: ignore[no-untyped-def]
    return {
        (item.code or item.display_label): item
        for item in stay.plan_items.exclude(status=PlanItemStatus.CANCELLED)
    }


@pytest.fixture
def geriatric_stay(marie, hospital, ward, ward_protocol):  # type: ignore[no-untyped-def]
    return stay_admit(
        patient=marie,
        hospital=hospital,
        ward=ward,
        admitted_at=ADMITTED,
        expected_discharge_at=EXPECTED,
        actor=FEED,
    )


def test_transfer_adds_the_new_wards_items_and_marks_the_old_ones(  # type: ignore[no-untyped-def]
    geriatric_stay, manage, ward, cardiology, cardiology_protocol, ward_protocol
):
    stay = geriatric_stay
    before = live(stay)
    done = before["geriatric-assessment"]
    stay_plan_item_set_status(access=manage, item=done, status=PlanItemStatus.DONE)
    manual = PlanItem.objects.create(
        stay=stay, code="", label={"fr": "Appeler la fille"}, source=PlanItemSource.MANUAL
    )

    stay_transfer(stay=stay, ward=cardiology, actor=FEED)

    after = live(stay)
    # The new ward's own item is added (no code: matched by label, it was not planned yet).
    added = after["Éducation thérapeutique insuffisance cardiaque"]
    assert added.protocol_item.protocol_id == cardiology_protocol.pk
    assert added.due_at == ADMITTED + timedelta(days=2)
    # Items both protocols have (same code) are not planned twice and not marked.
    assert [i.code for i in after.values()].count("gp-informed") == 1
    assert after["gp-informed"].outside_protocol_of is None
    # Done items are kept as they are.
    done.refresh_from_db()
    assert done.status == PlanItemStatus.DONE and done.outside_protocol_of is None
    # The open geriatric items are kept, marked, not deleted nor cancelled.
    falls = after["falls-prevention"]
    assert falls.status == PlanItemStatus.TODO
    assert falls.outside_protocol_of == cardiology_protocol
    assert after["home-needs"].outside_protocol_of == cardiology_protocol
    # Items added by hand are not the protocol's: left alone.
    manual.refresh_from_db()
    assert manual.outside_protocol_of is None

    event = stay.events.get(kind=StayEventKind.TRANSFERRED)
    plan = event.detail["plan"]
    assert event.detail["from"] == ward.pk and event.ward == cardiology
    assert plan["protocol_left"] == ward_protocol.pk and plan["protocol"] == cardiology_protocol.pk
    assert plan["added"] == [added.pk]
    assert falls.pk in plan["outside_protocol"] and done.pk not in plan["outside_protocol"]
    assert plan["done_kept"] == 1


def test_back_to_the_first_ward_unmarks_and_adds_nothing_twice(  # type: ignore[no-untyped-def]
    geriatric_stay, ward, cardiology, cardiology_protocol, ward_protocol
):
    stay = geriatric_stay
    count = stay.plan_items.count()
    stay_transfer(stay=stay, ward=cardiology, actor=FEED)
    stay_transfer(stay=stay, ward=ward, actor=FEED, detail={"cancels_transfer": True})
    assert stay.plan_items.count() == count + 1  # cardiology's own item, kept as history
    items = live(stay)
    assert items["falls-prevention"].outside_protocol_of is None
    assert items["Éducation thérapeutique insuffisance cardiaque"].outside_protocol_of == (
        ward_protocol
    )
    back = stay.events.filter(kind=StayEventKind.TRANSFERRED).order_by("pk").last()
    assert back.detail["cancels_transfer"] is True
    assert back.detail["plan"]["added"] == []
    assert len(back.detail["plan"]["back_in_protocol"]) >= 2


def test_no_change_when_the_protocol_stays_the_same(  # type: ignore[no-untyped-def]
    marie, hospital, hospital_protocol, ward
):
    """The geriatric ward has no protocol here: both wards use the hospital's."""
    stay = stay_admit(patient=marie, hospital=hospital, admitted_at=ADMITTED, actor=FEED)
    other = OrganisationFactory(code="chu-test-x", type="ward", parent=hospital)
    stay_transfer(stay=stay, ward=other, actor=FEED)
    stay_transfer(stay=stay, ward=ward, actor=FEED)
    assert all("plan" not in e.detail for e in stay.events.filter(kind="transferred"))
    assert not stay.plan_items.filter(outside_protocol_of__isnull=False).exists()


def test_a_cancelled_item_does_not_count_as_planned(  # type: ignore[no-untyped-def]
    geriatric_stay, manage, cardiology, cardiology_protocol
):
    stay = geriatric_stay
    stay.plan_items.filter(code="liaison-letter").update(status=PlanItemStatus.CANCELLED)
    stay_transfer(stay=stay, ward=cardiology, actor=Actor(user_id=None, username="adt"))
    letters = stay.plan_items.filter(code="liaison-letter")
    assert sorted(letters.values_list("status", flat=True)) == ["cancelled", "todo"]


def test_the_team_sees_the_marked_items_over_http(  # type: ignore[no-untyped-def]
    logged_in, nurse_claire, geriatric_stay, cardiology, cardiology_protocol
):
    stay_transfer(stay=geriatric_stay, ward=cardiology, actor=FEED)
    client = logged_in(nurse_claire)
    page = client.get(f"/stays/{geriatric_stay.pk}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    text = page.content.decode()
    assert "hors protocole de ce service" in text
    assert "Éducation thérapeutique insuffisance cardiaque" in text
    assert "le plan suit le protocole du nouveau service : 1 ajouté(s)" in text
    plan = client.get(f"/api/stays/{geriatric_stay.pk}/plan").json()
    outside = {i["code"] for i in plan["items"] if i["outside_protocol"]}
    assert {"falls-prevention", "geriatric-assessment", "home-needs"} <= outside
    assert "gp-informed" not in outside
