"""Organization ⇄ directory.Organisation (read and search)."""

from __future__ import annotations

from django.db.models import Q
from fhir.resources.R4B.organization import Organization as OrganizationModel

from parcours.directory.identifiers import SYSTEMS, IdentifierKind
from parcours.directory.models import Organisation, OrganisationType
from parcours.interop.fhir import params
from parcours.interop.fhir.context import Context
from parcours.interop.fhir.registry import Json, register_directory_type
from parcours.interop.fhir.resources.common import (
    ORGANISATION_CODE,
    ORGANISATION_TYPE,
    address,
    aliases,
    coding,
    compact,
    reference,
    telecom,
    text_of,
)


def to_fhir(ctx: Context, org: Organisation) -> Json:
    name = text_of(org.name) or org.code
    identifiers = [{"system": ORGANISATION_CODE, "value": org.code}] + [
        {"system": SYSTEMS[i.kind], "value": i.value}
        for i in org.identifiers.all()
        if i.kind in SYSTEMS
    ]
    telecoms = telecom(org.channels.all())
    if org.website:
        telecoms.append({"system": "url", "value": org.website})
    label = str(OrganisationType(org.type).label) if org.type in OrganisationType.values else ""
    return compact(
        {
            "resourceType": "Organization",
            "id": str(org.pk),
            "identifier": identifiers,
            "active": org.active,
            "type": [{"coding": [coding(ORGANISATION_TYPE, org.type, label)]}],
            "name": name,
            "alias": aliases(org.name, name),
            "telecom": telecoms,
            "address": address(org.address, org.postcode, org.municipality, org.country),
            "partOf": reference("Organization", org.parent_id),
        }
    )


def _identifier(system: str | None, value: str) -> Q | None:
    if system == ORGANISATION_CODE:
        return Q(code=value) if value else Q()
    kinds = [kind for kind, uri in SYSTEMS.items() if uri == system]
    if system and not kinds:
        return None
    if not value:
        return Q(identifiers__kind__in=kinds)
    if kinds:
        return Q(identifiers__kind__in=kinds, identifiers__value=value)
    return Q(code=value) | Q(identifiers__value=value)


assert set(SYSTEMS) <= set(IdentifierKind.values)


RESOURCE = register_directory_type(
    name="Organization",
    model=OrganizationModel,
    queryset=(
        Organisation.objects.select_related("municipality", "parent")
        .prefetch_related("identifiers", "channels")
        .order_by("pk")
    ),
    to_fhir=to_fhir,
    search_params=[
        params.ids_param(),
        params.token("identifier", "Code in Parcours, FINESS, SIRET, KBO, RIZIV…", _identifier),
        params.string("name", "Name in any language.", [], localized=["name"]),
        params.boolean("active", "Whether the organisation is active.", "active"),
        params.string("address-city", "Municipality.", [], localized=["municipality__name"]),
        params.reference("partof", "The parent organisation.", "Organization", "parent"),
    ],
    distinct=True,
    documentation="Directory organisations: hospitals, wards, home-care services…",
)
