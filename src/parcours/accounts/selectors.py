"""Reads on accounts."""

from __future__ import annotations

from dataclasses import dataclass

from parcours.accounts.models import Membership


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role_label: str
    organisation: str


DEMO_USERNAME_PREFIX = "demo-"


def demo_accounts() -> list[DemoAccount]:
    """The demo users, one per role, listed on the login page in demo mode only."""
    memberships = (
        Membership.objects.filter(user__username__startswith=DEMO_USERNAME_PREFIX, active=True)
        .select_related("user", "organisation__parent")
        .order_by("user__username")
    )
    return [
        DemoAccount(
            username=m.user.username,
            full_name=m.user.get_full_name(),
            role_label=str(m.get_role_display()),
            organisation=m.organisation.full_name,
        )
        for m in memberships
    ]
