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
    NavItem("messaging:notifications", _("Notifications"), frozenset(Role)),
    NavItem(
        "directory:search",
        _("Directory"),
        CARE | ADMINS,
        _("Find services, professionals and referents, with their capacity."),
    ),
    NavItem("interop:hl7_errors", _("HL7 error queue"), ADMINS, _("Fix refused messages.")),
    NavItem(
        "patients:list",
        _("Patients"),
        CARE,
        _("Your patients, their circle of care, consent and who looked at their record."),
    ),
    NavItem(
        "worklist:page",
        _("Worklist"),
        Role.hospital_roles(),
        _("Stays of your hospital, soonest discharge first, with what still needs doing."),
    ),
    NavItem(
        "transitions:protocol_hospitals",
        _("Liaison protocols"),
        ADMINS,
        _("Configure each hospital's discharge checklist and screening triggers."),
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


HOSPITAL_INTRO = _(
    "Prepare each discharge from admission: screen for fragility, know the patient's network, "
    "find the services that can take over and send the liaison letter before the patient leaves."
)
COMMUNITY_INTRO = _(
    "Know when your patients are admitted and discharged, receive the right information in "
    "time, acknowledge it, and ask a named person at the hospital."
)
SOCIAL_INTRO = _(
    "Be found in the shared directory, answer referrals, and keep a watch on fragile people "
    "after they leave hospital."
)

ROLE_INTROS: dict[str, str | Promise] = {
    Role.HOSPITAL_LIAISON_NURSE: HOSPITAL_INTRO,
    Role.HOSPITAL_SOCIAL_WORKER: HOSPITAL_INTRO,
    Role.WARD_PHYSICIAN: HOSPITAL_INTRO,
    Role.COMPLEX_PATHWAY_REFERENT: _(
        "You are the named contact for complex pathways: community professionals find you in "
        "the directory and reach you with their questions."
    ),
    Role.GP: COMMUNITY_INTRO,
    Role.HOME_NURSE: COMMUNITY_INTRO,
    Role.PHARMACIST: COMMUNITY_INTRO,
    Role.PHYSIOTHERAPIST: COMMUNITY_INTRO,
    Role.HOME_CARE_COORDINATOR: COMMUNITY_INTRO,
    Role.SOCIAL_WORKER: SOCIAL_INTRO,
    Role.HEALTH_MEDIATOR: SOCIAL_INTRO,
    Role.CARE_AREA_COORDINATOR: _(
        "Prepare the care area's concertations: population indicators, findings and action plans."
    ),
    Role.ORGANISATION_ADMIN: _(
        "Manage your organisation's entry in the directory, its members and their roles."
    ),
    Role.PLATFORM_ADMIN: _(
        "Manage the platform: organisations, accounts and settings. Patient records are not "
        "visible to platform administrators."
    ),
}
