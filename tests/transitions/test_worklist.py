"""The worklist selector: access, flags (each true and false), ordering, filters, queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from parcours.audit.models import AuditEvent, AuditOutcome
from parcours.directory.models import Closure, OpeningHours, Service
from parcours.patients.access import Purpose, access_patient
from parcours.patients.actions import MemberInput, circle_member_add
from parcours.patients.models import CircleMember, ConsentEvent, MemberRole
from parcours.transitions.actions import (
    screening_record,
    stay_cancel,
    stay_discharge,
    stay_expected_discharge_set,
    stay_plan_item_add,
    stay_referent_assign,
)
from parcours.transitions.models import Destination, Stay
from parcours.transitions.worklist import (
    Flag,
    WorklistNotAllowed,
    reachable,
    worklist,
    worklist_hospitals,
)
from tests.factories import OrganisationFactory
from tests.patients.conftest import gp_luc, home_nurse  # noqa: F401
from tests.transitions.worklist_helpers import FEED, FRIDAY_AFTERNOON, TUESDAY, admit, days

pytestmark = pytest.mark.django_db

ISAR_KEYS = (
    "help_before",
    "help_since",
    "hospitalized_6m",
    "vision_impaired",
    "memory_problems",
    "polypharmacy",
)


def isar(points: int) -> dict[str, bool]:
    return {key: index < points for index, key in enumerate(ISAR_KEYS)}


def flags_of(user, stay: Stay) -> list[str]:  # type: ignore[no-untyped-def]
    page = worklist(user=user, hospital=stay.hospital, page_size=200)
    rows = [row for row in page.rows if row.stay.pk == stay.pk]
    assert rows, "the stay is on the worklist"
    return rows[0].flags


def access(user, stay: Stay):  # type: ignore[no-untyped-def]
    return access_patient(user, stay.patient_id, purpose=Purpose.COORDINATION, manage=True)


def add_member(user, stay: Stay, **member) -> CircleMember:  # type: ignore[no-untyped-def]
    return circle_member_add(access=access(user, stay), member=MemberInput(**member))


def service_with_hours(code: str, weekdays: range = range(5)) -> Service:
    organisation = OrganisationFactory(code=code, type="home_nursing")
    service = Service.objects.create(
        organisation=organisation, name={"fr": f"Service {code}"}, category="home_nursing"
    )
    for day in weekdays:
        OpeningHours.objects.create(service=service, day=day, opens=8 * 60, closes=17 * 60)
    return service


# --- access -----------------------------------------------------------------------------------


def test_the_hospital_team_sees_its_open_stays_and_nothing_else(  # type: ignore[no-untyped-def]
    claire, hospital, other_hospital_nurse, luc
) -> None:
    mine = admit(hospital)
    other_hospital = other_hospital_nurse.memberships.first().organisation
    theirs = admit(other_hospital)
    discharged = admit(hospital)
    stay_discharge(stay=discharged, actor=FEED, discharged_at=timezone.now())
    page = worklist(user=claire, hospital=hospital)
    assert [row.stay.pk for row in page.rows] == [mine.pk]
    assert worklist_hospitals(claire) == [hospital]
    # A nurse of another hospital sees nothing of this one, and only her own in hers.
    with pytest.raises(WorklistNotAllowed):
        worklist(user=other_hospital_nurse, hospital=hospital)
    page = worklist(user=other_hospital_nurse, hospital=other_hospital)
    assert [row.stay.pk for row in page.rows] == [theirs.pk]
    # A community GP has no worklist.
    assert worklist_hospitals(luc) == []
    with pytest.raises(WorklistNotAllowed):
        worklist(user=luc, hospital=hospital)


def test_every_listing_is_audited(claire, luc, hospital) -> None:  # type: ignore[no-untyped-def]
    admit(hospital)
    admit(hospital)
    worklist(user=claire, hospital=hospital)
    row = AuditEvent.objects.filter(what="worklist").order_by("-seq").first()
    assert row is not None and row.outcome == AuditOutcome.SUCCESS
    assert row.detail["count"] == 2 and row.detail["hospital"] == hospital.code
    with pytest.raises(WorklistNotAllowed):
        worklist(user=luc, hospital=hospital)
    denied = AuditEvent.objects.filter(what="worklist").order_by("-seq").first()
    assert denied is not None and denied.outcome == AuditOutcome.DENIED
    assert denied.pk != row.pk and denied.reason == "no-hospital-role"


def test_a_ward_nurse_sees_her_ward_only(ward_nurse, ward, hospital) -> None:  # type: ignore[no-untyped-def]
    in_ward = admit(hospital, ward=ward)
    admit(hospital)
    page = worklist(user=ward_nurse, hospital=hospital)
    assert [row.stay.pk for row in page.rows] == [in_ward.pk]


def test_refused_consent_keeps_the_stay_for_its_team(claire, hospital) -> None:  # type: ignore[no-untyped-def]
    stay = admit(hospital)
    ConsentEvent.objects.create(patient=stay.patient, status="refused", method="oral")
    # The hospital team of the open stay still manages it (access rule 5).
    assert [row.stay.pk for row in worklist(user=claire, hospital=hospital).rows] == [stay.pk]


def test_planned_admissions_are_listed_and_cancelled_ones_are_not(  # type: ignore[no-untyped-def]
    claire, hospital
) -> None:
    planned = admit(hospital, planned=True)
    cancelled = admit(hospital, planned=True)
    stay_cancel(stay=cancelled, actor=FEED)
    # Access rule 7 lets the hospital team reach the patient of a pre-admission.
    assert [row.stay.pk for row in worklist(user=claire, hospital=hospital).rows] == [planned.pk]


# --- ordering, filters, pages ---------------------------------------------------------------


def test_ordered_by_expected_discharge_nulls_last(claire, hospital) -> None:  # type: ignore[no-untyped-def]
    unknown = admit(hospital, expected=None)
    later = admit(hospital, expected=TUESDAY + days(2))
    sooner = admit(hospital, expected=TUESDAY)
    page = worklist(user=claire, hospital=hospital)
    assert [row.stay.pk for row in page.rows] == [sooner.pk, later.pk, unknown.pk]


def test_filters_by_ward_referent_and_flag(  # type: ignore[no-untyped-def]
    claire, hospital, ward, referent_nadia
) -> None:
    in_ward = admit(hospital, ward=ward)
    mine = admit(hospital)
    nadias = admit(hospital)
    stay_referent_assign(access=access(claire, mine), stay=mine, referent=claire)
    stay_referent_assign(access=access(claire, nadias), stay=nadias, referent=referent_nadia)

    def ids(**filters):  # type: ignore[no-untyped-def]
        return {row.stay.pk for row in worklist(user=claire, hospital=hospital, **filters).rows}

    assert ids(ward=ward) == {in_ward.pk}
    assert ids(referent="me") == {mine.pk}
    assert ids(referent="none") == {in_ward.pk}
    assert ids(referent="anyone") == {in_ward.pk, mine.pk, nadias.pk}
    assert ids(flags=[Flag.NO_REFERENT]) == {in_ward.pk}
    assert ids(flags=[Flag.NO_REFERENT, Flag.NOT_SCREENED]) == {in_ward.pk}
    assert ids(flags=["nonsense"]) == {in_ward.pk, mine.pk, nadias.pk}


def test_python_flags_filter_and_paginate(claire, hospital) -> None:  # type: ignore[no-untyped-def]
    fridays = [admit(hospital, expected=FRIDAY_AFTERNOON + timedelta(minutes=n)) for n in range(3)]
    admit(hospital, expected=TUESDAY)
    page = worklist(user=claire, hospital=hospital, flags=[Flag.RISKY_DAY], page_size=2)
    assert page.total == 3 and page.num_pages == 2
    assert [row.stay.pk for row in page.rows] == [fridays[0].pk, fridays[1].pk]
    second = worklist(user=claire, hospital=hospital, flags=[Flag.RISKY_DAY], page=2, page_size=2)
    assert [row.stay.pk for row in second.rows] == [fridays[2].pk]


def test_pages(claire, hospital) -> None:  # type: ignore[no-untyped-def]
    stays = [admit(hospital, expected=TUESDAY + timedelta(hours=n)) for n in range(5)]
    first = worklist(user=claire, hospital=hospital, page_size=2)
    assert (first.total, first.num_pages, first.has_next, first.has_previous) == (5, 3, True, False)
    last = worklist(user=claire, hospital=hospital, page=99, page_size=2)
    assert last.number == 3 and [row.stay.pk for row in last.rows] == [stays[4].pk]


# --- each flag, true and false ----------------------------------------------------------------


def test_not_screened_and_fragile(claire, hospital) -> None:  # type: ignore[no-untyped-def]
    stay = admit(hospital)
    flags = flags_of(claire, stay)
    assert Flag.NOT_SCREENED in flags and Flag.FRAGILE not in flags
    screening_record(access=access(claire, stay), stay=stay, instrument="isar", answers=isar(1))
    flags = flags_of(claire, stay)
    assert Flag.NOT_SCREENED not in flags and Flag.FRAGILE not in flags
    screening_record(access=access(claire, stay), stay=stay, instrument="isar", answers=isar(3))
    assert Flag.FRAGILE in flags_of(claire, stay)


def test_no_gp_known(claire, hospital, gp_luc) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    stay = admit(hospital)
    assert Flag.NO_GP in flags_of(claire, stay)
    member = add_member(claire, stay, role=MemberRole.GP, professional=gp_luc.professional)
    assert Flag.NO_GP not in flags_of(claire, stay)
    # A GP who left the circle no longer counts.
    CircleMember.objects.filter(pk=member.pk).update(end_date=timezone.localdate() - days(1))
    assert Flag.NO_GP in flags_of(claire, stay)


def test_circle_incomplete(claire, hospital, gp_luc, home_nurse) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    stay = admit(hospital)
    # No destination recorded yet: the circle is not judged (the old over-firing).
    assert Flag.CIRCLE_INCOMPLETE not in flags_of(claire, stay)
    Stay.objects.filter(pk=stay.pk).update(destination=Destination.UNKNOWN)
    assert Flag.CIRCLE_INCOMPLETE not in flags_of(claire, stay)
    Stay.objects.filter(pk=stay.pk).update(destination=Destination.NURSING_HOME)
    # Recorded: no GP and no caregiver make it incomplete.
    assert Flag.CIRCLE_INCOMPLETE in flags_of(claire, stay)
    add_member(claire, stay, role=MemberRole.GP, professional=gp_luc.professional)
    add_member(claire, stay, role=MemberRole.CAREGIVER, person_name="Jean Synthetic")
    assert Flag.CIRCLE_INCOMPLETE not in flags_of(claire, stay)
    # Going home without home care: incomplete.
    Stay.objects.filter(pk=stay.pk).update(destination=Destination.HOME)
    assert Flag.CIRCLE_INCOMPLETE in flags_of(claire, stay)
    add_member(claire, stay, role=MemberRole.HOME_NURSE, professional=home_nurse.professional)
    flags = flags_of(claire, stay)
    assert Flag.CIRCLE_INCOMPLETE not in flags and Flag.NO_GP not in flags


def test_a_new_stay_is_not_flagged_circle_incomplete(claire, hospital) -> None:  # type: ignore[no-untyped-def]
    stays = [admit(hospital, expected=timezone.now() + days(n)) for n in (1, 5)]
    stays.append(admit(hospital, expected=None))
    page = worklist(user=claire, hospital=hospital, flags=[Flag.CIRCLE_INCOMPLETE])
    assert page.total == 0
    # ... though its (empty) circle is incomplete once a destination is recorded.
    Stay.objects.filter(pk=stays[1].pk).update(destination=Destination.HOME_WITH_SERVICES)
    page = worklist(user=claire, hospital=hospital, flags=[Flag.CIRCLE_INCOMPLETE])
    assert [row.stay.pk for row in page.rows] == [stays[1].pk]


def test_destination_not_recorded(claire, hospital) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    soon = admit(hospital, expected=now + timedelta(hours=40))
    past = admit(hospital, expected=now - days(1))
    later = admit(hospital, expected=now + days(3))
    unknown_date = admit(hospital, expected=None)
    assert Flag.DESTINATION_MISSING in flags_of(claire, soon)
    assert Flag.DESTINATION_MISSING in flags_of(claire, past)
    assert Flag.DESTINATION_MISSING not in flags_of(claire, later)
    assert Flag.DESTINATION_MISSING not in flags_of(claire, unknown_date)
    # "Unknown" is no destination either; any real one clears the flag.
    Stay.objects.filter(pk=soon.pk).update(destination=Destination.UNKNOWN)
    assert Flag.DESTINATION_MISSING in flags_of(claire, soon)
    Stay.objects.filter(pk=soon.pk).update(destination=Destination.REHABILITATION)
    assert Flag.DESTINATION_MISSING not in flags_of(claire, soon)
    filtered = worklist(user=claire, hospital=hospital, flags=[Flag.DESTINATION_MISSING])
    assert [row.stay.pk for row in filtered.rows] == [past.pk]
    with translation.override("fr"):
        assert dict(filtered.rows[0].badges)[Flag.DESTINATION_MISSING] == (
            "Destination non renseignée"
        )
    with translation.override("nl"):
        assert dict(filtered.rows[0].badges)[Flag.DESTINATION_MISSING] == (
            "Bestemming niet ingevuld"
        )


def test_circle_incomplete_without_a_trusted_person(  # type: ignore[no-untyped-def]
    claire,
    hospital,
    gp_luc,  # noqa: F811
    home_nurse,  # noqa: F811
) -> None:
    stay = admit(hospital)
    Stay.objects.filter(pk=stay.pk).update(destination=Destination.HOME)
    add_member(claire, stay, role=MemberRole.GP, professional=gp_luc.professional)
    add_member(claire, stay, role=MemberRole.HOME_NURSE, professional=home_nurse.professional)
    assert Flag.CIRCLE_INCOMPLETE in flags_of(claire, stay)
    add_member(claire, stay, role=MemberRole.TRUSTED_PERSON, person_name="Ann Synthetic")
    assert Flag.CIRCLE_INCOMPLETE not in flags_of(claire, stay)


def test_liaison_letter_not_sent(claire, hospital) -> None:  # type: ignore[no-untyped-def]
    stay = admit(hospital)
    assert Flag.LETTER_NOT_SENT in flags_of(claire, stay)
    Stay.objects.filter(pk=stay.pk).update(liaison_letter_sent_at=timezone.now())
    assert Flag.LETTER_NOT_SENT not in flags_of(claire, stay)


def test_letter_before_or_after_the_patient_left(claire, hospital) -> None:  # type: ignore[no-untyped-def]
    from parcours.transitions.worklist import WorklistRow

    stay = admit(hospital)
    left = TUESDAY
    stay.discharged_at = left
    stay.liaison_letter_sent_at = left - timedelta(hours=20)
    assert WorklistRow(stay=stay, flags=[], overdue_count=0).letter_sent_before_discharge is True
    stay.liaison_letter_sent_at = left + timedelta(hours=2)
    assert WorklistRow(stay=stay, flags=[], overdue_count=0).letter_sent_before_discharge is False
    stay.discharged_at = None
    assert WorklistRow(stay=stay, flags=[], overdue_count=0).letter_sent_before_discharge is None


def test_risky_discharge_day(claire, hospital) -> None:  # type: ignore[no-untyped-def]
    stay = admit(hospital, expected=FRIDAY_AFTERNOON)
    assert Flag.RISKY_DAY in flags_of(claire, stay)
    stay_expected_discharge_set(stay=stay, expected_discharge_at=TUESDAY, actor=FEED)
    assert Flag.RISKY_DAY not in flags_of(claire, stay)
    # Easter Monday 2026 (6 April) is a public holiday in Belgium.
    stay_expected_discharge_set(stay=stay, expected_discharge_at=TUESDAY + days(27), actor=FEED)
    assert Flag.RISKY_DAY in flags_of(claire, stay)


def test_service_not_reachable_from_the_circle(claire, hospital) -> None:  # type: ignore[no-untyped-def]
    weekdays_only = service_with_hours("soins-semaine")
    stay = admit(hospital, expected=FRIDAY_AFTERNOON.replace(hour=18))
    add_member(claire, stay, role=MemberRole.HOME_NURSE, service=weekdays_only)
    row_flags = flags_of(claire, stay)
    assert Flag.SERVICE_UNREACHABLE in row_flags
    page = worklist(user=claire, hospital=hospital)
    assert page.rows[0].unreachable_services == ["Service soins-semaine"]
    admit(hospital, expected=FRIDAY_AFTERNOON.replace(hour=18))
    filtered = worklist(user=claire, hospital=hospital, flags=[Flag.SERVICE_UNREACHABLE])
    assert [row.stay.pk for row in filtered.rows] == [stay.pk]
    # On a Tuesday morning it is open.
    stay_expected_discharge_set(stay=stay, expected_discharge_at=TUESDAY, actor=FEED)
    assert Flag.SERVICE_UNREACHABLE not in flags_of(claire, stay)
    # ... unless it is closed that week.
    Closure.objects.create(
        service=weekdays_only, starts_on=TUESDAY.date(), ends_on=TUESDAY.date() + days(3)
    )
    assert Flag.SERVICE_UNREACHABLE in flags_of(claire, stay)


def test_service_not_reachable_from_a_plan_item_owner(claire, hospital) -> None:  # type: ignore[no-untyped-def]
    # Monday 8:00 to 17:00 only; discharge Tuesday 11:00: next opening is a week later.
    monday_only = service_with_hours("aide-lundi", range(1))
    stay = admit(hospital)
    assert Flag.SERVICE_UNREACHABLE not in flags_of(claire, stay)
    stay_plan_item_add(
        access=access(claire, stay),
        stay=stay,
        label="Home help referral",
        owner_organisation=monday_only.organisation,
    )
    assert Flag.SERVICE_UNREACHABLE in flags_of(claire, stay)
    # Service open seven days a week: reachable.
    always = service_with_hours("soins-7-7", range(7))
    assert reachable(always, FRIDAY_AFTERNOON.replace(hour=22))


def test_no_referent(claire, hospital) -> None:  # type: ignore[no-untyped-def]
    stay = admit(hospital)
    assert Flag.NO_REFERENT in flags_of(claire, stay)
    stay_referent_assign(access=access(claire, stay), stay=stay, referent=claire)
    assert Flag.NO_REFERENT not in flags_of(claire, stay)


def test_overdue_plan_items(claire, hospital) -> None:  # type: ignore[no-untyped-def]
    stay = admit(hospital)
    stay.plan_items.all().delete()
    assert Flag.OVERDUE not in flags_of(claire, stay)
    for label in ("Call the GP", "Order the bed"):
        stay_plan_item_add(
            access=access(claire, stay),
            stay=stay,
            label=label,
            due_at=timezone.now() - days(1),
        )
    stay_plan_item_add(
        access=access(claire, stay), stay=stay, label="Later", due_at=timezone.now() + days(1)
    )
    page = worklist(user=claire, hospital=hospital)
    assert Flag.OVERDUE in page.rows[0].flags and page.rows[0].overdue_count == 2
    assert (Flag.OVERDUE, f"{Flag.OVERDUE.label} (2)") in page.rows[0].badges


# --- a fixed number of queries ----------------------------------------------------------------


def _busy_stays(claire, hospital, n: int, gp_luc, service: Service) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    for index in range(n):
        stay = admit(hospital, expected=FRIDAY_AFTERNOON + timedelta(hours=index))
        add_member(claire, stay, role=MemberRole.GP, professional=gp_luc.professional)
        add_member(claire, stay, role=MemberRole.HOME_NURSE, service=service)
        Stay.objects.filter(pk=stay.pk).update(referent=claire)
        stay_plan_item_add(
            access=access(claire, stay),
            stay=stay,
            label="Call",
            owner_organisation=service.organisation,
            due_at=timezone.now() - days(1),
        )


def _queries(claire, hospital, **filters) -> int:  # type: ignore[no-untyped-def]
    # The user's memberships are read fresh each time, as on a real request.
    with CaptureQueriesContext(connection) as captured:
        page = worklist(user=claire, hospital=hospital, page_size=100, **filters)
        assert all(row.flags for row in page.rows)
    return len(captured)


def test_query_count_does_not_grow_with_stays(claire, hospital, gp_luc) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    service = service_with_hours("soins-n1")
    _busy_stays(claire, hospital, 5, gp_luc, service)
    five = _queries(claire, hospital)
    five_filtered = _queries(claire, hospital, flags=[Flag.RISKY_DAY])
    _busy_stays(claire, hospital, 45, gp_luc, service)
    assert worklist(user=claire, hospital=hospital, page_size=100).total == 50
    assert _queries(claire, hospital) == five
    assert _queries(claire, hospital, flags=[Flag.RISKY_DAY]) == five_filtered
    assert five <= 16
