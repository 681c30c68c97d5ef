"""Demo liaison letter (story 1): the liaison nurse's draft for Marie Peeters' open stay, sent to
her circle (a view per recipient, Jan in Dutch) with her own plain-language copy to print.

Runs after the demo stays. Idempotent: a stay that already has a letter is left alone.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from parcours.demo import DemoContext
from parcours.patients.access import Purpose, access_patient
from parcours.transitions.letter_actions import liaison_letter_draft_save, liaison_letter_send
from parcours.transitions.models import Stay, StayStatus

DRAFT = {
    "reason": "Chute à domicile le mardi; contusion du coude gauche, pas de fracture. "
    "Hypotension orthostatique sous furosémide.",
    "care_instructions": "Pansement du coude tous les deux jours. Lever en deux temps; "
    "surveiller la tension couchée-debout les trois premiers jours.",
    "medication_changes": "Furosémide 40 mg arrêté. Paracétamol 1 g si douleur, maximum 3 g "
    "par jour.",
    "non_medical_notes": "Habite seule au 3e étage sans ascenseur. Les clés sont chez la "
    "voisine du 2e. Courses à prévoir pour le week-end.",
    "plain_summary": "Vous êtes tombée chez vous. Rien n'est cassé. Le médicament pour "
    "l'eau (furosémide) est arrêté parce qu'il faisait baisser votre tension.",
}


def load(context: DemoContext) -> None:
    stay = (
        Stay.objects.filter(
            patient__given_name="Marie", patient__family_name="Peeters", status=StayStatus.OPEN
        )
        .select_related("patient")
        .first()
    )
    if stay is None or stay.liaison_letters.exists():
        context.log("  story 1 letter: nothing to do")
        return
    nurse = context.get("user:demo-liaison")
    access = access_patient(nurse, stay.patient_id, purpose=Purpose.TREATMENT)
    liaison_letter_draft_save(access=access, stay=stay, **DRAFT)
    deadline = stay.expected_discharge_at or timezone.now() + timedelta(days=1)
    if deadline <= timezone.now():
        deadline = timezone.now() + timedelta(days=1)
    letter = liaison_letter_send(access=access, stay=stay, acknowledge_by=deadline)
    count = letter.transmission.recipients.count() if letter.transmission else 0
    context.log(f"  story 1 letter: version {letter.version} to {count} recipients")
