"""Story 1 of docs/scenarios ("the Friday-evening discharge") as ONE scenario through the public
actions, on fixed dates (Tuesday 3 to Friday 6 March 2026, Brussels time).

Marie Peeters, 82, lives alone in Ixelles, speaks French; her son Jan (Dutch) is her trusted
person. Admitted Tuesday by the HL7 feed, screened Wednesday (ISAR 4, lives alone, ICOPE mobility
and nutrition), the plan gets its items from the triggers, the referent is named, the weekend
guard finds the home-help service closed at the weekend and a home-nursing service in the
directory that serves Ixelles, works weekends and has capacity; the letter leaves Thursday for a
Friday 17:00 discharge; everyone acknowledges; the discharge plans the day-2 call for Sunday.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from freezegun import freeze_time

from parcours.accounts.models import Role
from parcours.coordination.access import access_task
from parcours.coordination.actions import referral_send, task_accept
from parcours.directory.models import Service
from parcours.directory.selectors import ServiceQuery, open_at_filter, search_services
from parcours.messaging.models import Notification, TransmissionRecipient, TransmissionState
from parcours.messaging.transmission_actions import transmission_acknowledge
from parcours.patients.access import Purpose, access_patient
from parcours.patients.actions import (
    IdentifierInput,
    MemberInput,
    PatientData,
    circle_member_add,
    patient_create,
)
from parcours.patients.models import CircleMember, MemberRole
from parcours.transitions.actions import (
    screening_record,
    stay_admit,
    stay_discharge,
    stay_expected_discharge_set,
    stay_referent_assign,
)
from parcours.transitions.aftercare_models import Readmission
from parcours.transitions.calendar import local_time
from parcours.transitions.letter_actions import (
    liaison_letter_draft_save,
    liaison_letter_patient_hand_over,
    liaison_letter_send,
)
from parcours.transitions.models import PlanItemStatus
from parcours.transitions.protocols import liaison_protocol_install_default
from tests.directory.factories import add_service, municipality
from tests.factories import UserFactory
from tests.patients.conftest import gp_luc  # noqa: F401
from tests.transitions.conftest import BRUSSELS, FEED

pytestmark = pytest.mark.django_db

TUESDAY = datetime(2026, 3, 3, 10, 0, tzinfo=BRUSSELS)
WEDNESDAY = datetime(2026, 3, 4, 11, 0, tzinfo=BRUSSELS)
THURSDAY = datetime(2026, 3, 5, 15, 0, tzinfo=BRUSSELS)
FRIDAY_NOON = datetime(2026, 3, 6, 12, 0, tzinfo=BRUSSELS)
FRIDAY_EVENING = datetime(2026, 3, 6, 17, 0, tzinfo=BRUSSELS)
SATURDAY_MORNING = datetime(2026, 3, 7, 10, 0, tzinfo=BRUSSELS)
DAY_20 = datetime(2026, 3, 26, 9, 30, tzinfo=BRUSSELS)  # 20 days after the Friday discharge

WEEKDAYS = [(day, 8 * 60, 18 * 60) for day in range(5)]
EVERY_DAY = [(day, 7 * 60, 21 * 60) for day in range(8)]


def access_of(user, patient, **kwargs):  # type: ignore[no-untyped-def]
    return access_patient(user, patient.pk, purpose=Purpose.TREATMENT, **kwargs)


def services_open_at(services, moment):  # type: ignore[no-untyped-def]
    ids = [service.pk for service in services]
    return set(Service.objects.filter(pk__in=ids).filter(open_at_filter(moment)))


def test_story_1_the_friday_evening_discharge(  # type: ignore[no-untyped-def]
    hospital,
    ward,
    claire,
    gp_luc,  # noqa: F811
) -> None:
    ixelles = municipality("BE", "21009", "Ixelles", "Elsene", 50.8333, 4.3667)
    leuven = municipality("BE", "24062", "Louvain", "Leuven", 50.8798, 4.7005)
    # The directory around Ixelles: a home-help service open on weekdays only, and home-nursing
    # services of which only one serves Ixelles, works weekends and has capacity.
    home_help_service = add_service(
        "aide-ixelles",
        {"fr": "Aide familiale Ixelles", "nl": "Gezinszorg Elsene"},
        "home_help",
        areas=[ixelles],
        languages=["fr"],
        target_groups=["geriatrics"],
        hours=WEEKDAYS,
        capacity="accepting",
        place=ixelles,
    )
    nursing_7_7 = add_service(
        "soins-ixelles-7-7",
        {"fr": "Soins infirmiers Ixelles 7/7", "nl": "Thuisverpleging Elsene 7/7"},
        "home_nursing",
        areas=[ixelles],
        languages=["fr", "nl"],
        target_groups=["geriatrics"],
        hours=EVERY_DAY,
        capacity="accepting",
        place=ixelles,
    )
    add_service(  # serves Ixelles, weekdays only
        "soins-semaine",
        {"fr": "Soins en semaine"},
        "home_nursing",
        areas=[ixelles],
        languages=["fr"],
        target_groups=["geriatrics"],
        hours=WEEKDAYS,
        capacity="accepting",
        place=ixelles,
    )
    add_service(  # works weekends, but full
        "soins-complet",
        {"fr": "Soins complets 7/7"},
        "home_nursing",
        areas=[ixelles],
        languages=["fr"],
        target_groups=["geriatrics"],
        hours=EVERY_DAY,
        capacity="full",
        place=ixelles,
    )
    add_service(  # works weekends, has capacity, does not serve Ixelles
        "thuiszorg-leuven",
        {"nl": "Thuisverpleging Leuven"},
        "home_nursing",
        areas=[leuven],
        languages=["nl"],
        target_groups=["geriatrics"],
        hours=EVERY_DAY,
        capacity="accepting",
        place=leuven,
    )
    helper = UserFactory(
        username="aicha",
        role=Role.HOME_CARE_COORDINATOR,
        organisation=home_help_service.organisation,
        first_name="Aïcha",
        last_name="Benali",
    )
    night_nurse = UserFactory(
        username="bert",
        role=Role.HOME_NURSE,
        organisation=nursing_7_7.organisation,
        first_name="Bert",
        last_name="Claes",
    )
    referent = UserFactory(
        username="veronique",
        role=Role.COMPLEX_PATHWAY_REFERENT,
        organisation=hospital,
        first_name="Véronique",
        last_name="Lambert",
    )
    liaison_protocol_install_default(hospital=hospital, actor=FEED, name="CHU Test")
    liaison_protocol_install_default(hospital=hospital, ward=ward, actor=FEED, name="Gériatrie")

    # --- Tuesday: the HL7 feed opens the stay of Marie, 82, who lives alone in Ixelles ------
    with freeze_time(TUESDAY) as clock:
        marie = patient_create(
            user=claire,
            data=PatientData(
                given_name="Marie",
                family_name="Peeters",
                birth_date=datetime(1944, 2, 14).date(),
                administrative_sex="female",
                pronouns="elle",
                municipality_id=ixelles.pk,
                languages=["fr"],
            ),
            identifiers=[IdentifierInput("be-niss", "44021412406")],
        )
        manage = access_of(claire, marie, manage=True)
        circle_member_add(
            access=manage, member=MemberInput(role=MemberRole.GP, professional=gp_luc.professional)
        )
        circle_member_add(
            access=manage,
            member=MemberInput(
                role=MemberRole.HOME_HELP, service=home_help_service, visibility="non_medical"
            ),
        )
        circle_member_add(
            access=manage,
            member=MemberInput(
                role=MemberRole.TRUSTED_PERSON,
                person_name="Jan Peeters",
                person_relationship="zoon",
                person_language="nl",
                visibility="care_instructions",
            ),
        )
        stay = stay_admit(
            patient=marie,
            hospital=hospital,
            ward=ward,
            admitted_at=TUESDAY,
            external_id="V2026-0303-17",
            source="CHU-TEST",
            actor=FEED,
            admitting_physician_name="Dr Anne Lefèvre",
        )
        assert marie.age_on(TUESDAY.date()) == 82
        assert stay.is_open and stay.ward == ward

        # --- Wednesday: the liaison nurse screens her -------------------------------------
        clock.move_to(WEDNESDAY)
        access = access_of(claire, marie)
        isar, _ = screening_record(
            access=access,
            stay=stay,
            instrument="isar",
            answers={
                "help_before": True,
                "help_since": True,
                "hospitalized_6m": False,
                "vision_impaired": True,
                "memory_problems": False,
                "polypharmacy": True,
            },
        )
        assert (isar.score, isar.band, isar.positive) == (4, "at_risk", True)
        psychosocial, _ = screening_record(
            access=access,
            stay=stay,
            instrument="psychosocial",
            answers={
                "lives_alone": True,
                "no_regular_contact": False,
                "psychosocial_vulnerability": False,
                "cannot_mobilise_network": False,
                "refused_help_before": False,
                "caregiver_exhausted": False,
                "housing_unsuitable": False,
            },
        )
        assert psychosocial.positive
        icope, _ = screening_record(
            access=access,
            stay=stay,
            instrument="icope_step1",
            answers={
                "recall_all_three_words": True,
                "orientation_correct": True,
                "chair_rise_seconds": 21,
                "weight_loss_3kg_3m": True,
                "appetite_loss": False,
                "vision_problem": False,
                "whisper_test_failed": False,
                "feeling_down": False,
                "little_interest": False,
            },
        )
        assert icope.positive
        assert {k for k, v in icope.details.items() if v} == {"mobility", "nutrition"}
        # The plan gets a geriatric assessment, a home-help referral and a day-2 call.
        live = stay.plan_items.exclude(status=PlanItemStatus.CANCELLED)
        codes = set(live.values_list("code", flat=True))
        assert {"geriatric-assessment", "home-help-referral", "day-2-call"} <= codes
        assert live.get(code="day-2-call").due_at is None, "counted from the discharge"

        # The geriatric ward's complex-pathway referent is named.
        stay = stay_referent_assign(access=access, stay=stay, referent=referent)
        assert stay.referent == referent

        # Discharge planned for Friday 17:00: the weekend guard's flag rises.
        stay = stay_expected_discharge_set(
            stay=stay, expected_discharge_at=FRIDAY_EVENING, actor=access.actor
        )
        assert stay.is_weekend_or_friday_afternoon_discharge
        in_circle = Service.objects.filter(
            pk__in=CircleMember.objects.filter(patient=marie, service__isnull=False).values(
                "service_id"
            )
        )
        assert services_open_at(in_circle, SATURDAY_MORNING) == set(), (
            "the home-help service is closed on Saturday"
        )

        # The nurse finds, in the directory, a home-nursing service that serves Ixelles,
        # works weekends and has capacity.
        found = search_services(
            ServiceQuery(
                category="home_nursing",
                municipality=ixelles,
                open_at=SATURDAY_MORNING,
                accepting=True,
            )
        )
        assert [hit.service for hit in found.hits] == [nursing_7_7]
        # She sends a referral; the service accepts it within the hour and joins the circle.
        (referral,) = referral_send(
            access=access,
            services=[nursing_7_7],
            need="Soins infirmiers à domicile dès la sortie, week-end compris",
            stay_id=stay.pk,
        )
        clock.tick(timedelta(minutes=40))
        referral = task_accept(access=access_task(night_nurse, referral.pk, action="U"))
        assert referral.status == "accepted"
        nurse_member = CircleMember.objects.get(patient=marie, service=nursing_7_7)
        assert nurse_member.role == MemberRole.HOME_NURSE
        # The weekend guard is satisfied: a service of the circle is reachable on Saturday.
        in_circle = Service.objects.filter(
            pk__in=CircleMember.objects.filter(patient=marie, service__isnull=False).values(
                "service_id"
            )
        )
        assert services_open_at(in_circle, SATURDAY_MORNING) == {nursing_7_7}

        # --- Thursday: the liaison letter leaves --------------------------------------------
        clock.move_to(THURSDAY)
        access = access_of(claire, marie)
        liaison_letter_draft_save(
            access=access,
            stay=stay,
            reason="Chute à domicile, contusion de hanche sans fracture.",
            care_instructions="Aide à la toilette; surveiller les chutes.",
            medication_changes="Arrêt du lorazépam 1 mg le soir.",
            non_medical_notes="Habite au 3e étage sans ascenseur; les clés sont chez la voisine.",
            plain_summary="Vous êtes tombée chez vous. Rien n'est cassé.",
        )
        letter = liaison_letter_send(access=access, stay=stay, acknowledge_by=FRIDAY_NOON)
        stay.refresh_from_db()
        assert stay.liaison_letter_sent_at == THURSDAY
        letter_item = stay.plan_items.get(code="liaison-letter")
        assert (letter_item.status, letter_item.done_by) == (PlanItemStatus.DONE, claire)
        copies = {
            copy.circle_member.role: copy
            for copy in TransmissionRecipient.objects.filter(
                transmission=letter.transmission
            ).select_related("circle_member")
        }
        assert set(copies) == {
            MemberRole.GP,
            MemberRole.HOME_NURSE,
            MemberRole.HOME_HELP,
            MemberRole.TRUSTED_PERSON,
        }
        gp_copy, nurse_copy = copies[MemberRole.GP], copies[MemberRole.HOME_NURSE]
        help_copy, jan_copy = copies[MemberRole.HOME_HELP], copies[MemberRole.TRUSTED_PERSON]
        # Full to the GP, care instructions to the home nurse, non-medical to home help.
        assert "contusion de hanche" in gp_copy.body and "ISAR" in gp_copy.body
        assert "lorazépam" in nurse_copy.body and "contusion" not in nurse_copy.body
        assert nurse_copy.circle_member == nurse_member
        assert "3e étage" in help_copy.body
        for secret in ("contusion", "lorazépam", "ISAR", "toilette"):
            assert secret not in help_copy.body
        # Plain language in French to Marie, in Dutch to Jan; "elle" as she states it.
        assert jan_copy.language == "nl" and "Marie Peeters (elle) verlaat" in jan_copy.body
        assert letter.patient_language == "fr"
        assert "Vous quittez" in letter.patient_body and "vendredi 6 mars 2026, 17:00" in (
            letter.patient_body
        )

        # --- Everyone acknowledges (Jan and Marie: hand-over recorded by the nurse) ---------
        transmission_acknowledge(access=access_of(gp_luc, marie), recipient=gp_copy)
        transmission_acknowledge(access=access_of(night_nurse, marie), recipient=nurse_copy)
        transmission_acknowledge(access=access_of(helper, marie), recipient=help_copy)
        transmission_acknowledge(
            access=access,
            recipient=jan_copy,
            note="Lue au téléphone avec Jan, en néerlandais",
            on_behalf=True,
        )
        letter = liaison_letter_patient_hand_over(
            access=access, letter=letter, note="Remise et relue avec Mme Peeters"
        )
        states = set(
            TransmissionRecipient.objects.filter(transmission=letter.transmission).values_list(
                "state", flat=True
            )
        )
        assert states == {TransmissionState.ACKNOWLEDGED}
        assert letter.patient_handed_over_at == THURSDAY

        # --- Friday 17:00: discharge; the day-2 call falls on Sunday ------------------------
        clock.move_to(FRIDAY_EVENING)
        stay = stay_discharge(
            stay=stay,
            actor=FEED,
            discharged_at=FRIDAY_EVENING,
            destination="home_with_services",
        )
        assert stay.liaison_letter_sent_at < stay.discharged_at, "the letter left first"
        assert letter.left_before_discharge
        day_2 = stay.plan_items.get(code="day-2-call", status=PlanItemStatus.TODO)
        assert day_2.due_at == FRIDAY_EVENING + timedelta(days=2)
        assert local_time(day_2.due_at, "BE").strftime("%A") == "Sunday"
        assert day_2.responsible_role == Role.HOME_CARE_COORDINATOR

        # --- Day 20: she is readmitted; the circle is told at once ---------------------------

        clock.move_to(DAY_20)
        readmitted = stay_admit(
            patient=marie,
            hospital=hospital,
            ward=ward,
            admitted_at=DAY_20,
            external_id="V2026-0326-04",
            source="CHU-TEST",
            actor=FEED,
        )
        readmission = Readmission.objects.get(stay=readmitted)
        assert (readmission.previous_stay, readmission.days) == (stay, 20)
        told = set(
            Notification.objects.filter(kind="stay.readmission", patient_id=marie.pk).values_list(
                "recipient_id", flat=True
            )
        )
        assert {gp_luc.pk, night_nurse.pk, helper.pk} <= told
