"""Fixtures for the transitions tests: the patients personas, protocols, fixed dates."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.utils import timezone

import parcours.transitions
from parcours.accounts.models import Role
from parcours.audit.actions import Actor
from parcours.transitions.aftercare_actions import broken_followup_check, watch_start
from parcours.transitions.protocols import liaison_protocol_install_default
from tests.factories import OrganisationFactory, UserFactory

# The stay tests use the patients personas.
from tests.patients.conftest import (  # noqa: F401
    manage,
    marie,
    nurse_claire,
    other_hospital_nurse,
    outsider,
    ward,
    ward_nurse,
)

TRANSITIONS_LOCALE = Path(parcours.transitions.__file__).resolve().parent / "locale"
BRUSSELS = ZoneInfo("Europe/Brussels")
FEED = Actor(user_id=None, username="adt-feed")
# Tuesday 3 March 2026, 10:00 in Brussels: Marie's admission after a fall.
ADMITTED = datetime(2026, 3, 3, 10, 0, tzinfo=BRUSSELS)
# Friday 6 March 2026, 17:00: the planned discharge.
EXPECTED = datetime(2026, 3, 6, 17, 0, tzinfo=BRUSSELS)


@pytest.fixture
def transitions_catalogue(settings: object) -> None:
    """Load the transitions catalogue even before `parcours.transitions` is an installed app.

    Django reads app catalogues only for installed apps; the app (with its models) arrives in
    another branch. Once it is installed this fixture does nothing and can be removed.
    """
    if not apps.is_installed("parcours.transitions"):
        settings.LOCALE_PATHS = [*settings.LOCALE_PATHS, TRANSITIONS_LOCALE]  # type: ignore[attr-defined]


@pytest.fixture
def hospital_protocol(hospital):  # type: ignore[no-untyped-def]
    """The default protocol of the whole hospital, with the default screening triggers."""
    return liaison_protocol_install_default(hospital=hospital, actor=FEED, name="CHU Test")


@pytest.fixture
def ward_protocol(hospital, ward, hospital_protocol):  # type: ignore[no-untyped-def]  # noqa: F811
    """The geriatric ward's own protocol (default items plus geriatric ones)."""
    return liaison_protocol_install_default(
        hospital=hospital, ward=ward, actor=FEED, name="Gériatrie"
    )


# Follow-up after discharge -------------------------------------------------------------------


@pytest.fixture
def low_threshold(db):  # type: ignore[no-untyped-def]
    return OrganisationFactory(
        code="bas-seuil-test",
        type="addiction_service",
        name={"fr": "Accueil bas seuil Test", "nl": "Laagdrempelig onthaal Test"},
    )


@pytest.fixture
def outreach_worker(low_threshold):  # type: ignore[no-untyped-def]
    """Nora, social worker of the community low-threshold team."""
    return UserFactory(
        username="nora", role=Role.SOCIAL_WORKER, organisation=low_threshold, first_name="Nora"
    )


@pytest.fixture
def watched(manage, low_threshold):  # type: ignore[no-untyped-def]  # noqa: F811
    """Marie watched by the low-threshold team for 12 days without contact: flagged."""
    start = timezone.now() - timedelta(days=12)
    entry = watch_start(access=manage, organisation=low_threshold, started_at=start)
    broken_followup_check(now=timezone.now())
    return entry


@pytest.fixture
def referent_nadia(db, hospital):  # type: ignore[no-untyped-def]
    """Nadia, complex-pathway referent of CHU Test."""
    return UserFactory(
        username="nadia",
        role=Role.COMPLEX_PATHWAY_REFERENT,
        organisation=hospital,
        first_name="Nadia",
        last_name="Benali",
    )
