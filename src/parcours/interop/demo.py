"""Demo HL7 source: CHU Bruxelles sends ADT as facility CHU_BXL (the sample messages' sender).

Idempotent: `hl7_source_add` updates the existing source and merges the disposition map.
"""

from __future__ import annotations

from parcours.demo import DemoContext
from parcours.interop.actions import hl7_source_add

# PV1-36 (HL7 table 0112, as CHU_BXL uses it) → destination of the stay.
CHU_BXL_DISPOSITIONS = {
    "01": "home",  # discharged to home or self care
    "06": "home_with_services",  # home under care of a home health service
    "02": "other_hospital",  # another short-term hospital
    "03": "nursing_home",  # skilled nursing facility (MR/MRS, EHPAD)
    "04": "nursing_home",  # intermediate care facility
    "07": "other",  # left against medical advice
    "20": "deceased",  # expired
    "51": "rehabilitation",  # rehabilitation
    "65": "other_hospital",  # psychiatric hospital
}


def load(context: DemoContext) -> None:
    change = hl7_source_add(
        facility="CHU_BXL",
        organisation_code="chu-bxl",
        time_zone="Europe/Brussels",
        dispositions=CHU_BXL_DISPOSITIONS,
    )
    context.log(
        f"  HL7 source {change.source.facility} → chu-bxl "
        f"({'created' if change.created else 'updated'})"
    )
