"""`users_with_access` decides for many users at once exactly what `accessible_patients` decides
for each, in a number of queries that does not grow with the number of candidates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parcours.accounts.models import Role, User
from parcours.audit.actions import Actor
from parcours.audit.models import AuditEvent
from parcours.directory.models import Service
from parcours.patients.access import (
    Purpose,
    access_patient,
    accessible_patients,
    break_the_glass,
    users_with_access,
)
from parcours.patients.actions import (
    MemberInput,
    circle_member_add,
    consent_record,
    exclusion_add,
)
from parcours.patients.models import BreakGlass, MemberRole, Patient, Visibility
from parcours.transitions.actions import stay_admit, stay_discharge
from tests.factories import OrganisationFactory, UserFactory
from tests.patients.conftest import professional_for

pytestmark = pytest.mark.django_db

SYSTEM = Actor(user_id=None, username="adt-feed")
REASON = "Unconscious at the emergency department, no GP reachable"


def one_by_one(patient: Patient, users: list[User]) -> set[str]:
    return {u.username for u in users if accessible_patients(u).filter(pk=patient.pk).exists()}


def at_once(patient: Patient, users: list[User]) -> set[str]:
    return {u.username for u in users_with_access(patient, [u.pk for u in users])}


def professional_member(manage, username: str, **member: object) -> User:  # type: ignore[no-untyped-def]
    practice = OrganisationFactory(code=f"org-{username}", type="health_centre")
    user = UserFactory(username=username, role=Role.PHYSIOTHERAPIST, organisation=practice)
    professional = professional_for(user, "physio", practice)
    circle_member_add(
        access=manage,
        member=MemberInput(role=MemberRole.PHYSIOTHERAPIST, professional=professional, **member),
    )
    return user


@pytest.fixture
def population(marie_circle, manage, gp_luc, home_nurse, ward_nurse, hospital, ward, helene):  # type: ignore[no-untyped-def]
    """Everyone around Marie whose answer differs for some reason of access.py."""
    today = timezone.localdate()
    people: list[User] = [manage.user, gp_luc, home_nurse, ward_nurse, helene]
    # The team of a member organisation, and of a member service's organisation.
    team = OrganisationFactory(code="team-org", type="home_nursing")
    circle_member_add(
        access=manage, member=MemberInput(role=MemberRole.HOME_NURSE, organisation=team)
    )
    people.append(UserFactory(username="team-nurse", role=Role.HOME_NURSE, organisation=team))
    people.append(
        UserFactory(username="team-admin", role=Role.ORGANISATION_ADMIN, organisation=team)
    )
    served = OrganisationFactory(code="served-org", type="home_care")
    service = Service.objects.create(organisation=served, name={"fr": "Aide"}, category="home_care")
    circle_member_add(access=manage, member=MemberInput(role=MemberRole.HOME_HELP, service=service))
    people.append(
        UserFactory(username="service-coord", role=Role.HOME_CARE_COORDINATOR, organisation=served)
    )
    # Professionals: excluded, seeing nothing, ended, not yet started, referent.
    excluded = professional_member(manage, "excluded")
    exclusion_add(access=manage, professional=excluded.professional)
    people += [
        excluded,
        professional_member(manage, "sees-nothing", visibility=Visibility.NONE),
        professional_member(
            manage,
            "ended",
            start_date=today - timedelta(days=20),
            end_date=today - timedelta(days=1),
        ),
        professional_member(manage, "future", start_date=today + timedelta(days=3)),
        professional_member(manage, "co-referent", is_referent=True),
    ]
    inactive = professional_member(manage, "inactive")
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    people.append(inactive)
    # Hospital teams: the ward of an open stay, another hospital discharged 10 days ago (in the
    # follow-up window) and a third 40 days ago (out of it), a hospital with no stay.
    stay_admit(patient=marie_circle, hospital=hospital, ward=ward, actor=SYSTEM)
    for code, days in (("recent", 10), ("long-ago", 40)):
        other = OrganisationFactory(code=f"hosp-{code}", type="hospital")
        stay = stay_admit(
            patient=marie_circle,
            hospital=other,
            admitted_at=timezone.now() - timedelta(days=days + 5),
            actor=SYSTEM,
        )
        stay_discharge(stay=stay, actor=SYSTEM, discharged_at=timezone.now() - timedelta(days=days))
        people.append(
            UserFactory(username=f"nurse-{code}", role=Role.WARD_PHYSICIAN, organisation=other)
        )
    people.append(
        UserFactory(
            username="no-stay",
            role=Role.HOSPITAL_SOCIAL_WORKER,
            organisation=OrganisationFactory(code="hosp-none", type="hospital"),
        )
    )
    # Break-the-glass: open, and expired.
    pharmacy = OrganisationFactory(code="pharma-bg", type="pharmacy")
    glass = UserFactory(username="glass", role=Role.PHARMACIST, organisation=pharmacy)
    break_the_glass(glass, marie_circle.pk, reason=REASON)
    expired = UserFactory(username="glass-expired", role=Role.PHARMACIST, organisation=pharmacy)
    break_the_glass(expired, marie_circle.pk, reason=REASON)
    BreakGlass.objects.filter(user=expired).update(expires_at=timezone.now() - timedelta(minutes=1))
    people += [glass, expired]
    # Someone with no tie at all.
    people.append(
        UserFactory(username="stranger", role=Role.GP, organisation=OrganisationFactory(code="far"))
    )
    return people


@pytest.mark.parametrize("consent", [None, "given", "refused", "withdrawn"])
@pytest.mark.parametrize("followup_days", [30, 0])
def test_the_same_answer_as_accessible_patients_for_every_persona(  # type: ignore[no-untyped-def]
    population, manage, settings, consent, followup_days
) -> None:
    settings.STAY_FOLLOWUP_ACCESS_DAYS = followup_days
    if consent:
        consent_record(access=manage, status=consent, method="oral")
    patient = manage.patient

    expected = one_by_one(patient, population)

    assert at_once(patient, population) == expected
    # The population really covers both answers, and the reasons this test is about.
    if consent in (None, "given"):
        assert {
            "claire",
            "luc",
            "fatima",
            "sophie",
            "team-nurse",
            "service-coord",
            "glass",
        } <= expected
        assert ("nurse-recent" in expected) == (followup_days > 0)
    else:
        assert expected == {"claire", "co-referent", "sophie"} | (
            {"nurse-recent"} if followup_days else set()
        )
    refused = {
        "helene", "team-admin", "excluded", "sees-nothing", "ended", "future", "inactive",
        "nurse-long-ago", "no-stay", "glass-expired", "stranger",
    }  # fmt: skip
    assert not refused & expected


def test_a_merged_or_unknown_patient_reaches_no_one(population, manage) -> None:  # type: ignore[no-untyped-def]
    patient = manage.patient
    assert users_with_access(patient.pk + 1000, [u.pk for u in population]) == []
    Patient.objects.filter(pk=patient.pk).update(status="merged")
    assert one_by_one(patient, population) == set()
    assert users_with_access(patient, [u.pk for u in population]) == []


def test_accepts_a_queryset_and_orders_by_username(population, manage) -> None:  # type: ignore[no-untyped-def]
    queryset = User.objects.filter(pk__in=[u.pk for u in population])
    names = [u.username for u in users_with_access(manage.patient, queryset)]
    assert names == sorted(one_by_one(manage.patient, population))


def test_a_routing_read_writes_no_audit_row(population, manage) -> None:  # type: ignore[no-untyped-def]
    before = AuditEvent.objects.count()
    assert users_with_access(manage.patient, [u.pk for u in population])
    assert AuditEvent.objects.count() == before


def test_5_or_50_candidates_cost_the_same_queries(marie_circle, manage) -> None:  # type: ignore[no-untyped-def]
    team = OrganisationFactory(code="big-team", type="home_nursing")
    circle_member_add(
        access=manage, member=MemberInput(role=MemberRole.HOME_NURSE, organisation=team)
    )
    people = [
        UserFactory(username=f"member{n}", role=Role.HOME_NURSE, organisation=team)
        for n in range(50)
    ]
    access_patient(manage.user, marie_circle.pk, purpose=Purpose.TREATMENT)

    def count(users: list[User]) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            found = users_with_access(marie_circle, [u.pk for u in users])
        return len(queries), len(found)

    assert count(people[:5]) == (count(people)[0], 5)
    assert count(people)[1] == 50
