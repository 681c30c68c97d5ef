"""Every search parameter of every resource type, with a value that matches a known resource
and one that does not. The table must name every parameter the registry declares."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from parcours.coordination.actions import referral_send
from parcours.interop.fhir.registry import all_types
from parcours.messaging.conversation_actions import (
    conversation_for_patient,
    conversation_message_post,
)
from parcours.messaging.conversations import ConversationAccess
from parcours.patients.actions import MemberInput, circle_member_add, consent_record
from parcours.patients.models import MemberRole
from parcours.transitions.actions import screening_record
from parcours.transitions.models import Stay, StayStatus
from parcours.transitions.screening import INSTRUMENTS

pytestmark = pytest.mark.django_db

KBO = "https://kbopub.economie.fgov.be"
NISS = "https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin"


@pytest.fixture
def world(directory, manage, marie_circle, hospital, ixelles) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    marie_circle.municipality = ixelles
    marie_circle.save(update_fields=["municipality"])
    daughter = circle_member_add(
        access=manage,
        member=MemberInput(role=MemberRole.CAREGIVER, person_name="Sofie Peeters"),
    )
    stay = Stay.objects.create(
        patient=marie_circle, hospital=hospital, status=StayStatus.DISCHARGED
    )
    consent = consent_record(access=manage, status="given", method="oral")
    open_stay = Stay.objects.create(patient=marie_circle, hospital=hospital)
    (task,) = referral_send(access=manage, services=[directory["service"]], need="Soins")
    message = conversation_message_post(
        access=ConversationAccess(conversation_for_patient(access=manage), manage.user, manage),
        body="Bonjour",
    )
    screening, _items = screening_record(
        access=manage,
        stay=open_stay,
        instrument="isar",
        answers={key: False for key in INSTRUMENTS["isar"].keys},
    )
    return {**directory, "marie": marie_circle, "daughter": daughter, "stay": stay,
            "consent": consent, "open_stay": open_stay, "task": task,
            "message": SimpleNamespace(pk=f"message-{message.pk}"),
            "screening": screening}  # fmt: skip


# (type, parameter) → (query matching the target, query matching nothing, target key)
TABLE: dict[tuple[str, str], tuple[str, str, str]] = {
    ("Organization", "_id"): ("_id={home}", "_id=0", "home"),
    ("Organization", "identifier"): (f"identifier={KBO}|0411905847", "identifier=nope", "home"),
    ("Organization", "name"): ("name=Thuisverpleging", "name=zzz", "home"),
    ("Organization", "active"): ("active=false", "active=false&name=soins", "pharmacy"),
    ("Organization", "address-city"): ("address-city=Ixelles", "address-city=Gent", "home"),
    ("Organization", "partof"): ("partof={hospital}", "partof=0", "ward"),
    ("HealthcareService", "_id"): ("_id={service}", "_id=0", "service"),
    ("HealthcareService", "identifier"): ("identifier=soins-inf", "identifier=x", "service"),
    ("HealthcareService", "name"): ("name=verpl", "name=zzz", "service"),
    ("HealthcareService", "active"): ("active=true", "active=false", "service"),
    ("HealthcareService", "organization"): ("organization={home}", "organization=0", "service"),
    ("HealthcareService", "address-city"): ("address-city=Elsene", "address-city=Gent", "service"),
    ("Practitioner", "_id"): ("_id={anne}", "_id=0", "anne"),
    ("Practitioner", "identifier"): (
        "identifier=https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/nihdi|40012345123",
        "identifier=https://rpps.esante.gouv.fr|40012345123",
        "anne",
    ),
    ("Practitioner", "name"): ("name=Anne", "name=zzz", "anne"),
    ("Practitioner", "family"): ("family:exact=Lambert", "family:exact=Lamber", "anne"),
    ("Practitioner", "given"): ("given=ann", "given=zzz", "anne"),
    ("Practitioner", "active"): ("active=false", "active=false&given=anne", "bert"),
    ("PractitionerRole", "_id"): ("_id={role0}", "_id=0", "role0"),
    ("PractitionerRole", "practitioner"): ("practitioner={anne}", "practitioner=0", "role0"),
    ("PractitionerRole", "organization"): ("organization={pharmacy}", "organization=0", "role2"),
    ("PractitionerRole", "active"): ("active=false", "active=false&given=anne", "role1"),
    ("PractitionerRole", "name"): ("name=chlo", "name=zzz", "role2"),
    ("PractitionerRole", "family"): ("family=dupont", "family=zzz", "role2"),
    ("PractitionerRole", "given"): ("given=chloé", "given=zzz", "role2"),
    ("Location", "_id"): ("_id={location}", "_id=0", "location"),
    ("Location", "identifier"): ("identifier=bailli", "identifier=nope", "location"),
    ("Location", "name"): ("name:contains=bailli", "name=zzz", "location"),
    ("Location", "address-city"): ("address-city=ixelles", "address-city=gent", "location"),
    ("Location", "organization"): ("organization={home}", "organization={pharmacy}", "location"),
    ("Patient", "_id"): ("_id={marie}", "_id=0", "marie"),
    ("Patient", "identifier"): (f"identifier={NISS}|48021408235", f"identifier={NISS}|1", "marie"),
    ("Patient", "name"): ("name=peeters", "name=zzz", "marie"),
    ("Patient", "family"): ("family=peet", "family=zzz", "marie"),
    ("Patient", "given"): ("given=marie", "given=zzz", "marie"),
    ("Patient", "birthdate"): ("birthdate=le1944-12-31", "birthdate=gt1944", "marie"),
    ("Patient", "address-city"): ("address-city=Elsene", "address-city=Gent", "marie"),
    ("Patient", "gender"): ("gender=female", "gender=male", "marie"),
    ("RelatedPerson", "_id"): ("_id={daughter}", "_id=0", "daughter"),
    ("RelatedPerson", "patient"): ("patient={marie}", "patient=0", "daughter"),
    ("RelatedPerson", "name"): ("name=sofie", "name=zzz", "daughter"),
    ("CareTeam", "_id"): ("_id={marie}", "_id=0", "marie"),
    ("CareTeam", "patient"): ("patient=Patient/{marie}", "patient=0", "marie"),
    ("CareTeam", "subject"): ("subject={marie}", "subject=0", "marie"),
    ("CareTeam", "status"): ("status=active", "status=inactive", "marie"),
    ("Encounter", "_id"): ("_id={stay}", "_id=0", "stay"),
    ("Encounter", "patient"): ("patient={marie}", "patient=0", "stay"),
    ("Encounter", "subject"): ("subject=Patient/{marie}", "subject=0", "stay"),
    ("Encounter", "status"): ("status=finished", "status=in-progress", "stay"),
    ("Consent", "_id"): ("_id={consent}", "_id=0", "consent"),
    ("Consent", "patient"): ("patient={marie}", "patient=0", "consent"),
    ("Consent", "status"): ("status=active", "status=inactive", "consent"),
    ("Task", "_id"): ("_id={task}", "_id=0", "task"),
    ("Task", "patient"): ("patient={marie}", "patient=0", "task"),
    ("Task", "status"): ("status=requested", "status=completed", "task"),
    ("Task", "owner"): (
        "owner=HealthcareService/{service}", "owner=Organization/{pharmacy}", "task"
    ),
    ("Communication", "_id"): ("_id={message}", "_id=message-0", "message"),
    ("Communication", "patient"): ("patient={marie}", "patient=0", "message"),
    ("Communication", "subject"): ("subject=Patient/{marie}", "subject=0", "message"),
    ("QuestionnaireResponse", "_id"): ("_id={screening}", "_id=0", "screening"),
    ("QuestionnaireResponse", "patient"): ("patient={marie}", "patient=0", "screening"),
    ("QuestionnaireResponse", "subject"): ("subject={marie}", "subject=0", "screening"),
    ("QuestionnaireResponse", "encounter"): (
        "encounter={open_stay}", "encounter={stay}", "screening"
    ),
    ("QuestionnaireResponse", "questionnaire"): (
        "questionnaire=isar", "questionnaire=trst", "screening"
    ),
}  # fmt: skip


def test_the_table_covers_every_declared_parameter() -> None:
    declared = {(r.name, p) for r in all_types() for p in r.search_params}
    assert declared == set(TABLE)


def test_every_search_parameter(fhir, nurse_claire, world, ward) -> None:  # type: ignore[no-untyped-def]
    """One set-up for the whole table (fixtures are costly); every failure is reported."""
    world = {**world, "ward": ward, "hospital": ward.parent}
    for index, role in enumerate(world["roles"]):
        world[f"role{index}"] = role
    ids = {key: getattr(value, "pk", None) for key, value in world.items()}
    failures = []
    for (type_name, param), (matching, missing, target) in sorted(TABLE.items()):
        for query, expected in ((matching, True), (missing, False)):
            path = f"{type_name}?{query.format(**ids)}"
            status, bundle = fhir("GET", path, user=nurse_claire)
            found = {entry["resource"]["id"] for entry in bundle.get("entry", [])}
            if status != 200 or (str(ids[target]) in found) != expected:
                failures.append((param, path, status, sorted(found)))
    assert failures == []
