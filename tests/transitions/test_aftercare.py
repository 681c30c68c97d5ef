# ruff: noqa: F811  (pytest fixtures imported from the patients personas)
"""Follow-up after discharge through the actions: watch lists, contacts, refusals, the
broken-follow-up check of the worker, and 30-day readmissions (issue #5 part 6)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from parcours.accounts.models import Role
from parcours.audit.actions import Actor
from parcours.core.periodic import PeriodicJob, Scheduler
from parcours.messaging.models import Notification
from parcours.patients.access import Purpose, access_patient
from parcours.patients.actions import MemberInput, circle_member_add
from parcours.patients.models import CircleMember, MemberRole
from parcours.transitions.actions import stay_admit, stay_discharge
from parcours.transitions.aftercare_actions import (
    AftercareError,
    broken_followup_check,
    contact_record,
    refusal_record,
    watch_end,
    watch_reactivate_help,
    watch_start,
)
from parcours.transitions.aftercare_models import (
    BrokenFollowUp,
    Contact,
    ContactKind,
    Readmission,
    Refusal,
    WatchEntry,
)
from parcours.transitions.aftercare_selectors import first_contact_delay, watch_list
from tests.factories import OrganisationFactory, UserFactory
from tests.patients.conftest import gp_luc, home_nurse, marie_circle, outsider  # noqa: F401

FEED = Actor(user_id=None, username="test-adt-feed")


@pytest.fixture
def discharged(manage, hospital):  # type: ignore[no-untyped-def]
    """Marie's stay at CHU Test, discharged 2 days ago."""
    stay = stay_admit(
        patient=manage.patient,
        hospital=hospital,
        admitted_at=timezone.now() - timedelta(days=8),
        actor=FEED,
    )
    return stay_discharge(stay=stay, actor=FEED, discharged_at=timezone.now() - timedelta(days=2))


def _notified(user, kind: str) -> int:  # type: ignore[no-untyped-def]
    return Notification.objects.filter(recipient=user, kind=kind).count()


# Watch list ------------------------------------------------------------------------------------


def test_watch_start_by_the_referent_adds_the_organisation_to_the_circle(
    manage, low_threshold, outreach_worker
):  # type: ignore[no-untyped-def]
    entry = watch_start(access=manage, organisation=low_threshold, reason="Sortie sans domicile")
    assert entry.is_active and entry.started_by == manage.user
    member = CircleMember.objects.get(patient=manage.patient, organisation=low_threshold)
    assert member.role == MemberRole.CASE_MANAGER and member.visibility == "non_medical"
    rows = watch_list(outreach_worker)
    assert [r.entry.pk for r in rows] == [entry.pk]
    with pytest.raises(AftercareError):
        watch_start(access=manage, organisation=low_threshold)


def test_watch_start_by_a_member_outside_the_circle_is_refused(marie_circle, gp_luc, low_threshold):  # type: ignore[no-untyped-def]
    luc = access_patient(gp_luc, marie_circle.pk, purpose=Purpose.COORDINATION)
    assert not luc.can_manage
    with pytest.raises(AftercareError):
        watch_start(access=luc, organisation=low_threshold)
    practice = gp_luc.memberships.first().organisation
    # His practice is not in the circle (Luc is, as a professional): refused, ask the referent.
    with translation.override("en"), pytest.raises(AftercareError, match="referent"):
        watch_start(access=luc, organisation=practice)
    assert not WatchEntry.objects.exists()


def test_a_watching_member_records_contact_and_ends_the_watch(
    manage, low_threshold, outreach_worker, discharged
):  # type: ignore[no-untyped-def]
    entry = watch_start(access=manage, organisation=low_threshold)
    nora = access_patient(outreach_worker, manage.patient.pk, purpose=Purpose.COORDINATION)
    contact = contact_record(access=nora, channel="visit", note="Rencontré à l'accueil")
    assert contact.by_organisation == low_threshold and contact.stay == discharged
    assert watch_list(outreach_worker)[0].last_contact_at == contact.at
    with pytest.raises(AftercareError):
        watch_end(access=nora, entry_id=entry.pk, reason="  ")
    watch_end(access=nora, entry_id=entry.pk, reason="Relais pris par le CPAS")
    entry.refresh_from_db()
    assert entry.ended_by == outreach_worker and entry.end_reason == "Relais pris par le CPAS"
    assert watch_list(outreach_worker) == []


