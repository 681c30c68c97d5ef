"""Demo patients of the stories (scenarios.md 1–5), with their circles. All fictitious.

Deterministic and idempotent: a patient is recognised by its identifier and skipped when it
already exists. Directory entries for demo users who are professionals are created when the
directory does not have them yet.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from parcours.accounts.models import User
from parcours.audit.actions import Actor
from parcours.demo import DemoContext
from parcours.directory.models import Organisation, Professional, ProfessionalRole
from parcours.patients.access import PatientAccess, Purpose, access_patient
from parcours.patients.actions import (
    IdentifierInput,
    MemberInput,
    PatientData,
    circle_member_add,
    consent_record,
    exclusion_add,
    patient_create,
)
from parcours.patients.models import MemberRole, PatientIdentifier
from parcours.transitions.actions import stay_admit, stay_discharge

FEED = Actor(user_id=None, username="demo-adt-feed")


def niss(born: date, counter: int) -> str:
    """A valid Belgian national number for a fictitious person."""
    body = f"{born:%y%m%d}{counter:03d}"
    base = int(("2" if born.year >= 2000 else "") + body)
    return f"{body}{97 - base % 97:02d}"


def nir(sex: int, born: date, department: str, commune: str, order: int) -> str:
    body = f"{sex}{born:%y%m}{department}{commune}{order:03d}"
    return f"{body}{97 - int(body) % 97:02d}"


def _professional(context: DemoContext, username: str, profession: str, org: str) -> Professional:
    user: User = context.get(f"user:{username}")
    organisation: Organisation = context.get(f"org:{org}")
    professional, _created = Professional.objects.get_or_create(
        user=user,
        defaults={
            "given_name": user.first_name,
            "family_name": user.last_name,
            "profession": profession,
        },
    )
    ProfessionalRole.objects.get_or_create(professional=professional, organisation=organisation)
    return professional


def _unlinked(given: str, family: str, profession: str, org: Organisation) -> Professional:
    professional, _created = Professional.objects.get_or_create(
        given_name=given, family_name=family, user=None, defaults={"profession": profession}
    )
    ProfessionalRole.objects.get_or_create(professional=professional, organisation=org)
    return professional


def load(context: DemoContext) -> None:
    org = context.get
    today = timezone.localdate()
    pros = {
        "gp": _professional(context, "demo-gp", "gp", "mm-louise"),
        "home_nurse": _professional(context, "demo-home-nurse", "nurse", "thuiszorg-zuid"),
        "social": _professional(context, "demo-social-worker", "social_worker", "cpas-ixelles"),
        "mediator": _professional(
            context, "demo-mediator", "health_mediator", "mediation-sante-bxl"
        ),
        "pharmacist": _professional(context, "demo-pharmacist", "pharmacist", "pharmacie-flagey"),
        "fr_gp": _professional(context, "demo-fr-gp", "gp", "msp-lezennes"),
        "fr_idel": _professional(context, "demo-fr-idel", "nurse", "idel-faches"),
    }
    created = 0

    def new(user_key: str, data: PatientData, identifier: IdentifierInput) -> PatientAccess | None:
        nonlocal created
        if PatientIdentifier.objects.filter(
            system=identifier.system, value=identifier.value
        ).exists():
            return None
        user = context.get(f"user:{user_key}")
        patient = patient_create(user=user, data=data, identifiers=[identifier])
        created += 1
        return access_patient(user, patient.pk, purpose=Purpose.COORDINATION, manage=True)

    # 1. Marie Peeters, 82, Ixelles; son Jan (Dutch-speaking) is her trusted person.
    marie = new(
        "demo-liaison",
        PatientData(
            given_name="Marie",
            family_name="Peeters",
            birth_date=date(today.year - 82, 3, 9),
            administrative_sex="female",
            pronouns="elle",
            address_line="Rue du Bailli 12, 3e étage",
            postcode="1050",
            languages=["fr"],
            phone="+32 2 555 01 12",
        ),
        IdentifierInput("be-niss", niss(date(today.year - 82, 3, 9), 82)),
    )
    if marie is not None:
        stay_admit(
            patient=marie.patient,
            hospital=org("org:chu-bxl"),
            ward=org("org:chu-bxl-ger"),
            admitted_at=timezone.now() - timedelta(days=2),
            expected_discharge_at=timezone.now() + timedelta(days=2),
            actor=FEED,
        )
        consent_record(access=marie, status="given", method="oral", note="Accord de Mme Peeters")
        for member in [
            MemberInput(role=MemberRole.GP, professional=pros["gp"], patient_confirmed=True),
            MemberInput(
                role=MemberRole.HOME_NURSE,
                professional=pros["home_nurse"],
                visibility="care_instructions",
                patient_confirmed=True,
            ),
            MemberInput(
                role=MemberRole.PHARMACIST,
                professional=pros["pharmacist"],
                visibility="care_instructions",
            ),
            MemberInput(
                role=MemberRole.HOME_HELP,
                organisation=org("org:aide-familles-ixelles"),
                visibility="non_medical",
            ),
            MemberInput(
                role=MemberRole.TRUSTED_PERSON,
                person_name="Jan Peeters",
                person_relationship="fils / zoon",
                person_language="nl",
                person_phone="+32 16 55 02 34",
                visibility="care_instructions",
                patient_confirmed=True,
            ),
        ]:
            circle_member_add(access=marie, member=member)

    # 2. Samir, 41, no national number: provisional identity with the hospital's number.
    samir = new(
        "demo-liaison",
        PatientData(
            given_name="Samir",
            birth_date=date(today.year - 41, 1, 1),
            is_provisional=True,
            languages=["fr", "ar"],
        ),
        IdentifierInput("local", "BXL-PSY-000417", org("org:chu-bxl")),
    )
    if samir is not None:
        stay_admit(
            patient=samir.patient,
            hospital=org("org:chu-bxl"),
            ward=org("org:chu-bxl-psy"),
            actor=FEED,
        )
        consent_record(access=samir, status="given", method="oral")
        for member in [
            MemberInput(
                role=MemberRole.HEALTH_MEDIATOR,
                professional=pros["mediator"],
                is_referent=True,
                patient_confirmed=True,
            ),
            MemberInput(role=MemberRole.MENTAL_HEALTH_TEAM, organisation=org("org:emsm-sud")),
            MemberInput(
                role=MemberRole.SOCIAL_WORKER, professional=pros["social"], visibility="non_medical"
            ),
        ]:
            circle_member_add(access=samir, member=member)

    # 3. Alex, 29, a trans woman; her partner is her caregiver; she excludes one GP.
    alex = new(
        "demo-liaison",
        PatientData(
            given_name="Alex",
            family_name="Janssens",
            birth_date=date(today.year - 29, 6, 21),
            administrative_sex="male",
            gender_identity="femme trans / trans vrouw",
            pronouns="elle / zij",
            postcode="1000",
            languages=["fr", "nl"],
        ),
        IdentifierInput("be-niss", niss(date(today.year - 29, 6, 21), 213)),
    )
    if alex is not None:
        consent_record(access=alex, status="given", method="written")
        for member in [
            MemberInput(
                role=MemberRole.HOME_NURSE,
                organisation=org("org:infi-arc-en-ciel"),
                visibility="care_instructions",
            ),
            MemberInput(
                role=MemberRole.OTHER_PROFESSIONAL,
                organisation=org("org:pairs-arc-en-ciel"),
                visibility="non_medical",
            ),
            MemberInput(
                role=MemberRole.CAREGIVER,
                person_name="Sam Dupuis",
                person_relationship="partenaire / partner",
                patient_confirmed=True,
            ),
        ]:
            circle_member_add(access=alex, member=member)
        excluded = _unlinked("Dirk", "Vos", "gp", org("org:mm-saint-gilles"))
        exclusion_add(access=alex, professional=excluded, reason="Souhait de la patiente")

    # 4. Henri Martin, 77, CPTS territory; a mandataire judiciaire manages his property only.
    henri = new(
        "demo-fr-liaison",
        PatientData(
            given_name="Henri",
            family_name="Martin",
            birth_date=date(today.year - 77, 10, 4),
            administrative_sex="male",
            pronouns="il",
            postcode="59260",
            languages=["fr"],
        ),
        IdentifierInput("fr-nir", nir(1, date(today.year - 77, 10, 4), "59", "343", 112)),
    )
    if henri is not None:
        stay = stay_admit(
            patient=henri.patient,
            hospital=org("org:chu-lille"),
            ward=org("org:chu-lille-card"),
            admitted_at=timezone.now() - timedelta(days=9),
            actor=FEED,
        )
        stay_discharge(stay=stay, actor=FEED, discharged_at=timezone.now() - timedelta(days=1))
        consent_record(access=henri, status="given", method="written")
        for member in [
            MemberInput(
                role=MemberRole.GP,
                professional=pros["fr_gp"],
                is_referent=True,
                patient_confirmed=True,
            ),
            MemberInput(
                role=MemberRole.HOME_NURSE,
                professional=pros["fr_idel"],
                visibility="care_instructions",
            ),
            MemberInput(
                role=MemberRole.HOME_NURSE,
                organisation=org("org:ssiad-ronchin"),
                visibility="care_instructions",
            ),
            MemberInput(
                role=MemberRole.PHARMACIST,
                organisation=org("org:pharmacie-lezennes"),
                visibility="care_instructions",
            ),
            MemberInput(role=MemberRole.CASE_MANAGER, organisation=org("org:dac-metropole")),
            MemberInput(
                role=MemberRole.SOCIAL_WORKER,
                organisation=org("org:ccas-villeneuve"),
                visibility="non_medical",
            ),
            MemberInput(
                role=MemberRole.LEGAL_REPRESENTATIVE,
                person_name="Odile Lefèvre, mandataire judiciaire",
                legal_scope="property",
                legal_basis=(
                    "Jugement du juge des contentieux de la protection, Lille, 5 novembre 2024"
                ),
                visibility="non_medical",
            ),
        ]:
            circle_member_add(access=henri, member=member)

    # 5. Nadia, 35, detox stay; an outpatient addiction service follows her.
    nadia = new(
        "demo-liaison",
        PatientData(
            given_name="Nadia",
            family_name="Haddou",
            birth_date=date(today.year - 35, 11, 30),
            administrative_sex="female",
            pronouns="elle",
            languages=["fr"],
        ),
        IdentifierInput("be-niss", niss(date(today.year - 35, 11, 30), 164)),
    )
    if nadia is not None:
        stay_admit(
            patient=nadia.patient,
            hospital=org("org:chu-bxl"),
            ward=org("org:chu-bxl-addict"),
            actor=FEED,
        )
        consent_record(access=nadia, status="given", method="oral")
        circle_member_add(
            access=nadia,
            member=MemberInput(
                role=MemberRole.CASE_MANAGER, organisation=org("org:assuetudes-ambulatoire")
            ),
        )
    context.log(f"  patients: {created} new")
