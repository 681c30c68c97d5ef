"""Writes on HL7 sources and inbound messages (ingestion itself is `hl7v2.ingest.ingest`)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction

from parcours.directory.models import Organisation, OrganisationType
from parcours.interop.hl7v2.ingest import NotReplayable, inbound_message_replay
from parcours.interop.models import Hl7Source, destination_for
from parcours.transitions.models import Destination

__all__ = ["Hl7ConfigError", "NotReplayable", "hl7_source_add", "inbound_message_replay"]


class Hl7ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class SourceChange:
    source: Hl7Source
    created: bool


def hl7_source_add(
    *,
    facility: str,
    organisation_code: str,
    time_zone: str | None = None,
    dispositions: dict[str, str] | None = None,
) -> SourceChange:
    """Map a sending facility (MSH-4) to a hospital. On an existing source, the organisation and
    time zone are replaced and the dispositions merged into its map.

    `dispositions` maps PV1-36 codes to stay destinations (`transitions.models.Destination`);
    a FHIR discharge-disposition code is accepted and stored as the destination it means."""
    facility = facility.strip()
    if not facility or len(facility) > 100:
        raise Hl7ConfigError("the facility code must have 1 to 100 characters")
    organisation = Organisation.objects.filter(code=organisation_code).first()
    if organisation is None:
        raise Hl7ConfigError(f"unknown organisation: {organisation_code}")
    if organisation.type != OrganisationType.HOSPITAL:
        raise Hl7ConfigError(f"organisation {organisation_code} is not a hospital")
    if time_zone is not None:
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise Hl7ConfigError(f"unknown time zone: {time_zone}") from None
    mapped: dict[str, str] = {}
    for code, target in (dispositions or {}).items():
        destination = destination_for(target)
        if not code or destination is None:
            allowed = ", ".join(Destination.values)
            raise Hl7ConfigError(
                f"disposition {code}={target}: the destination must be one of {allowed} "
                "(or a FHIR discharge-disposition code)"
            )
        mapped[code] = destination
    with transaction.atomic():
        source = Hl7Source.objects.select_for_update().filter(facility=facility).first()
        created = source is None
        if source is None:
            source = Hl7Source(facility=facility, organisation=organisation)
        source.organisation = organisation
        if time_zone is not None:
            source.time_zone = time_zone
        source.discharge_dispositions = {**source.discharge_dispositions, **mapped}
        source.save()
    return SourceChange(source, created)