def test_reactivating_help_is_a_contact_and_tells_the_referents(
    manage, low_threshold, outreach_worker, nurse_claire
):  # type: ignore[no-untyped-def]
    entry = watch_start(access=manage, organisation=low_threshold)
    nora = access_patient(outreach_worker, manage.patient.pk, purpose=Purpose.COORDINATION)
    contact = watch_reactivate_help(
        access=nora, entry_id=entry.pk, help_given="Aide familiale 2x/semaine", channel="phone"
    )
    assert contact.kind == ContactKind.HELP_REACTIVATED
    assert contact.note == "Aide familiale 2x/semaine"
    assert _notified(nurse_claire, "followup.help_reactivated") == 1
    assert _notified(outreach_worker, "followup.help_reactivated") == 0


# Contacts --------------------------------------------------------------------------------------


def test_first_community_contact_after_discharge(
    marie_circle, home_nurse, nurse_claire, discharged
):  # type: ignore[no-untyped-def]
    assert first_contact_delay(discharged) is None
    claire = access_patient(nurse_claire, marie_circle.pk, purpose=Purpose.COORDINATION)
    # The hospital's own call does not count as a community contact.
    contact_record(access=claire, channel="phone", at=discharged.discharged_at + timedelta(hours=1))
    assert first_contact_delay(discharged) is None
    fatima = access_patient(home_nurse, marie_circle.pk, purpose=Purpose.TREATMENT)
    contact_record(
        access=fatima, channel="visit", at=discharged.discharged_at + timedelta(hours=20)
    )
    contact_record(
        access=fatima, channel="visit", at=discharged.discharged_at + timedelta(hours=30)
    )
    assert first_contact_delay(discharged) == timedelta(hours=20)


def test_a_contact_cannot_be_in_the_future(manage):  # type: ignore[no-untyped-def]
    with pytest.raises(AftercareError):
        contact_record(access=manage, channel="phone", at=timezone.now() + timedelta(days=1))
    with pytest.raises(AftercareError):
        contact_record(access=manage, channel="telepathy")
    assert not Contact.objects.exists()


# Refusals --------------------------------------------------------------------------------------


def test_refusal_records_who_when_and_what(manage, discharged):  # type: ignore[no-untyped-def]
    when = timezone.now() - timedelta(hours=3)
    refusal = refusal_record(
        access=manage,
        offered="Aide familiale à domicile",
        refused_by="patient",
        at=when,
        reason="Ne veut personne chez lui",
    )
    stored = Refusal.objects.get()
    assert stored == refusal
    assert (stored.offered, stored.refused_by, stored.at) == (
        "Aide familiale à domicile",
        "patient",
        when,
    )
    assert stored.recorded_by == manage.user and stored.stay == discharged
    with pytest.raises(AftercareError):
        refusal_record(access=manage, offered="", refused_by="patient")
    with pytest.raises(AftercareError):
        refusal_record(access=manage, offered="Repas", refused_by="neighbour")


# Broken follow-up ------------------------------------------------------------------------------


def test_broken_followup_flags_once_after_n_days_and_a_contact_clears_it(
    manage, low_threshold, outreach_worker, nurse_claire, settings
):  # type: ignore[no-untyped-def]
    settings.BROKEN_FOLLOWUP_DAYS = 10
    start = timezone.now() - timedelta(days=30)
    entry = watch_start(access=manage, organisation=low_threshold, started_at=start)
    assert broken_followup_check(now=start + timedelta(days=9, hours=23)) == 0
    assert broken_followup_check(now=start + timedelta(days=10)) == 1
    assert broken_followup_check(now=start + timedelta(days=11)) == 0  # idempotent
    entry.refresh_from_db()
    assert entry.broken_follow_up_flagged_at == start + timedelta(days=10)
    assert _notified(outreach_worker, "followup.broken") == 1
    assert _notified(nurse_claire, "followup.broken") == 1
    assert watch_list(outreach_worker)[0].flagged

    nora = access_patient(outreach_worker, manage.patient.pk, purpose=Purpose.COORDINATION)
    contact = contact_record(access=nora, channel="visit", at=start + timedelta(days=12))
    entry.refresh_from_db()
    assert entry.broken_follow_up_flagged_at is None
    alert = BrokenFollowUp.objects.get()
    assert alert.cleared_by == contact
    # Counted again from the last contact: flagged anew 10 days after it, not before.
    assert broken_followup_check(now=start + timedelta(days=21)) == 0
    assert broken_followup_check(now=start + timedelta(days=22)) == 1
    assert _notified(outreach_worker, "followup.broken") == 2


