"""Demo follow-up after discharge (scenarios.md stories 2, 4 and 5). All fictitious.

- Samir (story 2) left the psychiatric ward on a Saturday morning eleven days or more ago,
  refused home help, and is watched by the low-threshold service: with no contact since, the
  broken-follow-up flag is raised and his mediator is asked to reach out.
- Nadia (story 5) is watched by the outpatient addiction service until her post-cure admission,
  with a call recorded yesterday.
- Henri (story 4) had his first community contact from his home nurse after his discharge.

Two demo users work in the watching services. Idempotent: skipped once Samir is watched.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from parcours.accounts.models import Membership, Role, User
from parcours.audit.actions import Actor
from parcours.demo import DEMO_PASSWORD, DemoContext
from parcours.patients.access import PatientAccess, Purpose, access_patient
from parcours.patients.models import PatientIdentifier
from parcours.transitions.actions import stay_admit, stay_discharge
from parcours.transitions.aftercare_actions import (
    broken_followup_check,
    contact_record,
    readmission_check,
    refusal_record,
    watch_start,
)
from parcours.transitions.aftercare_models import WatchEntry
from parcours.transitions.models import StayStatus

FEED = Actor(user_id=None, username="demo-adt-feed")

WATCHERS = [
    ("demo-low-threshold", "Nora", "Baert", "bas-seuil-gare"),
    ("demo-addiction", "Hugo", "Lemaire", "assuetudes-ambulatoire"),
]


def _users(context: DemoContext) -> None:
    password = make_password(DEMO_PASSWORD)
    for username, first, last, organisation in WATCHERS:
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
            organisation=context.get(f"org:{organisation}"),
            role=Role.SOCIAL_WORKER,
            defaults={"active": True},
        )
        context.objects[f"user:{username}"] = user


def _patient_access(
    context: DemoContext, user: str, value: str, *, manage: bool = False
) -> PatientAccess | None:
    identifier = PatientIdentifier.objects.filter(value=value).select_related("patient").first()
    if identifier is None:
        return None
    return access_patient(
        context.get(f"user:{user}"),
        identifier.patient_id,
        purpose=Purpose.COORDINATION,
        manage=manage,
    )


def _last_saturday_morning(before: datetime) -> datetime:
    day = timezone.localdate(before)
    while day.weekday() != 5:
        day -= timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def load(context: DemoContext) -> None:
    _users(context)
    now = timezone.now()
    samir = _patient_access(context, "demo-liaison", "BXL-PSY-000417", manage=True)
    if samir is None or WatchEntry.objects.filter(patient=samir.patient).exists():
        context.log("  follow-up: nothing to do")
        return

    # Story 2: the earlier psychiatric stay, left on a Saturday morning.
    left = _last_saturday_morning(now - timedelta(days=11))
    earlier = stay_admit(
        patient=samir.patient,
        hospital=context.get("org:chu-bxl"),
        ward=context.get("org:chu-bxl-psy"),
        admitted_at=left - timedelta(days=16),
        actor=FEED,
    )
    stay_discharge(stay=earlier, actor=FEED, discharged_at=left)
    refusal_record(
        access=samir,
        offered="Aide familiale à domicile / gezinszorg aan huis",
        refused_by="patient",
        at=left - timedelta(hours=1),
        reason="Ne veut personne chez lui pour l'instant.",
    )
    watch_start(
        access=samir,
        organisation=context.get("org:bas-seuil-gare"),
        reason="Sortie sans domicile fixe, suivi de rue / dakloos ontslagen",
        started_at=left,
    )
    # The stay the patients demo opened began after this discharge: it is a readmission.
    for stay in samir.patient.stays.filter(status=StayStatus.OPEN, admitted_at__gt=left):
        readmission_check(stay=stay, actor=FEED)
    flagged = broken_followup_check(now=now)

    # Story 5: Nadia, watched by the outpatient addiction service until her post-cure.
    nadia_id = (
        PatientIdentifier.objects.filter(patient__given_name="Nadia", patient__family_name="Haddou")
        .values_list("value", flat=True)
        .first()
    )
    nadia = _patient_access(context, "demo-addiction", nadia_id) if nadia_id else None
    if nadia is not None:
        watch_start(
            access=nadia,
            organisation=context.get("org:assuetudes-ambulatoire"),
            reason="En attente d'une place en post-cure / wachtlijst post-cure",
            started_at=now - timedelta(days=3),
        )
        contact_record(
            access=nadia,
            channel="phone",
            at=now - timedelta(days=1),
            note="Appel : motivée, attend la réponse de la post-cure.",
        )

    # Story 4: Henri's home nurse visits him the day after his discharge.
    henri_id = (
        PatientIdentifier.objects.filter(patient__given_name="Henri", patient__family_name="Martin")
        .values_list("value", flat=True)
        .first()
    )
    henri = _patient_access(context, "demo-fr-idel", henri_id) if henri_id else None
    if henri is not None:
        contact_record(access=henri, channel="visit", note="Première visite à domicile.")
    context.log(f"  follow-up: 2 watches, {flagged} broken follow-up flagged")
