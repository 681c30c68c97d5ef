"""Demo transmissions (story 1): the liaison nurse's care instructions for Marie Peeters, one view
per recipient — the GP, the home nurse, and her son Jan in Dutch, who has no account.

Idempotent: nothing is sent when Marie already has a transmission.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from parcours.demo import DemoContext
from parcours.messaging.models import Transmission
from parcours.messaging.transmission_actions import Delivery, transmission_send
from parcours.messaging.transmission_selectors import recipient_options
from parcours.patients.access import Purpose, access_patient
from parcours.patients.models import MemberRole, Patient

VIEWS: dict[str, tuple[str, str]] = {
    MemberRole.GP: (
        "fr",
        "Sortie prévue vendredi 17 h. ISAR 4, vit seule. Pansement du coude tous les deux jours; "
        "furosémide arrêté, reprise à évaluer à la visite de J+7.",
    ),
    MemberRole.HOME_NURSE: (
        "fr",
        "Pansement du coude tous les deux jours à partir de samedi. Furosémide arrêté.",
    ),
    MemberRole.TRUSTED_PERSON: (
        "nl",
        "Uw moeder komt vrijdag om 17 uur naar huis. De thuisverpleegkundige komt zaterdag "
        "voor de verzorging van de elleboog.",
    ),
}


def load(context: DemoContext) -> None:
    marie = Patient.objects.filter(given_name="Marie", family_name="Peeters").first()
    if (
        marie is None
        or Transmission.objects.filter(patient=marie, kind="care_instructions").exists()
    ):
        return
    nurse = context.get("user:demo-liaison")
    access = access_patient(nurse, marie.pk, purpose=Purpose.COORDINATION)
    deliveries = [
        Delivery(circle_member=option.member, body=VIEWS[option.member.role][1], language=lang)
        for option in recipient_options(access)
        if option.can_receive and option.member.role in VIEWS
        for lang in [VIEWS[option.member.role][0]]
    ]
    if not deliveries:
        return
    transmission_send(
        access=access,
        kind="care_instructions",
        subject="Soins après la sortie / Zorg na het ontslag",
        deliveries=deliveries,
        acknowledge_by=timezone.now() + timedelta(days=1),
    )
    context.log(f"  transmission for Marie Peeters to {len(deliveries)} recipients")
