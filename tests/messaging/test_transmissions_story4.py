"""Story 4 through the public actions: the pharmacist receives Henri Martin's medication changes
and acknowledges them; his mandataire judiciaire (property only) cannot receive them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from parcours.accounts.models import Role
from parcours.messaging.models import TransmissionState
from parcours.messaging.transmission_actions import (
    Delivery,
    RecipientRefused,
    transmission_acknowledge,
    transmission_send,
)
from parcours.messaging.transmission_selectors import recipient_options, to_acknowledge
from parcours.patients.access import Purpose, access_patient
from parcours.patients.actions import (
    IdentifierInput,
    MemberInput,
    PatientData,
    circle_member_add,
    patient_create,
)
from parcours.patients.models import MemberRole
from tests.factories import OrganisationFactory, UserFactory
from tests.patients.conftest import professional_for

pytestmark = pytest.mark.django_db


def test_pharmacist_acknowledges_medication_changes_the_mandataire_cannot_receive(  # type: ignore[no-untyped-def]
    claire,
) -> None:
    henri = patient_create(
        user=claire,
        data=PatientData(given_name="Henri", family_name="Martin", languages=["fr"]),
        identifiers=[
            IdentifierInput("local", "CHU-77-0001", claire.memberships.first().organisation)
        ],
    )
    manage = access_patient(claire, henri.pk, purpose=Purpose.COORDINATION, manage=True)
    pharmacy = OrganisationFactory(code="pharmacie-faches", type="pharmacy")
    pharmacist = UserFactory(
        username="ines", role=Role.PHARMACIST, organisation=pharmacy, first_name="Inès"
    )
    professional_for(pharmacist, "pharmacist", pharmacy)
    pharmacist_member = circle_member_add(
        access=manage,
        member=MemberInput(
            role=MemberRole.PHARMACIST,
            professional=pharmacist.professional,
            visibility="care_instructions",
        ),
    )
    mandataire = circle_member_add(
        access=manage,
        member=MemberInput(
            role=MemberRole.LEGAL_REPRESENTATIVE,
            person_name="Maître Sophie Leroy",
            legal_scope="property",
            legal_basis="Jugement du 3 mars",
            visibility="full",
        ),
    )
    assert mandataire.visibility == "non_medical", "property only: sees what that scope needs"
    options = {o.member.pk: o for o in recipient_options(manage)}
    assert options[pharmacist_member.pk].accounts == (pharmacist,)

    with translation.override("en"), pytest.raises(RecipientRefused, match="non-medical"):
        transmission_send(
            access=manage,
            kind="medication_changes",
            subject="Traitement de sortie",
            deliveries=[
                Delivery(circle_member=pharmacist_member, body="Bisoprolol 2,5 mg ajouté."),
                Delivery(circle_member=mandataire, body="Bisoprolol 2,5 mg ajouté."),
            ],
            acknowledge_by=timezone.now() + timedelta(days=1),
        )
    sent = transmission_send(
        access=manage,
        kind="medication_changes",
        subject="Traitement de sortie",
        deliveries=[Delivery(circle_member=pharmacist_member, body="Bisoprolol 2,5 mg ajouté.")],
        acknowledge_by=timezone.now() + timedelta(days=1),
    )
    (copy,) = to_acknowledge(pharmacist)
    assert copy.transmission == sent and copy.language == "fr"
    as_pharmacist = access_patient(pharmacist, henri.pk, purpose=Purpose.TREATMENT)
    transmission_acknowledge(access=as_pharmacist, recipient=copy)
    copy.refresh_from_db()
    assert copy.state == TransmissionState.ACKNOWLEDGED
    assert not to_acknowledge(pharmacist).exists()
