"""Stories 2 and 3 of scenarios.md through the public actions; duplicates and merge."""

from __future__ import annotations

from datetime import date

import pytest

from parcours.audit.actions import Actor
from parcours.audit.models import AuditEvent
from parcours.audit.selectors import audit_chain_verify
from parcours.patients.access import PatientNotFound, Purpose, access_patient
from parcours.patients.actions import (
    DuplicatePatient,
    IdentifierInput,
    MemberInput,
    PatientData,
    PatientError,
    circle_member_add,
    consent_record,
    exclusion_add,
    patient_create,
    patient_identifier_add,
    patient_merge,
)
from parcours.patients.models import CircleMember, MemberRole, Patient, PatientStatus
from parcours.transitions.actions import stay_admit

pytestmark = pytest.mark.django_db


def test_story_2_provisional_identity_reconciled_with_a_bis_number(
    nurse_claire, home_nurse
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PatientError):
        patient_create(user=nurse_claire, data=PatientData(given_name="Samir"), identifiers=[])
    samir = patient_create(
        user=nurse_claire,
        data=PatientData(given_name="Samir", is_provisional=True, languages=["fr", "ar"]),
        identifiers=[],
    )
    assert samir.is_provisional
    manage = access_patient(nurse_claire, samir.pk, purpose=Purpose.COORDINATION, manage=True)
    mediator = circle_member_add(
        access=manage,
        member=MemberInput(role=MemberRole.HEALTH_MEDIATOR, professional=home_nurse.professional),
    )
    consent_record(access=manage, status="given", method="oral")
    patient_identifier_add(access=manage, identifier=IdentifierInput("be-bis", "98472899765"))
    samir.refresh_from_db()
    assert not samir.is_provisional
    assert samir.identifiers.get().value == "98472899765"
    assert CircleMember.objects.get(pk=mediator.pk).patient_id == samir.pk
    assert AuditEvent.objects.filter(patient_id=samir.pk, what="patient-identifier").exists()


def test_story_2_provisional_record_merged_into_an_existing_one(nurse_claire) -> None:  # type: ignore[no-untyped-def]
    known = patient_create(
        user=nurse_claire,
        data=PatientData(given_name="Samir", family_name="B.", birth_date=date(1998, 7, 28)),
        identifiers=[IdentifierInput("be-bis", "98472899765")],
    )
    provisional = patient_create(
        user=nurse_claire, data=PatientData(given_name="Samir", is_provisional=True), identifiers=[]
    )
    source = access_patient(nurse_claire, provisional.pk, purpose=Purpose.COORDINATION, manage=True)
    consent_record(access=source, status="given", method="oral")
    with pytest.raises(DuplicatePatient) as duplicate:
        patient_identifier_add(access=source, identifier=IdentifierInput("be-bis", "98472899765"))
    assert duplicate.value.candidates[0].patient_id == known.pk
    target = access_patient(nurse_claire, known.pk, purpose=Purpose.COORDINATION, manage=True)
    merged = patient_merge(source=source, target=target)
    provisional.refresh_from_db()
    assert (provisional.status, provisional.merged_into_id) == (PatientStatus.MERGED, known.pk)
    assert merged.consent_events.count() == 1, "nothing lost"
    assert merged.circle.count() == 2
    # The old number leads to the surviving record.
    assert access_patient(nurse_claire, provisional.pk, purpose=Purpose.TREATMENT).patient == known
    assert AuditEvent.objects.filter(what="patient-merge").count() == 2
    assert audit_chain_verify().ok


def test_duplicates_are_detected_at_creation(nurse_claire, marie) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DuplicatePatient) as same_number:
        patient_create(
            user=nurse_claire,
            data=PatientData(given_name="Maria", family_name="Peters"),
            identifiers=[IdentifierInput("be-niss", "48.02.14-082.35")],
        )
    assert same_number.value.strong
    close_name = PatientData(given_name="Marie", family_name="Peters", birth_date=marie.birth_date)
    with pytest.raises(DuplicatePatient) as close:
        patient_create(
            user=nurse_claire,
            data=close_name,
            identifiers=[IdentifierInput("be-niss", "75110304760")],
        )
    assert not close.value.strong and close.value.candidates[0].patient_id == marie.pk
    other = patient_create(
        user=nurse_claire,
        data=close_name,
        identifiers=[IdentifierInput("be-niss", "75110304760")],
        confirm_not_duplicate=True,
    )
    assert other.pk != marie.pk


