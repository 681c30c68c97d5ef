"""Demo referrals: story 5 (Nadia's parallel post-cure referrals, one accepted, the others
cancelled) and story 1 (Marie's home-nursing referral accepted within the hour, and a day-2 call
request still waiting in the home-care coordination's inbox)."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from parcours.accounts.models import Membership, Role, User
from parcours.coordination.access import access_task
from parcours.coordination.actions import referral_send, task_accept, task_reject
from parcours.coordination.models import Task
from parcours.demo import DEMO_PASSWORD, DemoContext
from parcours.directory.models import Service
from parcours.patients.access import Purpose, access_patient
from parcours.patients.demo import niss
from parcours.patients.models import Patient, PatientIdentifier

# The post-cure services' staff answer the referrals (fictitious people).
POSTCURE_STAFF = [
    ("demo-postcure-tilleuls", "Anouk", "Janssens", "postcure-les-tilleuls"),
    ("demo-postcure-horizon", "Bart", "Maes", "postcure-horizon"),
    ("demo-postcure-source", "Chloé", "Lambert", "postcure-la-source"),
]


def _patient(born: date, counter: int) -> Patient | None:
    identifier = (
        PatientIdentifier.objects.filter(system="be-niss", value=niss(born, counter))
        .select_related("patient")
        .first()
    )
    return identifier.patient if identifier else None


def _staff(context: DemoContext) -> dict[str, User]:
    password = make_password(DEMO_PASSWORD)
    users = {}
    for username, first, last, organisation in POSTCURE_STAFF:
        user, _created = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@demo.parcours.invalid",
                "password": password,
            },
        )
        Membership.objects.update_or_create(
            user=user,
            organisation=context.objects[f"org:{organisation}"],
            role=Role.SOCIAL_WORKER,
            defaults={"active": True},
        )
        users[organisation] = user
        context.objects[f"user:{username}"] = user
    return users


def load(context: DemoContext) -> None:
    staff = _staff(context)
    liaison = context.get("user:demo-liaison")
    today = timezone.localdate()
    now = timezone.now()
    sent = 0

    # 5. Nadia: three saturated post-cure services, parallel referrals.
    nadia = _patient(date(today.year - 35, 11, 30), 164)
    if nadia is not None and not Task.objects.filter(patient=nadia).exists():
        access = access_patient(liaison, nadia.pk, purpose=Purpose.COORDINATION)
        services = list(
            Service.objects.filter(
                code__in=[
                    "postcure-les-tilleuls-sejour",
                    "postcure-horizon-sejour",
                    "postcure-la-source-sejour",
                ]
            ).order_by("code")
        )
        tasks = referral_send(
            access=access,
            services=services,
            need="Post-cure résidentielle après sevrage",
            reason="Sevrage terminé sans complication; motivée pour une post-cure de trois mois.",
            due_at=now + timedelta(days=3),
            now=now - timedelta(hours=5),
        )
        sent += len(tasks)
        by_code = {t.owner_service.organisation.code: t for t in tasks if t.owner_service}
        horizon = by_code["postcure-horizon"]
        task_reject(
            access=access_task(staff["postcure-horizon"], horizon.pk),
            reason="Complet, pas de place avant trois mois.",
            now=now - timedelta(hours=3),
        )
        tilleuls = by_code["postcure-les-tilleuls"]
        task_accept(
            access=access_task(staff["postcure-les-tilleuls"], tilleuls.pk),
            now=now - timedelta(hours=1),
        )

    # 1. Marie: weekend home nursing accepted within the hour; a day-2 call still waiting.
    marie = _patient(date(today.year - 82, 3, 9), 82)
    if marie is not None and not Task.objects.filter(patient=marie).exists():
        access = access_patient(liaison, marie.pk, purpose=Purpose.COORDINATION)
        nursing = Service.objects.filter(code="thuiszorg-zuid-verpleging").first()
        if nursing is not None:
            [task] = referral_send(
                access=access,
                services=[nursing],
                need="Soins infirmiers à domicile dès samedi",
                reason="Sortie vendredi 17 h; pansement et aide à la prise des médicaments.",
                due_at=now + timedelta(hours=4),
                priority="urgent",
                now=now - timedelta(hours=2),
            )
            sent += 1
            nurse = context.objects.get("user:demo-home-nurse")
            if nurse is not None:
                task_accept(
                    access=access_task(nurse, task.pk), now=now - timedelta(hours=1, minutes=20)
                )
        coordination = Service.objects.filter(code="coordination-sud-service").first()
        if coordination is not None:
            referral_send(
                access=access,
                services=[coordination],
                need="Appel de suivi à J+2",
                reason="Vit seule; vérifier l'installation des aides lundi.",
                due_at=now + timedelta(days=2),
            )
            sent += 1
    context.log(f"  referrals: {sent} new")
