"""Demo liaison protocols and screening triggers (loaded before the demo patients, so that their
stays get a discharge plan at admission).

CHU Bruxelles-Sud: the default protocol for the whole hospital with the issue's triggers
(ISAR ≥ 2, psychosocial "lives alone", HOSPITAL high, ICOPE positive) and its own protocol for
the geriatric ward (chu-bxl-ger). CHU de Lille: the default protocol. Idempotent.
"""

from __future__ import annotations

from parcours.audit.actions import Actor
from parcours.demo import DemoContext
from parcours.directory.models import Organisation
from parcours.transitions.models import LiaisonProtocol
from parcours.transitions.protocols import liaison_protocol_install_default

ACTOR = Actor(user_id=None, username="demo")

PROTOCOLS = [
    # (hospital, ward, name)
    ("chu-bxl", None, "Protocole de liaison CHU Bruxelles-Sud"),
    ("chu-bxl", "chu-bxl-ger", "Protocole de liaison gériatrie"),
    ("chu-lille", None, "Protocole de sortie CHU de Lille"),
]


def load(context: DemoContext) -> None:
    made = 0
    for hospital_code, ward_code, name in PROTOCOLS:
        hospital = Organisation.objects.filter(code=hospital_code).first()
        ward = Organisation.objects.filter(code=ward_code).first() if ward_code else None
        if hospital is None or (ward_code and ward is None):
            continue
        if LiaisonProtocol.objects.filter(hospital=hospital, ward=ward).exists():
            continue
        liaison_protocol_install_default(
            hospital=hospital,
            ward=ward,
            name=name,
            actor=ACTOR,
            with_triggers=ward is None,
        )
        made += 1
    context.log(f"  liaison protocols: {made} new")
