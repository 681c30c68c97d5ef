"""Demo directory: hospitals with wards and the community organisations of the stories.

All organisations are fictitious; their municipalities are real.
"""

from __future__ import annotations

from dataclasses import dataclass

from parcours.demo import DemoContext
from parcours.directory import demo_data
from parcours.directory.models import Organisation
from parcours.directory.models import OrganisationType as T


@dataclass(frozen=True)
class DemoOrganisation:
    code: str
    name: dict[str, str]
    type: str
    country: str = "BE"
    parent: str | None = None
    municipality: str | None = None  # official code of where it is located


def _n(fr: str, nl: str | None = None, en: str | None = None) -> dict[str, str]:
    names = {"fr": fr, "nl": nl or fr}
    if en:
        names["en"] = en
    return names


ORGANISATIONS: list[DemoOrganisation] = [
    # Brussels hospital (the HL7 samples use facility CHU_BXL) and its wards.
    DemoOrganisation(
        "chu-bxl",
        _n(
            "CHU Bruxelles-Sud (démo)",
            "UZ Brussel-Zuid (demo)",
            "Brussels South University Hospital (demo)",
        ),
        T.HOSPITAL,
        municipality="21009",
    ),
    DemoOrganisation(
        "chu-bxl-ger", _n("Gériatrie", "Geriatrie", "Geriatrics"), T.WARD, parent="chu-bxl"
    ),
    DemoOrganisation(
        "chu-bxl-psy", _n("Psychiatrie", "Psychiatrie", "Psychiatry"), T.WARD, parent="chu-bxl"
    ),
    DemoOrganisation(
        "chu-bxl-chir", _n("Chirurgie", "Heelkunde", "Surgery"), T.WARD, parent="chu-bxl"
    ),
    DemoOrganisation(
        "chu-bxl-urg", _n("Urgences", "Spoedgevallen", "Emergency"), T.WARD, parent="chu-bxl"
    ),
    DemoOrganisation(
        "chu-bxl-car", _n("Cardiologie", "Cardiologie", "Cardiology"), T.WARD, parent="chu-bxl"
    ),
    DemoOrganisation(
        "chu-bxl-ort",
        _n("Orthopédie", "Orthopedie", "Orthopaedics"),
        T.WARD,
        parent="chu-bxl",
    ),
    DemoOrganisation(
        "chu-bxl-addict",
        _n("Sevrage et assuétudes", "Ontwenning en verslaving", "Detox and addiction"),
        T.WARD,
        parent="chu-bxl",
    ),
    # French university hospital and its wards.
    DemoOrganisation(
        "chu-lille",
        _n("CHU Métropole Nord (démo)", None, "Métropole Nord University Hospital (demo)"),
        T.HOSPITAL,
        country="FR",
        municipality="59350",
    ),
    DemoOrganisation(
        "chu-lille-card",
        _n("Cardiologie", "Cardiologie", "Cardiology"),
        T.WARD,
        country="FR",
        parent="chu-lille",
    ),
    DemoOrganisation(
        "chu-lille-ger",
        _n("Gériatrie", "Geriatrie", "Geriatrics"),
        T.WARD,
        country="FR",
        parent="chu-lille",
    ),
    # Brussels community.
    DemoOrganisation(
        "mm-louise",
        _n("Maison médicale Louise", "Wijkgezondheidscentrum Louiza"),
        T.HEALTH_CENTRE,
        municipality="21009",
    ),
    DemoOrganisation(
        "mm-saint-gilles",
        _n("Maison médicale du Parvis", "Wijkgezondheidscentrum Voorplein"),
        T.HEALTH_CENTRE,
        municipality="21013",
    ),
    DemoOrganisation(
        "soins-ixelles",
        _n("Soins à domicile Ixelles", "Thuisverpleging Elsene"),
        T.HOME_NURSING,
        municipality="21009",
    ),
    DemoOrganisation(
        "thuiszorg-zuid",
        _n("Soins infirmiers Bruxelles-Sud 7/7", "Thuisverpleging Brussel-Zuid 7/7"),
        T.HOME_NURSING,
        municipality="21013",
    ),
    DemoOrganisation(
        "infi-arc-en-ciel",
        _n("Infirmières Arc-en-ciel", "Verpleging Regenboog"),
        T.HOME_NURSING,
        municipality="21004",
    ),
    DemoOrganisation(
        "coordination-sud",
        _n("Coordination de soins à domicile Sud", "Thuiszorgcoördinatie Zuid"),
        T.HOME_CARE_COORDINATION,
        municipality="21007",
    ),
    DemoOrganisation(
        "aide-familles-ixelles",
        _n("Aide aux familles d'Ixelles", "Gezinszorg Elsene"),
        T.HOME_HELP,
        municipality="21009",
    ),
    DemoOrganisation(
        "cpas-ixelles",
        _n("CPAS d'Ixelles", "OCMW Elsene"),
        T.SOCIAL_ACTION_CENTRE,
        municipality="21009",
    ),
    DemoOrganisation(
        "cpas-bruxelles",
        _n("CPAS de Bruxelles", "OCMW Brussel"),
        T.SOCIAL_ACTION_CENTRE,
        municipality="21004",
    ),
    DemoOrganisation(
        "emsm-sud",
        _n("Équipe mobile santé mentale Sud", "Mobiel team geestelijke gezondheid Zuid"),
        T.MENTAL_HEALTH_MOBILE_TEAM,
        municipality="21013",
    ),
    DemoOrganisation(
        "bas-seuil-gare",
        _n("Accueil bas seuil de la Gare", "Laagdrempelig onthaal Station"),
        T.ADDICTION_SERVICE,
        municipality="21004",
    ),
    DemoOrganisation(
        "assuetudes-ambulatoire",
        _n("Centre ambulatoire assuétudes", "Ambulant centrum verslaving"),
        T.ADDICTION_SERVICE,
        municipality="21015",
    ),
    DemoOrganisation(
        "postcure-les-tilleuls",
        _n("Post-cure Les Tilleuls", "Nazorg De Linden"),
        T.CURE_POST_CURE,
        municipality="21016",
    ),
    DemoOrganisation(
        "postcure-horizon",
        _n("Post-cure Horizon", "Nazorg Horizon"),
        T.CURE_POST_CURE,
        municipality="21001",
    ),
    DemoOrganisation(
        "postcure-la-source",
        _n("Post-cure La Source", "Nazorg De Bron"),
        T.CURE_POST_CURE,
        municipality="21018",
    ),
    DemoOrganisation(
        "mediation-sante-bxl",
        _n("Médiation en santé Bruxelles", "Gezondheidsbemiddeling Brussel"),
        T.HEALTH_MEDIATION,
        municipality="21004",
    ),
    DemoOrganisation(
        "pairs-arc-en-ciel",
        _n("Pair-aidance Arc-en-ciel", "Peer support Regenboog"),
        T.PATIENT_ASSOCIATION,
        municipality="21004",
    ),
    DemoOrganisation(
        "pharmacie-flagey",
        _n("Pharmacie Flagey", "Apotheek Flagey"),
        T.PHARMACY,
        municipality="21009",
    ),
    DemoOrganisation(
        "kine-chatelain",
        _n("Cabinet de kinésithérapie Châtelain", "Kinesitherapiepraktijk Kastelein"),
        T.PHYSIOTHERAPY,
        municipality="21009",
    ),
    DemoOrganisation(
        "mrs-les-jardins",
        _n("Maison de repos Les Jardins", "Woonzorgcentrum De Tuinen"),
        T.NURSING_HOME,
        municipality="21016",
    ),
    DemoOrganisation(
        "appui-bassin-sud",
        _n("Cellule d'appui du bassin Sud", "Ondersteuningscel zorgzone Zuid"),
        T.CARE_AREA_SUPPORT,
        municipality="21013",
    ),
    # French CPTS territory.
    DemoOrganisation(
        "msp-lezennes",
        _n("MSP des Prés (Lezennes)"),
        T.HEALTH_CENTRE,
        country="FR",
        municipality="59346",
    ),
    DemoOrganisation(
        "cpts-lille-sud-est",
        _n("CPTS Lille Sud-Est (démo)"),
        T.CPTS,
        country="FR",
        municipality="59507",
    ),
    DemoOrganisation(
        "dac-metropole",
        _n("DAC Métropole Lilloise (démo)"),
        T.DAC,
        country="FR",
        municipality="59350",
    ),
    DemoOrganisation(
        "ssiad-ronchin", _n("SSIAD de Ronchin"), T.SSIAD, country="FR", municipality="59507"
    ),
    DemoOrganisation(
        "idel-faches",
        _n("Cabinet infirmier de Faches-Thumesnil"),
        T.HOME_NURSING,
        country="FR",
        municipality="59220",
    ),
    DemoOrganisation(
        "ccas-villeneuve",
        _n("CCAS de Villeneuve-d'Ascq"),
        T.SOCIAL_ACTION_CENTRE,
        country="FR",
        municipality="59009",
    ),
    DemoOrganisation(
        "pharmacie-lezennes",
        _n("Pharmacie du Centre (Lezennes)"),
        T.PHARMACY,
        country="FR",
        municipality="59346",
    ),
    DemoOrganisation(
        "aide-domicile-lille",
        _n("Aide à domicile Lille Sud"),
        T.HOME_HELP,
        country="FR",
        municipality="59350",
    ),
]


def load(context: DemoContext) -> None:
    from parcours.territory.models import Municipality

    municipalities = {
        m.code: m
        for m in Municipality.objects.filter(code__in={o.municipality for o in ORGANISATIONS})
    }
    for item in ORGANISATIONS:
        parent = context.objects[f"org:{item.parent}"] if item.parent else None
        municipality = None
        if item.municipality:
            municipality = Municipality.objects.filter(
                country=item.country, code=item.municipality
            ).first() or municipalities.get(item.municipality)
        organisation, _created = Organisation.objects.update_or_create(
            code=item.code,
            defaults={
                "name": item.name,
                "type": item.type,
                "parent": parent,
                "country": item.country,
                "municipality": municipality,
            },
        )
        context.objects[f"org:{item.code}"] = organisation
    context.log(f"  organisations: {len(ORGANISATIONS)}")
    demo_data.load_directory(context)
