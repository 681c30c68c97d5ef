"""The worklist's "recently discharged" view: access, letter timing, follow-up, readmissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from parcours.audit.models import AuditEvent, AuditOutcome
from parcours.patients.access import Purpose, access_patient
from parcours.patients.actions import MemberInput, circle_member_add
from parcours.patients.models import MemberRole
from parcours.transitions.actions import (
    stay_admit,
    stay_discharge,
    stay_plan_item_add,
    stay_referent_assign,
)
from parcours.transitions.models import Destination, Phase, Stay
from parcours.transitions.worklist import (
    DischargedFlag,
    LetterTiming,
    WorklistNotAllowed,
    discharged_worklist,
)
from tests.transitions.worklist_helpers import FEED, admit, days

pytestmark = pytest.mark.django_db


def access(user, stay: Stay):  # type: ignore[no-untyped-def]
    return access_patient(user, stay.patient_id, purpose=Purpose.COORDINATION, manage=True)


def discharged(  # type: ignore[no-untyped-def]
    user,
    hospital,
    *,
    ago: timedelta = timedelta(days=1),
    letter: timedelta | None = None,
    destination: str = Destination.HOME,
    keep_access: bool = True,
    ward=None,
    family_name: str = "",
) -> Stay:
    """A stay discharged `ago`, its letter sent `letter` after (negative: before) the discharge.

    `keep_access`: the hospital (and the ward) stay in the circle as hospital referent, so their
    teams still reach the patient after the discharge (access rule 6) even when rule 7's
    follow-up window (PARCOURS_STAY_FOLLOWUP_ACCESS_DAYS) is closed.
    """
    left = timezone.now() - ago
    stay = admit(
        hospital, ward=ward, admitted=left - days(5), expected=left, family_name=family_name
    )
    for team in [hospital, ward] if keep_access else []:
        if team is not None:
            circle_member_add(
                access=access(user, stay),
                member=MemberInput(role=MemberRole.HOSPITAL_REFERENT, organisation=team),
            )
    stay_discharge(stay=stay, actor=FEED, discharged_at=left, destination=destination)
    if letter is not None:
        Stay.objects.filter(pk=stay.pk).update(liaison_letter_sent_at=left + letter)
    stay.refresh_from_db()
    return stay


def ids(user, hospital, **filters) -> list[int]:  # type: ignore[no-untyped-def]
    return [
        row.stay.pk for row in discharged_worklist(user=user, hospital=hospital, **filters).rows
    ]


def test_lists_recent_discharges_newest_first(claire, hospital) -> None:  # type: ignore[no-untyped-def]
    older = discharged(claire, hospital, ago=days(3))
    newest = discharged(claire, hospital, ago=timedelta(hours=2))
    too_old = discharged(claire, hospital, ago=days(9))
    admit(hospital)  # still in hospital: not in this view
    assert ids(claire, hospital) == [newest.pk, older.pk]
    assert ids(claire, hospital, days=10) == [newest.pk, older.pk, too_old.pk]
    assert ids(claire, hospital, days=1) == [newest.pk]
    # Bounded to 1..60 days.
    assert discharged_worklist(user=claire, hospital=hospital, days=0).days == 1
    assert discharged_worklist(user=claire, hospital=hospital, days=999).days == 60


def test_letter_before_after_or_not_sent(claire, hospital) -> None:  # type: ignore[no-untyped-def]
    before = discharged(claire, hospital, ago=days(1), letter=-timedelta(hours=3))
    after = discharged(claire, hospital, ago=days(2), letter=timedelta(hours=20))
    missing = discharged(claire, hospital, ago=days(3))
    page = discharged_worklist(user=claire, hospital=hospital)
    timing = {row.stay.pk: row.letter for row in page.rows}
    assert timing == {
        before.pk: LetterTiming.BEFORE,
        after.pk: LetterTiming.AFTER,
        missing.pk: LetterTiming.MISSING,
    }
    flags = {row.stay.pk: row.flags for row in page.rows}
    assert flags[before.pk] == []
    assert flags[after.pk] == [DischargedFlag.LETTER_LATE]
    assert flags[missing.pk] == [DischargedFlag.LETTER_MISSING]
    assert ids(claire, hospital, flags=[DischargedFlag.LETTER_LATE]) == [after.pk]
    assert ids(claire, hospital, flags=[DischargedFlag.LETTER_MISSING]) == [missing.pk]
    with translation.override("fr"):
        assert page.rows[0].letter_label == "Envoyée avant la sortie"
    with translation.override("nl"):
        assert page.rows[2].letter_label == "Niet verstuurd"


def test_follow_up_items_and_readmission(claire, hospital) -> None:  # type: ignore[no-untyped-def]
    stay = admit(hospital, admitted=timezone.now() - days(6), expected=timezone.now())
    circle_member_add(
        access=access(claire, stay),
        member=MemberInput(role=MemberRole.HOSPITAL_REFERENT, organisation=hospital),
    )
    stay.plan_items.all().delete()
    for label, due in (("Day-2 call", -1), ("GP visit", 3), ("Nurse visit", -2)):
        stay_plan_item_add(
            access=access(claire, stay),
            stay=stay,
            label=label,
            phase=Phase.AFTER_DISCHARGE,
            due_at=timezone.now() + days(due),
        )
    stay_plan_item_add(
        access=access(claire, stay), stay=stay, label="Before", due_at=timezone.now() - days(1)
    )
    stay_discharge(stay=stay, actor=FEED, discharged_at=timezone.now() - days(4))
    quiet = discharged(claire, hospital, ago=days(2), letter=-timedelta(hours=1))
    row = next(
        r for r in discharged_worklist(user=claire, hospital=hospital).rows if r.stay == stay
    )
    assert (row.open_items, row.overdue_items, row.readmission_days) == (3, 2, None)
    assert DischargedFlag.FOLLOW_UP_OVERDUE in row.flags
    assert ids(claire, hospital, flags=[DischargedFlag.FOLLOW_UP_OVERDUE]) == [stay.pk]
    # The patient comes back: aftercare records the readmission on the new stay.
    stay_admit(
        patient=stay.patient,
        hospital=hospital,
        admitted_at=timezone.now() - days(1),
        expected_discharge_at=timezone.now() + days(2),
        actor=FEED,
    )
    row = next(
        r for r in discharged_worklist(user=claire, hospital=hospital).rows if r.stay == stay
    )
    assert row.readmission_days == 3 and DischargedFlag.READMITTED in row.flags
    with translation.override("en"):
        assert ("readmitted", "Readmitted after 3 days") in row.badges
    with translation.override("nl"):
        assert ("readmitted", "Heropgenomen na 3 dagen") in row.badges
    assert ids(claire, hospital, flags=[DischargedFlag.READMITTED]) == [stay.pk]
    assert quiet.pk in ids(claire, hospital)


def test_same_access_rules_as_the_open_worklist(  # type: ignore[no-untyped-def]
    claire, hospital, ward, ward_nurse, other_hospital_nurse, luc, settings
) -> None:
    settings.STAY_FOLLOWUP_ACCESS_DAYS = 0
    reachable = discharged(claire, hospital, ward=ward)
    # No follow-up window: the team lost rule 7 with the discharge and is not in the circle.
    unreachable = discharged(claire, hospital, keep_access=False)
    elsewhere = discharged(claire, hospital)
    Stay.objects.filter(pk=elsewhere.pk).update(ward=None)
    assert unreachable.pk not in ids(claire, hospital)
    assert set(ids(claire, hospital)) == {reachable.pk, elsewhere.pk}
    assert set(ids(claire, hospital, ward=ward)) == {reachable.pk}
    # A ward nurse sees her ward's discharges only.
    assert ids(ward_nurse, hospital) == [reachable.pk]
    for outsider in (other_hospital_nurse, luc):
        with pytest.raises(WorklistNotAllowed):
            discharged_worklist(user=outsider, hospital=hospital)
    denied = AuditEvent.objects.filter(what="worklist").order_by("-seq").first()
    assert denied is not None and denied.outcome == AuditOutcome.DENIED
    assert denied.detail["view"] == "discharged"
    # Within the follow-up window (default 30 days) rule 7 still lets the team in.
    settings.STAY_FOLLOWUP_ACCESS_DAYS = 30
    assert unreachable.pk in ids(claire, hospital)


def test_referent_filter_and_audit(claire, hospital, referent_nadia) -> None:  # type: ignore[no-untyped-def]
    mine = admit(hospital, admitted=timezone.now() - days(3), expected=timezone.now())
    stay_referent_assign(access=access(claire, mine), stay=mine, referent=claire)
    circle_member_add(
        access=access(claire, mine),
        member=MemberInput(role=MemberRole.HOSPITAL_REFERENT, organisation=hospital),
    )
    stay_discharge(stay=mine, actor=FEED, discharged_at=timezone.now() - days(1))
    nobody = discharged(claire, hospital, ago=days(2))
    assert ids(claire, hospital, referent="me") == [mine.pk]
    assert ids(claire, hospital, referent="none") == [nobody.pk]
    discharged_worklist(user=claire, hospital=hospital, days=14)
    row = AuditEvent.objects.filter(what="worklist").order_by("-seq").first()
    assert row is not None and row.outcome == AuditOutcome.SUCCESS
    assert row.detail == {
        "hospital": hospital.code,
        "count": 2,
        "page": 1,
        "view": "discharged",
        "days": 14,
    }


def _queries(user, hospital) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        page = discharged_worklist(user=user, hospital=hospital, page_size=100)
        for row in page.rows:
            _ = (row.badges, row.letter_label, row.stay.patient.display_name, row.stay.ward)
            _ = (row.stay.referent, row.discharged_local)
    return len(captured), page.total


def _busy(claire, hospital, n: int) -> None:  # type: ignore[no-untyped-def]
    for index in range(n):
        stay = discharged(
            claire, hospital, ago=timedelta(hours=2 + index), letter=timedelta(hours=index % 3 - 1)
        )
        Stay.objects.filter(pk=stay.pk).update(referent=claire)


def test_query_count_does_not_grow_with_rows(claire, hospital) -> None:  # type: ignore[no-untyped-def]
    _busy(claire, hospital, 3)
    three, total = _queries(claire, hospital)
    assert total == 3
    _busy(claire, hospital, 20)
    twenty_three, total = _queries(claire, hospital)
    assert total == 23
    assert twenty_three == three
    assert three <= 12
