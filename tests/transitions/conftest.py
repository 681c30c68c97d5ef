"""Fixtures for the transitions tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps

import parcours.transitions

TRANSITIONS_LOCALE = Path(parcours.transitions.__file__).resolve().parent / "locale"


@pytest.fixture
def transitions_catalogue(settings: object) -> None:
    """Load the transitions catalogue even before `parcours.transitions` is an installed app.

    Django reads app catalogues only for installed apps; the app (with its models) arrives in
    another branch. Once it is installed this fixture does nothing and can be removed.
    """
    if not apps.is_installed("parcours.transitions"):
        settings.LOCALE_PATHS = [*settings.LOCALE_PATHS, TRANSITIONS_LOCALE]  # type: ignore[attr-defined]


# The stay tests use the patients personas.
from tests.patients.conftest import manage, marie, nurse_claire, ward  # noqa: E402, F401
