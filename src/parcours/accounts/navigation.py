"""Navigation per role. Each area of Parcours registers its entries here."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from parcours.accounts.models import Role


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    roles: frozenset[str]
    description: str | Promise = ""


CARE = Role.care_roles()
ADMINS = Role.admin_roles()

NAV_ITEMS: list[NavItem] = [
    NavItem("home", _("Home"), frozenset(Role)),
    NavItem(
        "directory:search",
        _("Directory"),
        CARE | ADMINS,
        _("Find services, professionals and referents, with their capacity."),
    ),
    NavItem(
        "admin:index",
        _("Administration"),
        frozenset({Role.PLATFORM_ADMIN}),
        _("Manage organisations, users and platform settings."),
    ),
]


@dataclass(frozen=True)
class ResolvedNavItem:
    url: str
    label: str | Promise
    description: str | Promise
    url_name: str


def items_for(roles: frozenset[str]) -> list[ResolvedNavItem]:
    items = []
    for item in NAV_ITEMS:
        if not roles & item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append(ResolvedNavItem(url, item.label, item.description, item.url_name))
    return items