def test_broken_followup_ignores_ended_watches(manage, low_threshold):  # type: ignore[no-untyped-def]
    start = timezone.now() - timedelta(days=30)
    entry = watch_start(access=manage, organisation=low_threshold, started_at=start)
    watch_end(access=manage, entry_id=entry.pk, reason="Admis en post-cure")
    assert broken_followup_check(now=timezone.now()) == 0


def test_the_worker_scheduler_runs_the_check_once_per_period(manage, low_threshold):  # type: ignore[no-untyped-def]
    start = timezone.now() - timedelta(days=30)
    watch_start(access=manage, organisation=low_threshold, started_at=start)
    clock = [timezone.now()]
    scheduler = Scheduler(clock=lambda: clock[0])
    assert "broken-follow-up" in [job.name for job in scheduler.jobs]
    assert scheduler.tick() == 1
    assert scheduler.tick() == 0
    assert WatchEntry.objects.get().broken_follow_up_flagged_at is not None


def test_a_failing_periodic_job_does_not_stop_the_others(db):  # type: ignore[no-untyped-def]
    jobs = [
        PeriodicJob("broken", "parcours.does.not.exist", every=timedelta(hours=1)),
        PeriodicJob(
            "followup",
            "parcours.transitions.aftercare_actions.broken_followup_check",
            every=timedelta(hours=1),
        ),
    ]
    assert Scheduler(jobs).tick() == 0


# Readmission -----------------------------------------------------------------------------------


def _readmit(patient, hospital, *, after_days: int):  # type: ignore[no-untyped-def]
    discharged_at = timezone.now() - timedelta(days=40)
    first = stay_admit(
        patient=patient,
        hospital=hospital,
        admitted_at=discharged_at - timedelta(days=5),
        actor=FEED,
    )
    stay_discharge(stay=first, actor=FEED, discharged_at=discharged_at)
    other = OrganisationFactory(code="chu-autre", type="hospital", name={"fr": "CHU Autre"})
    return first, stay_admit(
        patient=patient,
        hospital=other,
        admitted_at=discharged_at + timedelta(days=after_days),
        actor=FEED,
    )


def test_readmission_on_day_20_is_flagged_to_the_whole_circle(
    marie_circle, hospital, gp_luc, home_nurse, nurse_claire, outsider
):  # type: ignore[no-untyped-def]
    first, second = _readmit(marie_circle, hospital, after_days=20)
    readmission = Readmission.objects.get()
    assert (readmission.stay, readmission.previous_stay, readmission.days) == (second, first, 20)
    for user in (gp_luc, home_nurse, nurse_claire):
        assert _notified(user, "stay.readmission") == 1
    assert _notified(outsider, "stay.readmission") == 0
    notification = Notification.objects.filter(kind="stay.readmission").first()
    assert notification.params["days"] == 20
    # The hospital is named in each reader's language, whatever language the action ran in.
    assert "CHU Test" in notification.title("fr")
    assert "UZ Test" in notification.title("nl")


def test_readmission_on_day_31_is_not_flagged(marie_circle, hospital, gp_luc):  # type: ignore[no-untyped-def]
    _readmit(marie_circle, hospital, after_days=31)
    assert not Readmission.objects.exists()
    assert _notified(gp_luc, "stay.readmission") == 0


def test_a_first_admission_is_no_readmission(manage, hospital):  # type: ignore[no-untyped-def]
    stay_admit(patient=manage.patient, hospital=hospital, actor=FEED)
    assert not Readmission.objects.exists()


# Story 2 ---------------------------------------------------------------------------------------


