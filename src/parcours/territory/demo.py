"""Demo territories: the Brussels care areas and a French CPTS, over real municipalities.

Municipalities come from the packaged reference file. How the 19 Brussels municipalities are
grouped into five care areas here is demo configuration: an installation defines its own with
`care_area_define`.
"""

from __future__ import annotations

from parcours.demo import DemoContext
from parcours.territory.actions import care_area_define, municipalities_load

BRUSSELS_CARE_AREAS = {
    "bxl-north": (
        {"fr": "Bassin Nord", "nl": "Zorgzone Noord", "en": "North care area"},
        ["21015", "21006", "21014"],
    ),
    "bxl-west": (
        {"fr": "Bassin Ouest", "nl": "Zorgzone West", "en": "West care area"},
        ["21001", "21012", "21011", "21003", "21008", "21010"],
    ),
    "bxl-centre": (
        {"fr": "Bassin Centre", "nl": "Zorgzone Centrum", "en": "Centre care area"},
        ["21004"],
    ),
    "bxl-east": (
        {"fr": "Bassin Est", "nl": "Zorgzone Oost", "en": "East care area"},
        ["21005", "21018", "21019", "21002", "21017"],
    ),
    "bxl-south": (
        {"fr": "Bassin Sud", "nl": "Zorgzone Zuid", "en": "South care area"},
        ["21009", "21013", "21007", "21016"],
    ),
}

FRENCH_CPTS = (
    "cpts-lille-sud-est",
    {
        "fr": "CPTS Lille Sud-Est (démo)",
        "nl": "CPTS Lille Zuid-Oost (demo)",
        "en": "CPTS Lille South-East (demo)",
    },
    ["59350", "59009", "59507", "59220", "59346", "59410", "59360", "59328", "59368", "59378"],
)


def load(context: DemoContext) -> None:
    count = municipalities_load(countries=["BE", "FR"])
    context.log(f"  municipalities loaded or updated: {count}")
    for code, (name, municipalities) in BRUSSELS_CARE_AREAS.items():
        context.objects[f"area:{code}"] = care_area_define(
            code=code, name=name, country="BE", municipality_codes=municipalities
        )
    code, name, municipalities = FRENCH_CPTS
    context.objects[f"area:{code}"] = care_area_define(
        code=code,
        name=name,
        country="FR",
        municipality_codes=municipalities,
        time_zone="Europe/Paris",
    )
