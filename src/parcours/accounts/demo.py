"""Demo users: one per role, including the people of the stories (all fictitious)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from parcours.accounts.models import Membership, Role, User
from parcours.demo import DEMO_PASSWORD, DemoContext


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    organisation: str
    language: str = ""  # empty: follow the browser


DEMO_USERS: list[DemoUser] = [
    DemoUser("demo-liaison", "Claire", "Dubois", Role.HOSPITAL_LIAISON_NURSE, "chu-bxl"),
    DemoUser("demo-hospital-social", "Karim", "Benali", Role.HOSPITAL_SOCIAL_WORKER, "chu-bxl"),
    DemoUser("demo-ward-physician", "Sophie", "Lambert", Role.WARD_PHYSICIAN, "chu-bxl-ger"),
    DemoUser(
        "demo-referent", "Els", "Vermeulen", Role.COMPLEX_PATHWAY_REFERENT, "chu-bxl-ger", "nl"
    ),
    DemoUser("demo-gp", "Luc", "Martin", Role.GP, "mm-louise"),
    DemoUser("demo-home-nurse", "Fatima", "El Amrani", Role.HOME_NURSE, "thuiszorg-zuid"),
    DemoUser("demo-pharmacist", "Pieter", "Claes", Role.PHARMACIST, "pharmacie-flagey", "nl"),
    DemoUser("demo-physio", "Julie", "Renard", Role.PHYSIOTHERAPIST, "kine-chatelain"),
    DemoUser("demo-homecare", "Anne", "Leroy", Role.HOME_CARE_COORDINATOR, "coordination-sud"),
    DemoUser("demo-social-worker", "Yasmina", "Haddad", Role.SOCIAL_WORKER, "cpas-ixelles"),
    DemoUser("demo-mediator", "Ibrahim", "Diallo", Role.HEALTH_MEDIATOR, "mediation-sante-bxl"),
    DemoUser(
        "demo-care-area", "Nathalie", "Wouters", Role.CARE_AREA_COORDINATOR, "appui-bassin-sud"
    ),
    DemoUser("demo-org-admin", "Marc", "Dupont", Role.ORGANISATION_ADMIN, "chu-bxl"),
    DemoUser("demo-platform-admin", "Hélène", "Moreau", Role.PLATFORM_ADMIN, "chu-bxl"),
    # French territory (story 4).
    DemoUser("demo-fr-gp", "Camille", "Bernard", Role.GP, "msp-lezennes"),
    DemoUser("demo-fr-idel", "Thomas", "Petit", Role.HOME_NURSE, "idel-faches"),
    DemoUser("demo-fr-liaison", "Aurélie", "Fontaine", Role.HOSPITAL_LIAISON_NURSE, "chu-lille"),
]


def load(context: DemoContext) -> None:
    password = make_password(DEMO_PASSWORD)
    for item in DEMO_USERS:
        user, _created = User.objects.update_or_create(
            username=item.username,
            defaults={
                "first_name": item.first_name,
                "last_name": item.last_name,
                "email": f"{item.username}@demo.parcours.invalid",
                "language": item.language,
                "password": password,
                "is_staff": item.role == Role.PLATFORM_ADMIN,
            },
        )
        Membership.objects.update_or_create(
            user=user,
            organisation=context.objects[f"org:{item.organisation}"],
            role=item.role,
            defaults={"active": True},
        )
        context.objects[f"user:{item.username}"] = user
    context.log(f"  users: {len(DEMO_USERS)} (password {DEMO_PASSWORD})")
