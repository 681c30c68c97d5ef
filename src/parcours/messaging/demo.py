"""Demo conversation: Marie Peeters' liaison nurse and GP prepare her discharge (story 1).

Idempotent: skipped when Marie's conversation already has messages. All fictitious.
"""

from __future__ import annotations

from parcours.accounts.models import User
from parcours.demo import DemoContext
from parcours.messaging.conversation_actions import (
    conversation_for_patient,
    conversation_message_post,
)
from parcours.messaging.conversations import ConversationAccess
from parcours.patients.access import Purpose, access_patient
from parcours.patients.models import Patient

SCRIPT = [
    (
        "demo-liaison",
        "Bonjour Docteur, Mme Peeters pourrait rentrer jeudi. Pouvez-vous passer "
        "vendredi ? @demo-home-nurse les soins de plaie continuent.",
    ),
    ("demo-gp", "Bonjour, oui, je passe vendredi en fin de matinée. Merci pour la lettre."),
    ("demo-home-nurse", "Noté, premier passage jeudi soir."),
]


def load(context: DemoContext) -> None:
    patient = Patient.objects.filter(
        given_name="Marie", family_name="Peeters", created_by__username="demo-liaison"
    ).first()
    if patient is None:
        return
    for username, body in SCRIPT:
        user = User.objects.get(username=username)
        patient_access = access_patient(user, patient.pk, purpose=Purpose.COORDINATION)
        conversation = conversation_for_patient(access=patient_access)
        if username == SCRIPT[0][0] and conversation.messages.exists():
            context.log("demo: Marie's conversation already there")
            return
        access = ConversationAccess(conversation, user, patient_access)
        conversation_message_post(access=access, body=body)
