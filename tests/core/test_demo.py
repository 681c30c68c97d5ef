"""`parcours demo`: deterministic, idempotent, one user per role; accounts listed in demo mode."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from parcours.accounts.models import Membership, Role, User
from parcours.directory.models import Organisation
from parcours.territory.models import CareArea, Municipality

pytestmark = pytest.mark.django_db


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", "--professionals", "30", "--services", "10", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, object]:
    return {
        "organisations": sorted(Organisation.objects.values_list("code", flat=True)),
        "users": sorted(User.objects.values_list("username", flat=True)),
        "memberships": Membership.objects.count(),
        "areas": sorted(CareArea.objects.values_list("code", flat=True)),
    }


def test_demo_creates_both_territories_and_one_user_per_role() -> None:
    run_demo()
    ixelles = Municipality.objects.get(country="BE", code="21009")
    assert ixelles.name["fr"] == "Ixelles" and ixelles.name["nl"] == "Elsene"
    assert "1050" in ixelles.postcodes
    south = CareArea.objects.get(code="bxl-south")
    assert south.municipalities.filter(code="21009").exists()
    cpts = CareArea.objects.get(code="cpts-lille-sud-est")
    assert cpts.municipalities.filter(code="59350").exists()
    assert Organisation.objects.filter(type="hospital").count() >= 2
    assert Organisation.objects.filter(type="ward", parent__code="chu-bxl").exists()
    demo_roles = set(
        Membership.objects.filter(user__username__startswith="demo-").values_list("role", flat=True)
    )
    assert demo_roles == set(Role.values)


def test_demo_is_idempotent_and_if_empty_skips() -> None:
    run_demo()
    first = snapshot()
    run_demo()
    assert snapshot() == first
    assert "nothing to do" in run_demo("--if-empty")


def test_login_page_lists_demo_accounts_only_in_demo_mode(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    run_demo()
    settings.DEMO = False
    assert b"demo-liaison" not in client.get("/accounts/login/").content
    settings.DEMO = True
    assert b"demo-liaison" in client.get("/accounts/login/").content


def test_about_page_credits_the_reference_data(client: Client) -> None:
    page = client.get("/about/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Over Parcours" in page
    for credit in ("Statbel", "INSEE", "GeoNames"):
        assert credit in page