def test_story_3_gender_identity_pronouns_and_an_exclusion_that_wins(  # type: ignore[no-untyped-def]
    nurse_claire, gp_luc, hospital
) -> None:
    alex = patient_create(
        user=nurse_claire,
        data=PatientData(
            given_name="Alex",
            family_name="Janssens",
            birth_date=date(1997, 3, 2),
            administrative_sex="male",
            gender_identity="femme trans",
            pronouns="elle",
        ),
        identifiers=[IdentifierInput("be-niss", "75110304760")],
    )
    manage = access_patient(nurse_claire, alex.pk, purpose=Purpose.COORDINATION, manage=True)
    assert (manage.patient.gender_identity, manage.patient.pronouns) == ("femme trans", "elle")
    circle_member_add(
        access=manage,
        member=MemberInput(
            role=MemberRole.CAREGIVER, person_name="Sam", person_relationship="partner"
        ),
    )
    circle_member_add(
        access=manage, member=MemberInput(role=MemberRole.GP, professional=gp_luc.professional)
    )
    consent_record(access=manage, status="given", method="oral")
    exclusion_add(
        access=manage, professional=gp_luc.professional, reason="does not want him informed"
    )
    stay_admit(patient=alex, hospital=hospital, actor=Actor(user_id=None, username="adt"))
    with pytest.raises(PatientNotFound):
        access_patient(gp_luc, alex.pk, purpose=Purpose.TREATMENT)


def test_legal_representative_needs_scope_and_decision(manage) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PatientError):
        circle_member_add(
            access=manage,
            member=MemberInput(role=MemberRole.LEGAL_REPRESENTATIVE, person_name="Me Leroy"),
        )
    member = circle_member_add(
        access=manage,
        member=MemberInput(
            role=MemberRole.LEGAL_REPRESENTATIVE,
            person_name="Me Leroy",
            legal_scope="property",
            legal_basis="Jugement du juge de paix, 2025-03-01",
        ),
    )
    assert member.visibility == "non_medical", "property only: no medical content"
    with pytest.raises(PatientError):
        circle_member_add(access=manage, member=MemberInput(role=MemberRole.GP, person_name="Dr X"))


def test_patient_linked_models_are_not_in_django_admin() -> None:
    from django.contrib import admin

    from parcours.transitions.models import PlanItem, ScreeningRecord, Stay, StayEvent

    # Liaison protocols and screening triggers (hospital configuration) may be in the admin.
    patient_linked_transitions = {Stay, StayEvent, PlanItem, ScreeningRecord}
    for model in admin.site._registry:
        assert model._meta.app_label not in {"patients", "audit"}
        assert model not in patient_linked_transitions
    assert Patient not in admin.site._registry


def test_identity_update_is_audited_and_refused_in_an_emergency(manage, outsider) -> None:  # type: ignore[no-untyped-def]
    from parcours.patients.access import break_the_glass
    from parcours.patients.actions import patient_update

    data = PatientData(
        given_name="Marie",
        family_name="Peeters",
        birth_date=manage.patient.birth_date,
        administrative_sex="female",
        pronouns="elle",
        languages=["fr", "nl"],
        phone="+32 2 555 01 12",
    )
    updated = patient_update(access=manage, data=data)
    assert updated.languages == ["fr", "nl"]
    row = AuditEvent.objects.order_by("-seq").first()
    assert row is not None and row.what == "patient" and row.action == "U"
    assert sorted(row.detail["fields"]) == ["languages", "phone"]
    emergency = break_the_glass(
        outsider, manage.patient.pk, reason="Unconscious, need the GP's name"
    )
    with pytest.raises(PatientNotFound):
        patient_update(access=emergency, data=data)
