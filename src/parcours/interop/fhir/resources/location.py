"""Location ⇄ directory.Location (read and search)."""

from __future__ import annotations

from django.db.models import Q
from fhir.resources.R4B.location import Location as LocationModel

from parcours.directory.models import Location
from parcours.interop.fhir import params
from parcours.interop.fhir.context import Context
from parcours.interop.fhir.registry import Json, register_directory_type
from parcours.interop.fhir.resources.common import (
    LOCATION_CODE,
    address,
    aliases,
    compact,
    reference,
    text_of,
)


def to_fhir(ctx: Context, location: Location) -> Json:
    name = text_of(location.name) or location.code
    position = None
    if location.latitude is not None and location.longitude is not None:
        position = {"latitude": location.latitude, "longitude": location.longitude}
    addresses = address(location.address, location.postcode, location.municipality)
    return compact(
        {
            "resourceType": "Location",
            "id": str(location.pk),
            "identifier": [{"system": LOCATION_CODE, "value": location.code}],
            "status": "active",
            "name": name,
            "alias": aliases(location.name, name),
            "mode": "instance",
            "address": addresses[0] if addresses else None,
            "position": position,
            "managingOrganization": reference(
                "Organization", location.organisation_id, location.organisation.display_name
            ),
        }
    )


def _identifier(system: str | None, value: str) -> Q | None:
    if system and system != LOCATION_CODE:
        return None
    return Q(code=value) if value else Q()


RESOURCE = register_directory_type(
    name="Location",
    model=LocationModel,
    queryset=Location.objects.select_related("organisation", "municipality").order_by("pk"),
    to_fhir=to_fhir,
    search_params=[
        params.ids_param(),
        params.token("identifier", "Code of the location in Parcours.", _identifier),
        params.string("name", "Name in any language.", [], localized=["name"]),
        params.string("address-city", "Municipality.", [], localized=["municipality__name"]),
        params.reference(
            "organization",
            "The organisation working there.",
            "Organization",
            "organisation",
        ),
    ],
    documentation="Places where organisations work.",
)
