"""Demo directory content: the services, referents and contacts of the stories, then
`--services N` and `--professionals N` generated ones, in French and Dutch.

Generated rows are deterministic (seeded per batch), written with bulk_create in batches with
their search documents built in memory: no query per row. Running the demo again with the same
numbers changes nothing; with other numbers the generated part is replaced.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from parcours.demo import DemoContext
from parcours.directory.documents import (
    Workplace,
    organisation_texts,
    professional_document,
    professionals_reindex,
    service_body,
    services_reindex,
)
from parcours.directory.identifiers import (
    IdentifierKind,
    check_identifier,
    kbo_complete,
    luhn_complete,
    riziv_complete,
)
from parcours.directory.models import (
    HOLIDAY,
    CapacityStatus,
    ChannelKind,
    Closure,
    ContactChannel,
    OpeningHours,
    Organisation,
    OrganisationIdentifier,
    OrganisationType,
    Professional,
    ProfessionalRole,
    Referent,
    ReferentKind,
    Service,
)
from parcours.territory.models import Municipality

BATCH = 5000
WEEKDAYS = (0, 1, 2, 3, 4)
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6, HOLIDAY)

SOUTH = ["21009", "21013", "21007", "21016"]  # Ixelles, Saint-Gilles, Forest, Uccle
CENTRE = ["21004", "21009", "21013", "21001", "21015"]
LILLE_SE = ["59350", "59009", "59507", "59220", "59343", "59410", "59360", "59328", "59368"]


def hours(days: tuple[int, ...], opens: str, closes: str) -> list[tuple[int, int, int]]:
    def minute(value: str) -> int:
        h, m = value.split(":")
        return int(h) * 60 + int(m)

    return [(day, minute(opens), minute(closes)) for day in days]


@dataclass
class DemoService:
    code: str
    organisation: str
    name: dict[str, str]
    category: str
    description: dict[str, str]
    target_groups: list[str]
    languages: list[str]
    areas: list[str]
    schedule: list[tuple[int, int, int]]
    capacity: str = CapacityStatus.ACCEPTING
    waiting: int | None = None
    wait_days: int | None = None
    eligibility: dict[str, str] = field(default_factory=dict)
    fees: dict[str, str] = field(default_factory=dict)
    referral: dict[str, str] = field(default_factory=dict)
    channels: list[tuple[str, str]] = field(default_factory=list)
    country: str = "BE"
    closures: list[tuple[int, int]] = field(default_factory=list)  # days from today


def _t(fr: str, nl: str, en: str = "") -> dict[str, str]:
    texts = {"fr": fr, "nl": nl}
    if en:
        texts["en"] = en
    return texts


def _fr(text: str) -> dict[str, str]:
    return {"fr": text}


ACCEPTING, LIMITED, FULL, WAITING = (
    CapacityStatus.ACCEPTING,
    CapacityStatus.LIMITED,
    CapacityStatus.FULL,
    CapacityStatus.WAITING_LIST,
)

SERVICES: list[DemoService] = [
    DemoService(
        "thuiszorg-zuid-verpleging",
        "thuiszorg-zuid",
        _t(
            "Soins infirmiers à domicile 7 jours sur 7",
            "Thuisverpleging 7 dagen op 7",
            "Home nursing 7 days a week",
        ),
        OrganisationType.HOME_NURSING,
        _t(
            "Infirmières à domicile, week-ends et jours fériés compris: pansements, injections, "
            "soins d'hygiène, suivi après hospitalisation.",
            "Thuisverpleegkundigen, ook in het weekend en op feestdagen: wondzorg, injecties, "
            "hygiënische zorg, opvolging na ziekenhuisopname.",
        ),
        ["geriatrics", "adults", "palliative"],
        ["fr", "nl", "en"],
        SOUTH,
        hours(EVERY_DAY, "07:00", "21:00"),
        channels=[
            ("phone", "+32 2 555 01 10"),
            ("ehealthbox", "NIHDI 40012345"),
            ("parcours", "thuiszorg-zuid"),
        ],
        referral=_t(
            "Prescription médicale ou appel de l'infirmière de liaison; premier passage possible "
            "le lendemain, y compris le samedi.",
            "Voorschrift of telefoon van de liaisonverpleegkundige; eerste bezoek mogelijk de "
            "volgende dag, ook op zaterdag.",
        ),
        fees=_t("Tiers payant, pas de supplément.", "Derdebetalersregeling, geen supplement."),
    ),
    DemoService(
        "soins-ixelles-infirmiers",
        "soins-ixelles",
        _t("Infirmières à domicile d'Ixelles", "Thuisverpleging Elsene"),
        OrganisationType.HOME_NURSING,
        _t(
            "Soins infirmiers à domicile en semaine et le samedi matin.",
            "Thuisverpleging op weekdagen en op zaterdagvoormiddag.",
        ),
        ["geriatrics", "adults"],
        ["fr"],
        ["21009"],
        hours(WEEKDAYS, "07:30", "19:00") + hours((5,), "08:00", "12:00"),
        capacity=LIMITED,
        channels=[("phone", "+32 2 555 01 20"), ("email", "accueil@soins-ixelles.invalid")],
    ),
    DemoService(
        "infi-arc-en-ciel-soins",
        "infi-arc-en-ciel",
        _t("Soins infirmiers Arc-en-ciel", "Thuisverpleging Regenboog"),
        OrganisationType.HOME_NURSING,
        _t(
            "Équipe infirmière formée à l'accueil des personnes LGBTQIA+ et des personnes "
            "sans chez-soi.",
            "Verpleegteam opgeleid voor holebi- en transpersonen en voor daklozen.",
        ),
        ["lgbtqia", "precarity", "adults"],
        ["fr", "nl", "es"],
        ["21004", "21009"],
        hours(WEEKDAYS, "08:00", "18:00"),
        capacity=FULL,
        channels=[("phone", "+32 2 555 01 30")],
    ),
    DemoService(
        "coordination-sud-service",
        "coordination-sud",
        _t("Coordination de l'aide et des soins à domicile", "Coördinatie thuiszorg"),
        OrganisationType.HOME_CARE_COORDINATION,
        _t(
            "Organise le retour à domicile: infirmière, aide familiale, repas, matériel.",
            "Organiseert de terugkeer naar huis: verpleging, gezinszorg, maaltijden, materiaal.",
        ),
        ["geriatrics", "disability", "palliative"],
        ["fr", "nl"],
        SOUTH,
        hours(WEEKDAYS, "08:30", "17:00"),
        channels=[("phone", "+32 2 555 02 00"), ("ehealthbox", "KBO 0456123412")],
    ),
    DemoService(
        "aide-familles-ixelles-aide",
        "aide-familles-ixelles",
        _t("Aides familiales à domicile", "Gezinszorg aan huis"),
        OrganisationType.HOME_HELP,
        _t(
            "Aide à la toilette, courses, repas et entretien pour les personnes âgées ou malades.",
            "Hulp bij wassen, boodschappen, maaltijden en huishouden voor ouderen en zieken.",
        ),
        ["geriatrics", "disability", "children"],
        ["fr", "nl", "ar"],
        ["21009", "21013"],
        hours(WEEKDAYS, "08:00", "16:30"),
        capacity=WAITING,
        waiting=23,
        wait_days=21,
        fees=_t(
            "Contribution selon les revenus (barème régional).",
            "Bijdrage volgens inkomen (gewestelijke barema).",
        ),
    ),
    DemoService(
        "cpas-ixelles-social",
        "cpas-ixelles",
        _t("Service social général du CPAS", "Algemene sociale dienst OCMW"),
        OrganisationType.SOCIAL_ACTION_CENTRE,
        _t(
            "Aide sociale, revenu d'intégration, aide médicale urgente, aide au logement.",
            "Sociale hulp, leefloon, dringende medische hulp, huisvesting.",
        ),
        ["precarity", "migrants", "adults"],
        ["fr", "nl"],
        ["21009"],
        hours(WEEKDAYS, "08:30", "12:00") + hours((1, 3), "13:30", "16:00"),
        eligibility=_t("Habitants d'Ixelles.", "Inwoners van Elsene."),
    ),
    DemoService(
        "emsm-sud-equipe",
        "emsm-sud",
        _t("Équipe mobile de crise et de suivi", "Mobiel crisis- en opvolgingsteam"),
        OrganisationType.MENTAL_HEALTH_MOBILE_TEAM,
        _t(
            "Soins psychiatriques à domicile après une hospitalisation ou en situation de crise.",
            "Psychiatrische zorg aan huis na een opname of bij een crisis.",
        ),
        ["psychiatry", "adults"],
        ["fr", "nl", "en"],
        SOUTH,
        hours(EVERY_DAY, "09:00", "20:00"),
        capacity=LIMITED,
    ),
    DemoService(
        "bas-seuil-gare-accueil",
        "bas-seuil-gare",
        _t("Accueil bas seuil et réduction des risques", "Laagdrempelig onthaal en harm reduction"),
        OrganisationType.ADDICTION_SERVICE,
        _t(
            "Accueil sans rendez-vous, matériel stérile, douche, orientation vers le sevrage.",
            "Onthaal zonder afspraak, steriel materiaal, douche, doorverwijzing naar ontwenning.",
        ),
        ["addiction", "precarity", "migrants"],
        ["fr", "nl", "ar", "en"],
        CENTRE,
        hours(EVERY_DAY, "10:00", "18:00"),
        capacity=WAITING,
        waiting=12,
        wait_days=10,
        eligibility=_t("Sans condition, anonyme.", "Zonder voorwaarden, anoniem."),
        fees=_t("Gratuit.", "Gratis."),
    ),
    DemoService(
        "assuetudes-ambulatoire-consult",
        "assuetudes-ambulatoire",
        _t("Consultations assuétudes", "Consultaties verslaving"),
        OrganisationType.ADDICTION_SERVICE,
        _t("Suivi ambulatoire alcool et drogues.", "Ambulante begeleiding alcohol en drugs."),
        ["addiction", "adults"],
        ["fr", "nl"],
        ["21015", "21004"],
        hours(WEEKDAYS, "09:00", "19:00"),
        capacity=WAITING,
        waiting=40,
        wait_days=35,
    ),
    DemoService(
        "postcure-les-tilleuls-sejour",
        "postcure-les-tilleuls",
        _t("Post-cure résidentielle", "Residentiële nazorg"),
        OrganisationType.CURE_POST_CURE,
        _t("Séjour de trois mois après un sevrage.", "Verblijf van drie maanden na ontwenning."),
        ["addiction"],
        ["fr"],
        CENTRE + SOUTH,
        hours(WEEKDAYS, "09:00", "17:00"),
        capacity=WAITING,
        waiting=18,
        wait_days=60,
    ),
    DemoService(
        "postcure-horizon-sejour",
        "postcure-horizon",
        _t("Post-cure Horizon", "Nazorg Horizon"),
        OrganisationType.CURE_POST_CURE,
        _t("Post-cure mixte, accueil des couples.", "Gemengde nazorg, ook voor koppels."),
        ["addiction", "lgbtqia"],
        ["fr", "nl"],
        CENTRE,
        hours(WEEKDAYS, "09:00", "17:00"),
        capacity=FULL,
        waiting=30,
    ),
    DemoService(
        "postcure-la-source-sejour",
        "postcure-la-source",
        _t("Cure et post-cure La Source", "Kuur en nazorg De Bron"),
        OrganisationType.CURE_POST_CURE,
        _t("Sevrage résidentiel puis post-cure.", "Residentiële ontwenning en nazorg."),
        ["addiction"],
        ["nl", "fr"],
        [*CENTRE, "21018", "21005"],
        hours(WEEKDAYS, "08:00", "16:00"),
        capacity=LIMITED,
        closures=[(20, 34)],
    ),
    DemoService(
        "mediation-sante-bxl-service",
        "mediation-sante-bxl",
        _t("Médiation interculturelle en santé", "Interculturele gezondheidsbemiddeling"),
        OrganisationType.HEALTH_MEDIATION,
        _t(
            "Médiateurs et interprètes pour les consultations et la sortie d'hôpital.",
            "Bemiddelaars en tolken voor consultaties en ontslag uit het ziekenhuis.",
        ),
        ["migrants", "precarity"],
        ["fr", "nl", "ar", "tr", "es", "en"],
        CENTRE + SOUTH,
        hours(WEEKDAYS, "09:00", "17:00"),
    ),
    DemoService(
        "pairs-arc-en-ciel-groupe",
        "pairs-arc-en-ciel",
        _t("Pair-aidance LGBTQIA+", "Peer support voor holebi's en transpersonen"),
        OrganisationType.PATIENT_ASSOCIATION,
        _t(
            "Accompagnement par des pairs, groupes de parole, aidants proches.",
            "Begeleiding door ervaringsdeskundigen, praatgroepen, mantelzorgers.",
        ),
        ["lgbtqia", "caregivers", "addiction"],
        ["fr", "nl", "en"],
        CENTRE + SOUTH,
        hours((2, 5), "14:00", "20:00"),
    ),
    DemoService(
        "mm-louise-consultations",
        "mm-louise",
        _t("Consultations de médecine générale", "Huisartsconsultaties"),
        OrganisationType.HEALTH_CENTRE,
        _t(
            "Maison médicale au forfait: médecins, infirmières, kinés, assistante sociale.",
            "Wijkgezondheidscentrum met forfait: huisartsen, verpleging, kine, sociaal werk.",
        ),
        ["adults", "children", "precarity"],
        ["fr", "nl"],
        ["21009"],
        hours(WEEKDAYS, "08:00", "19:00") + hours((5,), "09:00", "12:00"),
        capacity=LIMITED,
    ),
    DemoService(
        "pharmacie-flagey-service",
        "pharmacie-flagey",
        _t("Pharmacie et livraison à domicile", "Apotheek en levering aan huis"),
        OrganisationType.PHARMACY,
        _t("Préparation des piluliers, livraison.", "Klaarzetten van medicatie, levering."),
        ["geriatrics"],
        ["fr", "nl"],
        ["21009"],
        hours(WEEKDAYS, "08:30", "19:00") + hours((5,), "09:00", "18:00"),
    ),
    DemoService(
        "kine-chatelain-domicile",
        "kine-chatelain",
        _t("Kinésithérapie à domicile", "Kinesitherapie aan huis"),
        OrganisationType.PHYSIOTHERAPY,
        _t("Rééducation après chute ou chirurgie.", "Revalidatie na een val of operatie."),
        ["geriatrics", "adults"],
        ["fr", "en"],
        ["21009", "21016"],
        hours(WEEKDAYS, "08:00", "20:00"),
    ),
    DemoService(
        "mrs-les-jardins-court-sejour",
        "mrs-les-jardins",
        _t("Court séjour en maison de repos", "Kortverblijf in het woonzorgcentrum"),
        OrganisationType.NURSING_HOME,
        _t("Séjour de convalescence après hospitalisation.", "Herstelverblijf na opname."),
        ["geriatrics"],
        ["fr", "nl"],
        SOUTH,
        hours(EVERY_DAY, "00:00", "24:00"),
        capacity=WAITING,
        waiting=6,
        wait_days=14,
    ),
    # French territory.
    DemoService(
        "ssiad-ronchin-soins",
        "ssiad-ronchin",
        _fr("SSIAD de Ronchin: soins infirmiers à domicile"),
        OrganisationType.SSIAD,
        _fr(
            "Service de soins infirmiers à domicile pour personnes âgées et handicapées, "
            "7 jours sur 7 sur prescription médicale."
        ),
        ["geriatrics", "disability"],
        ["fr"],
        LILLE_SE,
        hours(EVERY_DAY, "07:30", "20:00"),
        capacity=LIMITED,
        country="FR",
        channels=[("phone", "+33 3 20 00 00 10"), ("mssante", "ssiad.ronchin@ssiad.mssante.fr")],
    ),
    DemoService(
        "idel-faches-cabinet",
        "idel-faches",
        _fr("Cabinet infirmier de Faches-Thumesnil"),
        OrganisationType.HOME_NURSING,
        _fr("Infirmiers libéraux (IDEL): pansements, injections, sortie d'hôpital, week-end."),
        ["adults", "geriatrics"],
        ["fr", "en"],
        ["59220", "59507", "59343", "59350"],
        hours(EVERY_DAY, "06:30", "20:30"),
        country="FR",
        channels=[("mssante", "cabinet.faches@infirmier.mssante.fr")],
    ),
    DemoService(
        "ccas-villeneuve-social",
        "ccas-villeneuve",
        _fr("CCAS de Villeneuve-d'Ascq: accueil social"),
        OrganisationType.SOCIAL_ACTION_CENTRE,
        _fr("Aide sociale, portage de repas, téléassistance."),
        ["precarity", "geriatrics"],
        ["fr"],
        ["59009"],
        hours(WEEKDAYS, "08:30", "17:00"),
        country="FR",
    ),
    DemoService(
        "dac-metropole-appui",
        "dac-metropole",
        _fr("DAC Métropole: appui aux situations complexes"),
        OrganisationType.DAC,
        _fr("Appui à la coordination des parcours complexes, tous âges, toutes pathologies."),
        ["geriatrics", "psychiatry", "disability"],
        ["fr"],
        LILLE_SE,
        hours(WEEKDAYS, "09:00", "17:30"),
        country="FR",
        channels=[("mssante", "appui@dac-metropole.mssante.fr")],
    ),
    DemoService(
        "aide-domicile-lille-aide",
        "aide-domicile-lille",
        _fr("Aide à domicile Lille Sud"),
        OrganisationType.HOME_HELP,
        _fr("Aides à domicile pour les actes de la vie quotidienne, APA acceptée."),
        ["geriatrics", "disability"],
        ["fr"],
        LILLE_SE,
        hours((*WEEKDAYS, 5), "08:00", "18:00"),
        capacity=WAITING,
        waiting=15,
        wait_days=20,
        country="FR",
    ),
    DemoService(
        "msp-lezennes-consult",
        "msp-lezennes",
        _fr("MSP des Prés: consultations"),
        OrganisationType.HEALTH_CENTRE,
        _fr("Médecins généralistes, infirmières ASALEE, kinésithérapeutes."),
        ["adults", "children"],
        ["fr"],
        ["59343", "59507"],
        hours(WEEKDAYS, "08:00", "20:00") + hours((5,), "08:00", "12:00"),
        country="FR",
    ),
]

IDENTIFIERS = {
    "chu-bxl": [(IdentifierKind.KBO, kbo_complete("02589001"))],
    "cpas-ixelles": [(IdentifierKind.KBO, kbo_complete("02120001"))],
    "thuiszorg-zuid": [(IdentifierKind.KBO, kbo_complete("04561234"))],
    "chu-lille": [(IdentifierKind.FINESS, luhn_complete("59078001"))],
    "ssiad-ronchin": [(IdentifierKind.FINESS, luhn_complete("59000123"))],
    "ccas-villeneuve": [(IdentifierKind.SIRET, "73282932000074")],
}


@dataclass(frozen=True)
class DemoPerson:
    code: str
    given: str
    family: str
    profession: str
    languages: tuple[str, ...]
    organisation: str
    referent: str | None = None  # ReferentKind
    user: str | None = None
    phone: str = ""
    specialty: str = ""


PEOPLE = [
    DemoPerson(
        "demo-els-vermeulen",
        "Els",
        "Vermeulen",
        "nurse",
        ("nl", "fr", "en"),
        "chu-bxl-ger",
        ReferentKind.COMPLEX_PATHWAY,
        "demo-referent",
        "+32 2 555 10 01",
    ),
    DemoPerson(
        "demo-claire-dubois",
        "Claire",
        "Dubois",
        "nurse",
        ("fr", "nl"),
        "chu-bxl",
        ReferentKind.LIAISON,
        "demo-liaison",
        "+32 2 555 10 02",
    ),
    DemoPerson(
        "demo-karim-benali",
        "Karim",
        "Benali",
        "social_worker",
        ("fr", "ar"),
        "chu-bxl-psy",
        ReferentKind.SOCIAL,
        "demo-hospital-social",
    ),
    DemoPerson(
        "demo-sophie-lambert",
        "Sophie",
        "Lambert",
        "specialist",
        ("fr", "nl"),
        "chu-bxl-ger",
        ReferentKind.MEDICAL,
        "demo-ward-physician",
        specialty="Gériatrie",
    ),
    DemoPerson(
        "demo-jan-peeters",
        "Jan",
        "Peeters",
        "nurse",
        ("nl", "fr"),
        "chu-bxl-psy",
        ReferentKind.COMPLEX_PATHWAY,
        phone="+32 2 555 10 05",
    ),
    DemoPerson(
        "demo-sandrine-lefebvre",
        "Sandrine",
        "Lefebvre",
        "nurse",
        ("fr",),
        "chu-lille-ger",
        ReferentKind.COMPLEX_PATHWAY,
        phone="+33 3 20 00 10 01",
    ),
    DemoPerson(
        "demo-aurelie-fontaine",
        "Aurélie",
        "Fontaine",
        "nurse",
        ("fr", "en"),
        "chu-lille",
        ReferentKind.LIAISON,
        "demo-fr-liaison",
    ),
    DemoPerson("demo-luc-martin", "Luc", "Martin", "gp", ("fr", "nl"), "mm-louise", user="demo-gp"),
    DemoPerson(
        "demo-fatima-el-amrani",
        "Fatima",
        "El Amrani",
        "nurse",
        ("fr", "nl", "ar"),
        "thuiszorg-zuid",
        user="demo-home-nurse",
    ),
    DemoPerson(
        "demo-camille-bernard",
        "Camille",
        "Bernard",
        "gp",
        ("fr",),
        "msp-lezennes",
        user="demo-fr-gp",
    ),
    DemoPerson(
        "demo-thomas-petit",
        "Thomas",
        "Petit",
        "nurse",
        ("fr", "en"),
        "idel-faches",
        user="demo-fr-idel",
    ),
]


def load_directory(context: DemoContext) -> None:
    with transaction.atomic():
        _story_services(context)
        _story_people(context)
    generate_services(context, context.services)
    generate_professionals(context, context.professionals)


def _municipalities(codes: list[str], country: str) -> list[Municipality]:
    return list(Municipality.objects.filter(country=country, code__in=codes))


def _story_services(context: DemoContext) -> None:
    now = timezone.now()
    today = timezone.localdate()
    for code, identifiers in IDENTIFIERS.items():
        organisation = context.objects[f"org:{code}"]
        for kind, value in identifiers:
            check = check_identifier(kind, value)
            OrganisationIdentifier.objects.update_or_create(
                kind=kind,
                value=check.value,
                defaults={"organisation": organisation, "warning": str(check.warning or "")},
            )
    ids = []
    for index, item in enumerate(SERVICES):
        organisation = context.objects[f"org:{item.organisation}"]
        areas = _municipalities(item.areas, item.country)
        anchor = organisation.municipality or (areas[0] if areas else None)
        service, _created = Service.objects.update_or_create(
            code=item.code,
            defaults={
                "organisation": organisation,
                "name": item.name,
                "category": item.category,
                "description": item.description,
                "target_groups": item.target_groups,
                "languages": item.languages,
                "eligibility": item.eligibility,
                "fees": item.fees,
                "referral": item.referral,
                "country": item.country,
                "latitude": anchor.latitude if anchor else None,
                "longitude": anchor.longitude if anchor else None,
                "capacity_status": item.capacity,
                "waiting_list_length": item.waiting,
                "typical_wait_days": item.wait_days,
                # One story service is left unconfirmed for weeks: it shows as stale.
                "capacity_updated_at": now - timedelta(days=40 if index == 4 else index % 5),
            },
        )
        service.areas.set(areas)
        service.opening_hours.all().delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(service=service, day=d, opens=o, closes=c) for d, o, c in item.schedule
        )
        service.closures.all().delete()
        Closure.objects.bulk_create(
            Closure(
                service=service,
                starts_on=today + timedelta(days=start),
                ends_on=today + timedelta(days=end),
                reason=_t("Fermeture annuelle", "Jaarlijkse sluiting", "Annual closure"),
            )
            for start, end in item.closures
        )
        service.channels.all().delete()
        ContactChannel.objects.bulk_create(
            ContactChannel(service=service, kind=kind, value=value) for kind, value in item.channels
        )
        context.objects[f"service:{item.code}"] = service
        ids.append(service.id)
    services_reindex(ids)
    context.log(f"  services of the stories: {len(SERVICES)}")


def _story_people(context: DemoContext) -> None:
    ids = []
    start = timezone.localdate() - timedelta(days=400)
    for index, person in enumerate(PEOPLE):
        organisation: Organisation = context.objects[f"org:{person.organisation}"]
        country = organisation.country
        professional, _created = Professional.objects.update_or_create(
            code=person.code,
            defaults={
                "given_name": person.given,
                "family_name": person.family,
                "profession": person.profession,
                "languages": list(person.languages),
                "specialty": person.specialty,
                "rpps": luhn_complete(f"100{index:07d}") if country == "FR" else "",
                "riziv": riziv_complete("4" if person.profession == "nurse" else "1", 1000 + index)
                if country == "BE"
                else "",
            },
        )
        ProfessionalRole.objects.update_or_create(
            professional=professional,
            organisation=organisation,
            defaults={"phone": person.phone, "accepting_new_patients": True, "active": True},
        )
        if person.referent:
            Referent.objects.update_or_create(
                professional=professional,
                organisation=organisation,
                kind=person.referent,
                defaults={"starts_on": start, "ends_on": None},
            )
        context.objects[f"professional:{person.code}"] = professional
        ids.append(professional.id)
    professionals_reindex(ids)
    context.log(f"  professionals and referents of the stories: {len(PEOPLE)}")


# Generated directory ------------------------------------------------------------------------

GIVEN_FR = [
    "Camille",
    "Marie",
    "Julien",
    "Sarah",
    "Thomas",
    "Léa",
    "Nicolas",
    "Inès",
    "Hugo",
    "Chloé",
    "Mehdi",
    "Aïcha",
    "Lucas",
    "Emma",
]
GIVEN_NL = [
    "Jan",
    "Els",
    "Pieter",
    "An",
    "Wout",
    "Lotte",
    "Bram",
    "Sofie",
    "Tom",
    "Hanne",
    "Joris",
    "Fien",
    "Koen",
    "Nele",
    "Lars",
]
FAMILY_FR = [
    "Martin",
    "Dubois",
    "Lambert",
    "Leroy",
    "Moreau",
    "Lefèvre",
    "Mercier",
    "Dupont",
    "Rousseau",
    "Fontaine",
    "Haddad",
    "Diallo",
    "Benali",
    "Renard",
    "Girard",
    "Bonnet",
]
FAMILY_NL = [
    "Peeters",
    "Janssens",
    "Maes",
    "Jacobs",
    "Mertens",
    "Willems",
    "Claes",
    "Goossens",
    "Wouters",
    "De",
    "Smet",
    "Vermeulen",
    "Van",
    "den",
    "Broeck",
    "Dubois",
    "Hermans",
]
SPECIALTIES = ["", "", "", "Gériatrie", "Psychiatrie", "Diabétologie", "Soins palliatifs", "Plaies"]
PROFESSIONS = ["nurse", "nurse", "nurse", "gp", "gp", "physiotherapist", "pharmacist",
               "social_worker", "psychologist", "home_helper", "coordinator", "specialist",
               "health_mediator"]  # fmt: skip
GENERATED_TYPES = [
    (OrganisationType.HOME_NURSING, _t("Soins à domicile", "Thuisverpleging")),
    (OrganisationType.HOME_HELP, _t("Aide aux familles", "Gezinszorg")),
    (OrganisationType.HOME_CARE_COORDINATION, _t("Coordination à domicile", "Thuiszorg")),
    (OrganisationType.HEALTH_CENTRE, _t("Maison médicale", "Wijkgezondheidscentrum")),
    (OrganisationType.PHARMACY, _t("Pharmacie", "Apotheek")),
    (OrganisationType.PHYSIOTHERAPY, _t("Kinésithérapie", "Kinesitherapie")),
    (OrganisationType.SOCIAL_ACTION_CENTRE, _t("CPAS", "OCMW")),
    (OrganisationType.MENTAL_HEALTH_MOBILE_TEAM, _t("Équipe mobile", "Mobiel team")),
    (OrganisationType.ADDICTION_SERVICE, _t("Accueil assuétudes", "Verslavingszorg")),
    (OrganisationType.CURE_POST_CURE, _t("Post-cure", "Nazorg")),
    (OrganisationType.NURSING_HOME, _t("Maison de repos", "Woonzorgcentrum")),
    (OrganisationType.HEALTH_MEDIATION, _t("Médiation en santé", "Gezondheidsbemiddeling")),
    (OrganisationType.PATIENT_ASSOCIATION, _t("Association d'aidants", "Mantelzorgvereniging")),
    (OrganisationType.GP_PRACTICE, _t("Cabinet de médecine générale", "Huisartsenpraktijk")),
    (OrganisationType.SSIAD, _t("SSIAD", "SSIAD")),
]  # fmt: skip
DESCRIPTIONS = [
    _t("Accompagnement après une hospitalisation.", "Begeleiding na een ziekenhuisopname."),
    _t("Soins et aide au domicile des personnes âgées.", "Zorg en hulp aan huis voor ouderen."),
    _t("Accueil des personnes en situation de précarité.", "Onthaal van mensen in armoede."),
    _t("Suivi des personnes avec un handicap.", "Begeleiding van mensen met een beperking."),
    _t("Soutien aux aidants proches.", "Ondersteuning van mantelzorgers."),
]
TARGETS = ["geriatrics", "psychiatry", "addiction", "precarity", "disability", "children",
           "palliative", "migrants", "lgbtqia", "caregivers", "adults"]  # fmt: skip
SCHEDULES = [
    hours(WEEKDAYS, "08:00", "18:00"),
    hours(EVERY_DAY, "07:00", "21:00"),
    hours(WEEKDAYS, "09:00", "17:00") + hours((5,), "09:00", "12:00"),
    hours((*WEEKDAYS, 5, 6), "08:00", "20:00"),
    hours(EVERY_DAY, "00:00", "24:00"),
]
CAPACITIES = [ACCEPTING, ACCEPTING, LIMITED, FULL, WAITING, ""]


@dataclass
class _Pool:
    """Where generated rows live: the demo territories weighted heavily, then everywhere."""

    local: list[Municipality]
    everywhere: list[Municipality]

    def pick(self, rng: random.Random) -> Municipality:
        return rng.choice(self.local if rng.random() < 0.3 else self.everywhere)


def _pool() -> _Pool:
    from parcours.territory.models import CareArea

    local = list(
        Municipality.objects.filter(care_areas__in=CareArea.objects.all()).distinct().order_by("id")
    )
    everywhere = list(
        Municipality.objects.filter(latitude__isnull=False)
        .only("id", "country", "code", "name", "latitude", "longitude")
        .order_by("id")
    )
    return _Pool(local=local or everywhere, everywhere=everywhere or local)


def _generated(model: Any, prefix: str) -> Any:
    return model.objects.filter(code__startswith=prefix)


def generate_services(context: DemoContext, count: int) -> None:
    """`count` generated services, one organisation for every four, in batches."""
    existing = _generated(Service, "gen-s-")
    if existing.count() == count and _generated(Organisation, "gen-o-").exists() == (count > 0):
        context.log(f"  generated services: {count} (already there)")
        return
    with transaction.atomic():
        existing.delete()
        _generated(Organisation, "gen-o-").filter(professional_roles__isnull=True).delete()
    if count == 0:
        return
    pool = _pool()
    if not pool.everywhere:
        context.log("  generated services: none (no municipalities loaded)")
        return
    now = timezone.now()
    organisations_needed = max(1, count // 4)
    for batch_start in range(0, organisations_needed, BATCH):
        rng = random.Random(f"{context.seed}-orgs-{batch_start}")
        batch = []
        for i in range(batch_start, min(organisations_needed, batch_start + BATCH)):
            kind, label = GENERATED_TYPES[i % len(GENERATED_TYPES)]
            place = pool.pick(rng)
            names = {
                lang: f"{text} {place.name.get(lang) or place.name.get('fr')} {i}"
                for lang, text in label.items()
            }
            batch.append(
                Organisation(
                    code=f"gen-o-{i:07d}",
                    name=names,
                    type=kind,
                    country=place.country,
                    municipality=place,
                )
            )
        with transaction.atomic():
            Organisation.objects.bulk_create(batch, batch_size=1000)
    organisations = list(
        Organisation.objects.filter(code__startswith="gen-o-")
        .select_related("municipality")
        .order_by("code")
    )
    for batch_start in range(0, count, BATCH):
        rng = random.Random(f"{context.seed}-services-{batch_start}")
        services, areas_of = [], []
        for i in range(batch_start, min(count, batch_start + BATCH)):
            organisation = organisations[i % len(organisations)]
            place = organisation.municipality  # type: ignore[assignment]
            areas = [place, *(pool.pick(rng) for _ in range(rng.randint(0, 3)))]
            areas = [
                a for n, a in enumerate(areas) if a.country == place.country and a not in areas[:n]
            ]
            languages = ["fr"] if place.country == "FR" else ["fr", "nl"][: rng.randint(1, 2)]
            if rng.random() < 0.3:
                languages = sorted({*languages, rng.choice(["en", "ar", "tr", "es", "de", "nl"])})
            capacity = rng.choice(CAPACITIES)
            services.append(
                Service(
                    code=f"gen-s-{i:07d}",
                    organisation=organisation,
                    name=organisation.name,
                    category=organisation.type,
                    description=rng.choice(DESCRIPTIONS),
                    target_groups=sorted(set(rng.sample(TARGETS, rng.randint(1, 3)))),
                    languages=languages,
                    country=place.country,
                    latitude=(place.latitude or 0) + rng.uniform(-0.01, 0.01),
                    longitude=(place.longitude or 0) + rng.uniform(-0.01, 0.01),
                    capacity_status=capacity,
                    waiting_list_length=rng.randint(1, 60) if capacity == WAITING else None,
                    typical_wait_days=rng.randint(3, 90) if capacity == WAITING else None,
                    capacity_updated_at=now - timedelta(hours=rng.randint(1, 24 * 30))
                    if capacity
                    else None,
                )
            )
            areas_of.append(areas)
        with transaction.atomic():
            Service.objects.bulk_create(services, batch_size=1000)
            _insert(
                Service.areas.through._meta.db_table,
                ["service_id", "municipality_id"],
                [
                    (service.id, area.id)
                    for service, areas in zip(services, areas_of, strict=True)
                    for area in areas
                ],
            )
            _insert(
                "directory_openinghours",
                ["service_id", "day", "opens", "closes"],
                [
                    (service.id, day, opens, closes)
                    for service in services
                    for day, opens, closes in SCHEDULES[service.id % len(SCHEDULES)]
                ],
            )
            _insert(
                "directory_servicedocument",
                ["service_id", "body"],
                [
                    (service.id, service_body(service, areas))
                    for service, areas in zip(services, areas_of, strict=True)
                ],
            )
    context.log(f"  generated services: {count} ({organisations_needed} organisations)")


def _insert(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Plain multi-row INSERTs: a million rows without building a million model instances."""
    if not rows:
        return
    names = ", ".join(columns)
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    per_statement = max(1, 900 // len(columns))  # SQLite's bound-parameter limit
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            values = ", ".join([placeholders] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {values}",  # noqa: S608 - fixed names
                [value for row in chunk for value in row],
            )


def _next_id(model: Any) -> int:
    return int(model.objects.aggregate(top=Max("id"))["top"] or 0) + 1


def _reset_sequences(*models: Any) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _delete_generated_professionals() -> None:
    generated = "SELECT id FROM directory_professional WHERE code LIKE 'gen-p-%'"
    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("directory_professionaldocument", "directory_professionalrole"):
            cursor.execute(f"DELETE FROM {table} WHERE professional_id IN ({generated})")  # noqa: S608
        cursor.execute(f"DELETE FROM directory_referent WHERE professional_id IN ({generated})")  # noqa: S608
        cursor.execute("DELETE FROM directory_professional WHERE code LIKE 'gen-p-%'")


def generate_professionals(context: DemoContext, count: int) -> None:
    """`count` generated professionals, each with a role in an organisation, in batches."""
    existing = _generated(Professional, "gen-p-")
    if existing.count() == count:
        context.log(f"  generated professionals: {count} (already there)")
        return
    _delete_generated_professionals()
    if count == 0:
        return
    organisations = list(
        Organisation.objects.filter(municipality__isnull=False)
        .select_related("municipality", "parent")
        .order_by("code")
    )
    if not organisations:
        context.log("  generated professionals: none (no organisations with a municipality)")
        return
    places = {
        org.id: (
            organisation_texts(org),
            (org.municipality.country, org.municipality.code) if org.municipality else None,
        )
        for org in organisations
    }
    next_id = _next_id(Professional)
    next_role = _next_id(ProfessionalRole)
    for batch_start in range(0, count, BATCH):
        rng = random.Random(f"{context.seed}-professionals-{batch_start}")
        people, roles, documents = [], [], []
        for i in range(batch_start, min(count, batch_start + BATCH)):
            organisation = organisations[rng.randrange(len(organisations))]
            country = organisation.country
            dutch = country == "BE" and rng.random() < 0.45
            given = rng.choice(GIVEN_NL if dutch else GIVEN_FR)
            family = rng.choice(FAMILY_NL if dutch else FAMILY_FR)
            profession = rng.choice(PROFESSIONS)
            if country == "FR":
                languages = ["fr"] + (["en"] if rng.random() < 0.2 else [])
            elif dutch:
                languages = ["nl", "fr"]
            else:
                languages = ["fr"] + (["nl"] if rng.random() < 0.4 else [])
            specialty = rng.choice(SPECIALTIES) if profession in ("specialist", "nurse") else ""
            rpps = luhn_complete(f"10{i:08d}") if country == "FR" else ""
            riziv = (
                riziv_complete("4" if profession == "nurse" else "1", i % 100000)
                if country == "BE"
                else ""
            )
            accepting = rng.random() < 0.6
            pid = next_id + i - batch_start
            people.append(
                (pid, f"gen-p-{i:07d}", given, family, profession, json.dumps(languages),
                 specialty, rpps, riziv, True)
            )  # fmt: skip
            roles.append((next_role + i, pid, organisation.id, True, "{}", accepting, "", ""))
            texts, municipality = places[organisation.id]
            documents.append(
                (
                    pid,
                    professional_document(
                        names=[given, family, specialty],
                        identifiers=[rpps, riziv],
                        profession=profession,
                        languages=languages,
                        workplaces=[Workplace(texts, municipality, accepting)],
                        duties=[],
                    ),
                )
            )
        with transaction.atomic():
            _insert(
                "directory_professional",
                ["id", "code", "given_name", "family_name", "profession", "languages",
                 "specialty", "rpps", "riziv", "active"],
                people,
            )  # fmt: skip
            _insert(
                "directory_professionalrole",
                ["id", "professional_id", "organisation_id", "active", "title",
                 "accepting_new_patients", "phone", "email"],
                roles,
            )  # fmt: skip
            _insert("directory_professionaldocument", ["professional_id", "body"], documents)
        next_id += len(people)
        if batch_start and batch_start % 100_000 == 0:
            context.log(f"    professionals: {batch_start}")
    _reset_sequences(Professional, ProfessionalRole)
    context.log(f"  generated professionals: {count}")


__all__ = ["ChannelKind", "load_directory"]
