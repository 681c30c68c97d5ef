"""`parcours user create` and the navigation per role."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from parcours.accounts.models import User
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_user_create_with_password_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    OrganisationFactory(code="mm-louise")
    monkeypatch.setenv("PARCOURS_NEW_PASSWORD", "a long enough passphrase")
    out = StringIO()
    call_command(
        "user",
        "create",
        "--username",
        "luc",
        "--email",
        "luc@example.invalid",
        "--organisation",
        "mm-louise",
        "--role",
        "gp",
        stdout=out,
    )
    user = User.objects.get(username="luc")
    assert user.check_password("a long enough passphrase")
    assert user.roles == {"gp"}
    assert user.password.startswith("argon2")


def test_user_create_refuses_unknown_organisation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARCOURS_NEW_PASSWORD", "a long enough passphrase")
    with pytest.raises(CommandError, match="unknown organisation code"):
        call_command(
            "user",
            "create",
            "--username",
            "x",
            "--email",
            "x@example.invalid",
            "--organisation",
            "nowhere",
            "--role",
            "gp",
        )


def test_user_create_refuses_weak_password(monkeypatch: pytest.MonkeyPatch) -> None:
    OrganisationFactory(code="mm-louise")
    monkeypatch.setenv("PARCOURS_NEW_PASSWORD", "short")
    with pytest.raises(CommandError):
        call_command(
            "user",
            "create",
            "--username",
            "x",
            "--email",
            "x@example.invalid",
            "--organisation",
            "mm-louise",
            "--role",
            "gp",
        )


def test_navigation_depends_on_the_role(client: Client, claire, helene) -> None:  # type: ignore[no-untyped-def]
    client.force_login(claire)
    page = client.get(reverse("home"))
    labels = [str(item.label) for item in page.context["nav_items"]]
    assert "Administration" not in labels
    from parcours.accounts.navigation import items_for

    admin_labels = [str(item.label) for item in items_for(helene.roles)]
    assert "Administration" in admin_labels
