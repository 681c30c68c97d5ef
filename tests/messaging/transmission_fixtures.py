"""Fixtures for transmissions: Marie's circle (story 1) with a GP, a home nurse, a home-help
service, her son Jan without an account, and people who must not receive anything.

Test modules import them with `from tests.messaging.transmission_fixtures import *`.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parcours.accounts.models import Role
from parcours.patients.access import Purpose, access_patient
from parcours.patients.actions import MemberInput, circle_member_add
from parcours.patients.models import CircleMember, Exclusion, MemberRole
from tests.factories import OrganisationFactory, UserFactory
from tests.patients.conftest import (
    gp_luc,
    home_nurse,
    manage,
    marie,
    marie_circle,
    nurse_claire,
    outsider,
    professional_for,
)

__all__ = [
    "circle",
    "deadline",
    "excluded_gp",
    "gp_luc",
    "home_help",
    "home_nurse",
    "manage",
    "marie",
    "marie_circle",
    "nurse_claire",
    "outsider",
    "sender_access",
]


@pytest.fixture
def home_help(db):  # type: ignore[no-untyped-def]
    """Nadia, home-help coordinator of a home-help service (sees non-medical information)."""
    service = OrganisationFactory(code="aide-test", type="home_help")
    return UserFactory(
        username="nadia",
        role=Role.HOME_CARE_COORDINATOR,
        organisation=service,
        first_name="Nadia",
        last_name="Lambert",
    )


@pytest.fixture
def excluded_gp(db):  # type: ignore[no-untyped-def]
    """Dr Koen Claes, a GP Marie does not want informed."""
    practice = OrganisationFactory(code="gp-excluded", type="health_centre")
    user = UserFactory(
        username="koen", role=Role.GP, organisation=practice, first_name="Koen", last_name="Claes"
    )
    professional_for(user, "gp", practice)
    return user


@pytest.fixture
def circle(marie_circle, manage, home_help, excluded_gp, nurse_claire):  # type: ignore[no-untyped-def]
    """Members by name: gp, nurse, home_help, jan (no account), koen (excluded)."""
    circle_member_add(
        access=manage,
        member=MemberInput(
            role=MemberRole.HOME_HELP,
            organisation=home_help.memberships.first().organisation,
            visibility="non_medical",
        ),
    )
    circle_member_add(
        access=manage,
        member=MemberInput(
            role=MemberRole.TRUSTED_PERSON,
            person_name="Jan Peeters",
            person_relationship="zoon",
            person_language="nl",
            visibility="care_instructions",
        ),
    )
    circle_member_add(
        access=manage,
        member=MemberInput(role=MemberRole.GP, professional=excluded_gp.professional),
    )
    Exclusion.objects.create(
        patient=marie_circle, professional=excluded_gp.professional, created_by=nurse_claire
    )
    members = CircleMember.objects.filter(patient=marie_circle)
    return {
        "gp": members.get(role=MemberRole.GP, professional__user__username="luc"),
        "nurse": members.get(role=MemberRole.HOME_NURSE),
        "home_help": members.get(role=MemberRole.HOME_HELP),
        "jan": members.get(role=MemberRole.TRUSTED_PERSON),
        "koen": members.get(professional__user__username="koen"),
    }


@pytest.fixture
def sender_access(nurse_claire, marie, circle):  # type: ignore[no-untyped-def]
    return access_patient(nurse_claire, marie.pk, purpose=Purpose.COORDINATION)


@pytest.fixture
def deadline():  # type: ignore[no-untyped-def]
    return timezone.now() + timedelta(days=1)
