"""HealthcareService ⇄ directory.Service (read and search)."""

from __future__ import annotations

from django.db.models import Q
from fhir.resources.R4B.healthcareservice import HealthcareService as HealthcareServiceModel

from parcours.directory.models import OrganisationType, Service
from parcours.interop.fhir import params
from parcours.interop.fhir.context import Context
from parcours.interop.fhir.registry import Json, register_directory_type
from parcours.interop.fhir.resources.common import (
    BCP47,
    ORGANISATION_TYPE,
    SERVICE_CODE,
    coding,
    compact,
    reference,
    telecom,
    text_of,
)


def to_fhir(ctx: Context, service: Service) -> Json:
    label = (
        str(OrganisationType(service.category).label)
        if service.category in OrganisationType.values
        else ""
    )
    return compact(
        {
            "resourceType": "HealthcareService",
            "id": str(service.pk),
            "identifier": [{"system": SERVICE_CODE, "value": service.code}] if service.code else [],
            "active": service.active,
            "providedBy": reference(
                "Organization", service.organisation_id, service.organisation.display_name
            ),
            "category": [{"coding": [coding(ORGANISATION_TYPE, service.category, label)]}],
            "name": service.display_name,
            "comment": text_of(service.description)[:1000],
            "location": [reference("Location", service.location_id)] if service.location_id else [],
            "telecom": telecom(service.channels.all()),
            "communication": [
                {"coding": [coding(BCP47, language)]}
                for language in service.languages or []
                if isinstance(language, str) and language
            ],
            "referralMethod": [{"text": text_of(service.referral)}]
            if text_of(service.referral)
            else [],
        }
    )


def _identifier(system: str | None, value: str) -> Q | None:
    if system and system != SERVICE_CODE:
        return None
    return Q(code=value) if value else Q(code__isnull=False)


RESOURCE = register_directory_type(
    name="HealthcareService",
    model=HealthcareServiceModel,
    queryset=(
        Service.objects.select_related("organisation", "location")
        .prefetch_related("channels")
        .order_by("pk")
    ),
    to_fhir=to_fhir,
    search_params=[
        params.ids_param(),
        params.token("identifier", "Code of the service in Parcours.", _identifier),
        params.string("name", "Name in any language.", [], localized=["name"]),
        params.boolean("active", "Whether the service is active.", "active"),
        params.reference(
            "organization", "The organisation providing it.", "Organization", "organisation"
        ),
        params.string(
            "address-city",
            "Municipality of the service's location.",
            [],
            localized=["location__municipality__name"],
        ),
    ],
    documentation="What an organisation offers.",
)
