"""The liaison letter through its actions: one source, a view per recipient in their language,
limited to what they may see; sending, versions, the patient's own copy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from parcours.audit.models import AuditEvent
from parcours.messaging.models import Transmission, TransmissionRecipient
from parcours.messaging.transmission_actions import RecipientRefused
from parcours.patients.access import Purpose, access_patient
from parcours.patients.actions import MemberInput, circle_member_add
from parcours.patients.models import MemberRole
from parcours.transitions.actions import StayForbidden, stay_discharge
from parcours.transitions.letter import (
    GP,
    NURSE,
    PLAIN,
    SOCIAL,
    letter_source,
    render_view,
    view_for,
)
from parcours.transitions.letter_actions import (
    liaison_letter_draft_save,
    liaison_letter_patient_hand_over,
    liaison_letter_send,
)
from parcours.transitions.letter_models import LiaisonLetter
from tests.transitions.conftest import FEED
from tests.transitions.letter_fixtures import *  # noqa: F403
from tests.transitions.letter_fixtures import CARE, DIAGNOSIS, MEDICATION, PLAIN_SUMMARY, PRACTICAL

pytestmark = pytest.mark.django_db


def bodies(letter: LiaisonLetter) -> dict[str, TransmissionRecipient]:
    assert letter.transmission is not None
    return {
        copy.circle_member.display_name: copy
        for copy in letter.transmission.recipients.select_related("circle_member__professional")
    }


def test_views_follow_the_role_capped_by_visibility(circle) -> None:  # type: ignore[no-untyped-def]
    assert view_for(circle["gp"]).code == GP
    assert view_for(circle["nurse"]).code == NURSE
    assert view_for(circle["home_help"]).code == SOCIAL
    jan = view_for(circle["jan"])
    assert jan.code == PLAIN and jan.medical, "Jan may see care instructions"
    gp = circle["gp"]
    gp.visibility = "non_medical"
    assert view_for(gp).code == SOCIAL, "a GP limited to non-medical gets no medical content"
    gp.visibility = "care_instructions"
    assert view_for(gp).code == NURSE
    gp.visibility = "none"
    assert view_for(gp) is None


def test_each_view_contains_and_omits_the_right_parts(stay, circle) -> None:  # type: ignore[no-untyped-def]
    source = letter_source(stay)
    full = render_view(source, view_for(circle["gp"]), language="fr")
    for part in (DIAGNOSIS, MEDICATION, CARE, PRACTICAL, "ISAR", "score 4", "Dr Anne Lefèvre"):
        assert part in full, part
    assert "Évaluation gériatrique globale" in full, "the plan item the ISAR trigger added"

    nurse = render_view(source, view_for(circle["nurse"]), language="fr")
    assert CARE in nurse and MEDICATION in nurse and PRACTICAL in nurse
    assert DIAGNOSIS not in nurse and "ISAR" not in nurse and "score" not in nurse

    home_help = render_view(source, view_for(circle["home_help"]), language="fr")
    assert PRACTICAL in home_help
    for part in (DIAGNOSIS, MEDICATION, CARE, "ISAR", "score", "gériatrique", "médicament"):
        assert part.lower() not in home_help.lower(), part

    plain = render_view(source, view_for(circle["jan"]), language="nl")
    assert PLAIN_SUMMARY in plain and CARE in plain and MEDICATION in plain
    assert DIAGNOSIS not in plain and "ISAR" not in plain


def test_a_caregiver_restricted_to_non_medical_gets_plain_words_without_care(  # type: ignore[no-untyped-def]
    stay, manage
) -> None:
    member = circle_member_add(
        access=manage,
        member=MemberInput(
            role=MemberRole.CAREGIVER, person_name="Sofie Peeters", visibility="non_medical"
        ),
    )
    view = view_for(member)
    assert view.code == PLAIN and not view.medical
    body = render_view(letter_source(stay), view, language="fr")
    assert PLAIN_SUMMARY in body and PRACTICAL in body
    assert MEDICATION not in body and CARE not in body and DIAGNOSIS not in body


def test_sending_gives_one_copy_per_recipient_in_their_language(  # type: ignore[no-untyped-def]
    stay, team_access, circle, deadline, gp_luc
) -> None:
    assert stay.liaison_letter_sent_at is None
    letter = liaison_letter_send(access=team_access, stay=stay, acknowledge_by=deadline)

    stay.refresh_from_db()
    assert stay.liaison_letter_sent_at == letter.sent_at
    assert letter.version == 1 and letter.left_before_discharge
    transmission = letter.transmission
    assert transmission.kind == "liaison_letter" and transmission.stay_id == stay.pk
    copies = bodies(letter)
    assert set(copies) == {
        "Luc Martin",
        "Fatima El Amrani",
        circle["home_help"].display_name,
        "Jan Peeters",
    }, "every member with a way to receive it, and not the excluded GP"
    assert copies["Luc Martin"].user == gp_luc
    assert all("Koen" not in copy.body for copy in copies.values()), "nor named to the others"
    assert "Koen" not in letter.patient_body
    assert DIAGNOSIS in copies["Luc Martin"].body
    assert DIAGNOSIS not in copies[circle["home_help"].display_name].body
    assert MEDICATION not in copies[circle["home_help"].display_name].body
    # Marie in French, her son Jan in Dutch.
    assert copies["Jan Peeters"].language == "nl"
    assert (
        "verlaat" in copies["Jan Peeters"].body
        and "Marie Peeters (elle)" in copies["Jan Peeters"].body
    )
    assert letter.patient_language == "fr"
    assert letter.patient_body.startswith("Bonjour Marie Peeters")
    assert "Vous quittez CHU Test" in letter.patient_body
    assert AuditEvent.objects.filter(what="liaison-letter", patient_id=stay.patient_id).exists()


def test_the_pronouns_and_gender_identity_are_used_never_the_sex(  # type: ignore[no-untyped-def]
    stay, team_access, deadline
) -> None:
    patient = stay.patient
    patient.given_name = "Alex"
    patient.pronouns = "she/her"
    patient.gender_identity = "trans woman"
    patient.administrative_sex = "male"
    patient.save()
    letter = liaison_letter_send(access=team_access, stay=stay, acknowledge_by=deadline)
    for copy in bodies(letter).values():
        assert "Alex Peeters" in copy.body
        assert "she/her" in copy.body, copy.circle_member.role
        assert "trans woman" in copy.body
        for word in ("Homme", "homme", "Man ", "Male", "Monsieur", "Madame", "Mme"):
            assert word not in copy.body, word
    with translation.override("en"):
        gp = render_view(
            letter_source(stay), view_for(bodies(letter)["Luc Martin"].circle_member), language="en"
        )
    assert "pronouns: she/her" in gp and "gender identity: trans woman" in gp


def test_an_excluded_professional_receives_nothing(  # type: ignore[no-untyped-def]
    stay, team_access, circle, deadline
) -> None:
    with pytest.raises(RecipientRefused) as refused:
        liaison_letter_send(
            access=team_access,
            stay=stay,
            acknowledge_by=deadline,
            recipients=[circle["gp"], circle["koen"]],
        )
    assert "Koen Claes" in str(refused.value)
    assert not Transmission.objects.exists() and not LiaisonLetter.objects.exists()
    stay.refresh_from_db()
    assert stay.liaison_letter_sent_at is None


def test_resending_keeps_the_history_and_the_first_sending(  # type: ignore[no-untyped-def]
    stay, team_access, circle, deadline
) -> None:
    first = liaison_letter_send(
        access=team_access, stay=stay, acknowledge_by=deadline, recipients=[circle["gp"]]
    )
    liaison_letter_draft_save(
        access=team_access, stay=stay, reason=DIAGNOSIS, medication_changes="Bisoprolol 2,5 mg"
    )
    second = liaison_letter_send(access=team_access, stay=stay, acknowledge_by=deadline)
    assert (first.version, second.version) == (1, 2)
    assert first.transmission_id != second.transmission_id
    assert first.draft["medication_changes"] == MEDICATION
    assert second.draft["medication_changes"] == "Bisoprolol 2,5 mg"
    assert TransmissionRecipient.objects.filter(transmission=first.transmission).count() == 1
    stay.refresh_from_db()
    assert stay.liaison_letter_sent_at == first.sent_at


def test_only_the_hospital_team_sends_and_the_patient_copy_is_handed_over(  # type: ignore[no-untyped-def]
    stay, team_access, gp_luc, deadline
) -> None:
    gp_access = access_patient(gp_luc, stay.patient_id, purpose=Purpose.TREATMENT)
    with pytest.raises(StayForbidden):
        liaison_letter_send(access=gp_access, stay=stay, acknowledge_by=deadline)
    letter = liaison_letter_send(access=team_access, stay=stay, acknowledge_by=deadline)
    letter = liaison_letter_patient_hand_over(
        access=team_access, letter=letter, note="Lue avec Mme Peeters et sa voisine"
    )
    assert letter.patient_handed_over_at is not None
    assert letter.patient_handed_over_by == team_access.user


def test_a_letter_sent_after_the_discharge_is_marked_so(stay, team_access, deadline) -> None:  # type: ignore[no-untyped-def]
    stay_discharge(stay=stay, actor=FEED, discharged_at=timezone.now() - timedelta(hours=1))
    letter = liaison_letter_send(access=team_access, stay=stay, acknowledge_by=deadline)
    assert not letter.left_before_discharge
    stay.refresh_from_db()
    assert stay.liaison_letter_sent_at > stay.discharged_at
    assert "Sortie :" in letter.patient_body or "Vous quittez" in letter.patient_body