def test_story_2_samir_watched_by_a_low_threshold_service_mediator_asked_to_reach_out(
    nurse_claire, hospital, low_threshold, outreach_worker, settings
):  # type: ignore[no-untyped-def]
    from parcours.patients.actions import IdentifierInput, PatientData, patient_create
    from tests.patients.conftest import professional_for

    settings.BROKEN_FOLLOWUP_DAYS = 10
    mediation = OrganisationFactory(code="mediation-test", type="health_mediation")
    mediator = UserFactory(
        username="ibrahim", role=Role.HEALTH_MEDIATOR, organisation=mediation, first_name="Ibrahim"
    )
    professional_for(mediator, "health_mediator", mediation)
    samir = patient_create(
        user=nurse_claire,
        data=PatientData(given_name="Samir", is_provisional=True, languages=["fr", "ar"]),
        identifiers=[IdentifierInput("local", "PSY-000417", hospital)],
    )
    claire = access_patient(nurse_claire, samir.pk, purpose=Purpose.COORDINATION, manage=True)
    circle_member_add(
        access=claire,
        member=MemberInput(
            role=MemberRole.HEALTH_MEDIATOR, professional=mediator.professional, is_referent=True
        ),
    )
    left = timezone.now() - timedelta(days=12)
    stay = stay_admit(
        patient=samir, hospital=hospital, admitted_at=left - timedelta(days=6), actor=FEED
    )
    stay_discharge(stay=stay, actor=FEED, discharged_at=left)
    refusal_record(access=claire, offered="Aide à domicile", refused_by="patient", at=left)
    watch_start(access=claire, organisation=low_threshold, started_at=left)

    assert broken_followup_check(now=left + timedelta(days=9)) == 0
    assert _notified(mediator, "followup.broken") == 0
    assert broken_followup_check(now=left + timedelta(days=10)) == 1
    assert _notified(mediator, "followup.broken") == 1
    assert _notified(outreach_worker, "followup.broken") == 1
    notification = Notification.objects.get(recipient=mediator, kind="followup.broken")
    assert notification.params["days"] == 10
    assert "Accueil bas seuil Test" in notification.title("fr")
    assert "Laagdrempelig onthaal Test" in notification.title("nl")
    assert notification.link == f"/followup/patients/{samir.pk}/"


# The worker closes its database connections between polls: a transaction-wrapped test
# would lose its connection (PostgreSQL), so this one commits for real.
@pytest.mark.django_db(transaction=True)
def test_parcours_worker_runs_the_check_and_mails_no_patient_detail(
    manage, low_threshold, outreach_worker, mailoutbox
):  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    entry = watch_start(
        access=manage, organisation=low_threshold, started_at=timezone.now() - timedelta(days=12)
    )
    call_command("worker", "--batch", "--interval", "0")
    entry.refresh_from_db()
    assert entry.broken_follow_up_flagged_at is not None
    assert _notified(outreach_worker, "followup.broken") == 1
    mails = [m for m in mailoutbox if outreach_worker.email in m.to]
    assert mails, "the watching team is e-mailed"
    for mail in mails:
        text = mail.subject + mail.body
        assert "Marie" not in text and "Peeters" not in text


def test_merging_a_duplicate_keeps_its_follow_up(manage, nurse_claire, hospital):  # type: ignore[no-untyped-def]
    from parcours.patients.actions import (
        IdentifierInput,
        PatientData,
        patient_create,
        patient_merge,
    )

    duplicate = patient_create(
        user=nurse_claire,
        data=PatientData(given_name="Marie", family_name="Peters", languages=["fr"]),
        identifiers=[IdentifierInput("local", "DUP-1", hospital)],
        confirm_not_duplicate=True,
    )
    other = access_patient(nurse_claire, duplicate.pk, purpose=Purpose.COORDINATION, manage=True)
    contact_record(access=other, channel="phone")
    refusal_record(access=other, offered="Repas à domicile", refused_by="patient")
    _readmit(duplicate, hospital, after_days=5)
    patient_merge(source=other, target=manage)
    target = manage.patient
    assert Contact.objects.filter(patient=target).count() == 1
    assert Refusal.objects.filter(patient=target).count() == 1
    assert Readmission.objects.get().patient == target


def test_the_watch_list_reads_in_constant_queries(
    manage, low_threshold, outreach_worker, nurse_claire, hospital, django_assert_max_num_queries
):  # type: ignore[no-untyped-def]
    from parcours.patients.actions import IdentifierInput, PatientData, patient_create

    def watch_one(number: int) -> None:
        patient = patient_create(
            user=nurse_claire,
            data=PatientData(given_name=f"Patient{number}", family_name="Test"),
            identifiers=[IdentifierInput("local", f"W-{number}", hospital)],
        )
        access = access_patient(nurse_claire, patient.pk, purpose=Purpose.COORDINATION, manage=True)
        watch_start(access=access, organisation=low_threshold)
        contact_record(access=access, channel="phone")

    watch_one(1)
    with django_assert_max_num_queries(12) as few:
        assert len(watch_list(outreach_worker)) == 1
    for number in range(2, 7):
        watch_one(number)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(watch_list(outreach_worker)) == 6
