"""Every branch of patients.access, with personas, each asserting its audit row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from freezegun import freeze_time

from parcours.audit.actions import Actor
from parcours.audit.models import AuditEvent
from parcours.audit.selectors import audit_chain_verify
from parcours.messaging.models import Notification
from parcours.patients.access import (
    AccessBasis,
    BreakGlassReasonRequired,
    PatientNotFound,
    Purpose,
    access_patient,
    access_patient_list,
    accessible_patients,
    break_the_glass,
    break_the_glass_end,
)
from parcours.patients.actions import (
    MemberInput,
    circle_member_add,
    circle_member_end,
    consent_record,
    exclusion_add,
    exclusion_lift,
)
from parcours.patients.models import MemberRole, Visibility
from parcours.transitions.actions import stay_admit, stay_cancel, stay_discharge
from tests.patients.conftest import last_audit

pytestmark = pytest.mark.django_db

READ = Purpose.TREATMENT
SYSTEM = Actor(user_id=None, username="adt-feed")


def assert_refused(user, patient_id, reason: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PatientNotFound):
        access_patient(user, patient_id, purpose=READ)
    row = last_audit()
    assert (row.outcome, row.reason, row.what, row.action) == ("denied", reason, "patient", "R")
    assert row.patient_id == (patient_id if isinstance(patient_id, int) else None)


def assert_allowed_row(user, patient, basis: str) -> AuditEvent:  # type: ignore[no-untyped-def]
    row = last_audit()
    assert (row.outcome, row.reason, row.user_id, row.patient_id) == (
        "success",
        basis,
        user.pk,
        patient.pk,
    )
    return row


def test_circle_member_reads_at_their_visibility(marie_circle, gp_luc, home_nurse) -> None:  # type: ignore[no-untyped-def]
    access = access_patient(gp_luc, marie_circle.pk, purpose=READ)
    assert (access.basis, access.visibility, access.can_manage) == ("circle", "full", False)
    row = assert_allowed_row(gp_luc, marie_circle, "circle")
    assert (row.role, row.organisation, row.purpose) == ("gp", "mm-test", "treatment")

    access = access_patient(home_nurse, marie_circle.pk, purpose=READ)
    assert access.visibility == Visibility.CARE_INSTRUCTIONS
    assert access.shows_medical and not access.allows(Visibility.FULL)
    assert_allowed_row(home_nurse, marie_circle, "circle")


def test_the_creator_is_the_referent_and_manages(marie, nurse_claire) -> None:  # type: ignore[no-untyped-def]
    access = access_patient(nurse_claire, marie.pk, purpose=READ, manage=True)
    assert access.can_manage and access.basis == AccessBasis.CIRCLE
    assert_allowed_row(nurse_claire, marie, "circle")


def test_a_member_cannot_manage_the_circle(marie_circle, gp_luc) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PatientNotFound):
        access_patient(gp_luc, marie_circle.pk, purpose=READ, manage=True)
    assert last_audit().reason == "not-manager"


def test_member_whose_relationship_ended_is_refused(
    marie_circle, manage, gp_luc, yesterday
) -> None:  # type: ignore[no-untyped-def]
    member = marie_circle.circle.get(role=MemberRole.GP)
    member.start_date = yesterday - timedelta(days=30)
    member.save()
    circle_member_end(access=manage, member_id=member.pk, end_date=yesterday)
    assert_refused(gp_luc, marie_circle.pk, "no-relationship")


def test_member_with_visibility_nothing_is_refused(manage, outsider) -> None:  # type: ignore[no-untyped-def]
    pharmacy = outsider.memberships.first().organisation
    circle_member_add(
        access=manage,
        member=MemberInput(role=MemberRole.PHARMACIST, organisation=pharmacy, visibility="none"),
    )
    assert_refused(outsider, manage.patient.pk, "visibility-none")


def test_organisation_member_lets_its_care_team_in(manage, outsider) -> None:  # type: ignore[no-untyped-def]
    pharmacy = outsider.memberships.first().organisation
    circle_member_add(
        access=manage, member=MemberInput(role=MemberRole.PHARMACIST, organisation=pharmacy)
    )
    assert access_patient(outsider, manage.patient.pk, purpose=READ).basis == "circle"


def test_excluded_gp_is_refused_even_in_the_circle(marie_circle, manage, gp_luc) -> None:  # type: ignore[no-untyped-def]
    exclusion = exclusion_add(
        access=manage, professional=gp_luc.professional, reason="patient's wish"
    )
    assert_refused(gp_luc, marie_circle.pk, "excluded")
    assert access_patient_list(gp_luc, purpose=READ) == []
    with pytest.raises(PatientNotFound):
        break_the_glass(gp_luc, marie_circle.pk, reason="Emergency at home, patient unconscious")
    assert (last_audit().outcome, last_audit().reason) == ("denied", "excluded")
    exclusion_lift(access=manage, exclusion_id=exclusion.pk)
    assert access_patient(gp_luc, marie_circle.pk, purpose=READ).basis == "circle"


def test_excluded_professional_with_an_open_stay_is_refused(
    marie, hospital, ward_nurse, manage
) -> None:  # type: ignore[no-untyped-def]
    from tests.patients.conftest import professional_for

    professional = professional_for(ward_nurse, "specialist", hospital)
    stay_admit(patient=marie, hospital=hospital, actor=SYSTEM)
    exclusion_add(access=manage, professional=professional)
    assert_refused(ward_nurse, marie.pk, "excluded")


def test_hospital_nurse_with_and_without_an_open_stay(marie, hospital, ward, ward_nurse) -> None:  # type: ignore[no-untyped-def]
    assert_refused(ward_nurse, marie.pk, "no-relationship")
    stay = stay_admit(patient=marie, hospital=hospital, ward=ward, actor=SYSTEM)
    assert last_audit().what == "stay"
    access = access_patient(ward_nurse, marie.pk, purpose=READ)
    assert (access.basis, access.visibility, access.can_manage) == ("stay", "full", True)
    row = assert_allowed_row(ward_nurse, marie, "stay")
    assert (row.role, row.organisation) == ("hospital_liaison_nurse", "chu-test-ger")
    stay_discharge(stay=stay, actor=SYSTEM)
    # The follow-up after discharge is the team's (next test): still in, on the stay.
    assert access_patient(ward_nurse, marie.pk, purpose=READ).basis == "stay"


def test_the_hospital_team_follows_up_for_a_window_after_discharge(  # type: ignore[no-untyped-def]
    marie, hospital, ward, ward_nurse, settings
) -> None:
    settings.STAY_FOLLOWUP_ACCESS_DAYS = 30
    admitted = timezone.now() - timedelta(days=60)
    with freeze_time(admitted):
        stay = stay_admit(patient=marie, hospital=hospital, ward=ward, actor=SYSTEM)
    with freeze_time(admitted + timedelta(days=4)):
        stay_discharge(stay=stay, actor=SYSTEM)
    # Day 29 after discharge: the day-30 check is still the hospital team's.
    with freeze_time(admitted + timedelta(days=4 + 29)):
        access = access_patient(ward_nurse, marie.pk, purpose=READ)
        assert (access.basis, access.visibility) == ("stay", "full")
        assert marie.pk in {p.pk for p in accessible_patients(ward_nurse)}
    with freeze_time(admitted + timedelta(days=4 + 31)):
        assert_refused(ward_nurse, marie.pk, "no-relationship")
        assert marie.pk not in {p.pk for p in accessible_patients(ward_nurse)}
    settings.STAY_FOLLOWUP_ACCESS_DAYS = 0
    with freeze_time(admitted + timedelta(days=5)):
        assert_refused(ward_nurse, marie.pk, "no-relationship")


def test_a_cancelled_stay_opens_nothing(marie, hospital, ward_nurse) -> None:  # type: ignore[no-untyped-def]
    stay = stay_admit(patient=marie, hospital=hospital, actor=SYSTEM)
    stay_cancel(stay=stay, actor=SYSTEM)
    assert_refused(ward_nurse, marie.pk, "no-relationship")


def test_a_planned_stay_lets_the_hospital_team_in(marie, hospital, ward, ward_nurse) -> None:  # type: ignore[no-untyped-def]
    stay_admit(patient=marie, hospital=hospital, ward=ward, actor=SYSTEM, planned=True)
    access = access_patient(ward_nurse, marie.pk, purpose=READ)
    assert (access.basis, access.visibility, access.can_manage) == ("stay", "full", True)
    assert_allowed_row(ward_nurse, marie, "stay")
    assert marie.pk in {p.pk for p in accessible_patients(ward_nurse)}


def test_a_cancelled_planned_stay_opens_nothing(marie, hospital, ward, ward_nurse) -> None:  # type: ignore[no-untyped-def]
    stay = stay_admit(patient=marie, hospital=hospital, ward=ward, actor=SYSTEM, planned=True)
    stay_cancel(stay=stay, actor=SYSTEM)
    assert_refused(ward_nurse, marie.pk, "no-relationship")
    assert marie.pk not in {p.pk for p in accessible_patients(ward_nurse)}


def test_a_stay_in_another_hospital_opens_nothing(marie, other_hospital_nurse, hospital) -> None:  # type: ignore[no-untyped-def]
    stay_admit(patient=marie, hospital=hospital, actor=SYSTEM)
    assert_refused(other_hospital_nurse, marie.pk, "no-relationship")


def test_user_of_another_organisation_is_refused(marie, outsider) -> None:  # type: ignore[no-untyped-def]
    assert_refused(outsider, marie.pk, "no-relationship")
    assert access_patient_list(outsider, purpose=READ) == []


def test_platform_admin_has_no_access(marie, helene) -> None:  # type: ignore[no-untyped-def]
    assert_refused(helene, marie.pk, "no-care-role")
    assert access_patient_list(helene, purpose=READ) == []
    assert last_audit().outcome == "denied"
    with pytest.raises(PatientNotFound):
        break_the_glass(helene, marie.pk, reason="I administer the platform and want to look")


def test_anonymous_is_refused(marie) -> None:  # type: ignore[no-untyped-def]
    assert_refused(AnonymousUser(), marie.pk, "unauthenticated")
    assert last_audit().username == "anonymous"
    assert_refused(None, marie.pk, "unauthenticated")


def test_not_found_and_not_allowed_answer_the_same(marie, outsider) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PatientNotFound) as missing:
        access_patient(outsider, 999_999, purpose=READ)
    assert last_audit().reason == "not-found"
    with pytest.raises(PatientNotFound) as refused:
        access_patient(outsider, marie.pk, purpose=READ)
    assert type(missing.value) is type(refused.value)
    assert str(missing.value) == str(refused.value)
    assert_refused(outsider, "not-a-number", "not-found")


def test_break_the_glass_opens_for_a_limited_time_and_notifies_the_referent(  # type: ignore[no-untyped-def]
    marie, outsider, nurse_claire, django_capture_on_commit_callbacks
) -> None:
    with pytest.raises(BreakGlassReasonRequired):
        break_the_glass(outsider, marie.pk, reason="because")
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        access = break_the_glass(
            outsider, marie.pk, reason="Found unconscious at the pharmacy, need allergies"
        )
    assert callbacks, "live event published on commit"
    assert (access.basis, access.visibility, access.can_manage) == (
        "break-the-glass",
        "full",
        False,
    )
    started = AuditEvent.objects.get(what="break-the-glass", outcome="success", reason="started")
    assert (started.type_code, started.subtype_code, started.action, started.purpose) == (
        "110113",
        "110127",
        "E",
        "ETREAT",
    )
    read = assert_allowed_row(outsider, marie, "break-the-glass")
    assert read.purpose == "ETREAT"
    notification = Notification.objects.get(recipient=nurse_claire)
    assert notification.kind == "patient.break_the_glass" and notification.patient_id == marie.pk
    assert marie in access_patient_list(outsider, purpose=READ)

    with freeze_time(start + timedelta(hours=4, minutes=1)):
        assert_refused(outsider, marie.pk, "no-relationship")
        stopped = AuditEvent.objects.get(subtype_code="110128")
        assert (stopped.reason, stopped.user_id) == ("expired", outsider.pk)
        assert access_patient_list(outsider, purpose=READ) == []
    assert audit_chain_verify().ok


def test_break_the_glass_can_be_ended_early(marie, outsider) -> None:  # type: ignore[no-untyped-def]
    access = break_the_glass(outsider, marie.pk, reason="Emergency admission, need the GP's name")
    break_the_glass_end(access=access)
    assert AuditEvent.objects.get(subtype_code="110128").reason == "ended"
    assert_refused(outsider, marie.pk, "no-relationship")


def test_break_the_glass_on_an_unknown_patient_is_refused(outsider) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PatientNotFound):
        break_the_glass(outsider, 424242, reason="Emergency admission, need the GP's name")
    row = last_audit()
    assert (row.outcome, row.reason, row.subtype_code) == ("denied", "not-found", "110127")


def test_withdrawn_consent_wins_over_every_way_in(  # type: ignore[no-untyped-def]
    marie_circle, manage, gp_luc, hospital, ward, ward_nurse, outsider
) -> None:
    stay_admit(patient=marie_circle, hospital=hospital, ward=ward, actor=SYSTEM)
    consent_record(access=manage, status="given", method="oral")
    assert access_patient(gp_luc, marie_circle.pk, purpose=READ)
    consent_record(access=manage, status="withdrawn", method="written", note="by letter")
    assert_refused(gp_luc, marie_circle.pk, "consent-withdrawn")
    assert_refused(ward_nurse, marie_circle.pk, "consent-withdrawn")
    assert access_patient_list(ward_nurse, purpose=READ) == [marie_circle], "managers still find"
    with pytest.raises(PatientNotFound):
        break_the_glass(outsider, marie_circle.pk, reason="Emergency admission, need the GP's name")
    assert access_patient_list(gp_luc, purpose=READ) == []
    # The circle's managers can still record a new decision, and see nothing else.
    again = access_patient(ward_nurse, marie_circle.pk, purpose=Purpose.CONSENT, manage=True)
    assert (again.visibility, again.can_manage) == ("none", True)
    assert last_audit().reason == "consent-management"
    with pytest.raises(PatientNotFound):
        access_patient(gp_luc, marie_circle.pk, purpose=Purpose.CONSENT, manage=True)
    consent_record(access=again, status="given", method="oral")
    assert access_patient(gp_luc, marie_circle.pk, purpose=READ).basis == "circle"


def test_refused_consent_blocks_members(marie_circle, manage, gp_luc) -> None:  # type: ignore[no-untyped-def]
    consent_record(access=manage, status="refused", method="oral")
    assert_refused(gp_luc, marie_circle.pk, "consent-withdrawn")


def test_patient_list_only_shows_reachable_patients(marie_circle, gp_luc, outsider) -> None:  # type: ignore[no-untyped-def]
    assert [p.pk for p in access_patient_list(gp_luc, purpose=READ, query="peet")] == [
        marie_circle.pk
    ]
    row = last_audit()
    assert (row.what, row.outcome, row.detail) == (
        "patient-search",
        "success",
        {"query": "peet", "count": 1},
    )
    assert access_patient_list(gp_luc, purpose=READ, query="nobody") == []
    assert access_patient_list(AnonymousUser(), purpose=READ) == []
    assert last_audit().outcome == "denied"


def test_a_lifted_exclusion_does_not_combine_with_another_one(  # type: ignore[no-untyped-def]
    marie_circle, manage, gp_luc, home_nurse
) -> None:
    mine = exclusion_add(access=manage, professional=gp_luc.professional)
    exclusion_lift(access=manage, exclusion_id=mine.pk)
    exclusion_add(access=manage, professional=home_nurse.professional)
    assert access_patient_list(gp_luc, purpose=READ) == [marie_circle]
    assert access_patient_list(home_nurse, purpose=READ) == []
