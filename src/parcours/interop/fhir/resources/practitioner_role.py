"""PractitionerRole ⇄ directory.ProfessionalRole (read and search, _include of both ends)."""

from __future__ import annotations

from collections.abc import Sequence

from fhir.resources.R4B.practitionerrole import PractitionerRole as PractitionerRoleModel

from parcours.directory.models import Profession, ProfessionalRole
from parcours.interop.fhir import params
from parcours.interop.fhir.context import Context
from parcours.interop.fhir.registry import Include, Json, register_directory_type
from parcours.interop.fhir.resources.common import (
    PROFESSION,
    coding,
    compact,
    reference,
    telecom,
    text_of,
)


def to_fhir(ctx: Context, role: ProfessionalRole) -> Json:
    professional = role.professional
    label = (
        str(Profession(professional.profession).label)
        if professional.profession in Profession.values
        else ""
    )
    telecoms = []
    if role.phone:
        telecoms.append({"system": "phone", "value": role.phone})
    if role.email:
        telecoms.append({"system": "email", "value": role.email})
    telecoms += telecom(role.channels.all())
    title = text_of(role.title)
    return compact(
        {
            "resourceType": "PractitionerRole",
            "id": str(role.pk),
            "active": role.active,
            "practitioner": reference("Practitioner", professional.pk, str(professional)),
            "organization": reference(
                "Organization", role.organisation_id, role.organisation.display_name
            ),
            "code": [
                compact(
                    {"coding": [coding(PROFESSION, professional.profession, label)], "text": title}
                )
            ],
            "specialty": [{"text": professional.specialty}] if professional.specialty else [],
            "telecom": telecoms,
        }
    )


def _practitioners(page: Sequence[ProfessionalRole]) -> set[int]:
    return {role.professional_id for role in page}


def _organisations(page: Sequence[ProfessionalRole]) -> set[int]:
    return {role.organisation_id for role in page}


RESOURCE = register_directory_type(
    name="PractitionerRole",
    model=PractitionerRoleModel,
    queryset=(
        ProfessionalRole.objects.select_related("professional", "organisation")
        .prefetch_related("channels")
        .order_by("pk")
    ),
    to_fhir=to_fhir,
    search_params=[
        params.ids_param(),
        params.reference("practitioner", "The professional.", "Practitioner", "professional"),
        params.reference("organization", "The organisation.", "Organization", "organisation"),
        params.boolean("active", "Whether the role is active.", "active"),
        params.string(
            "name",
            "Given or family name of the professional.",
            ["professional__given_name", "professional__family_name"],
        ),
        params.string("family", "Family name.", ["professional__family_name"]),
        params.string("given", "Given name.", ["professional__given_name"]),
    ],
    includes=[
        Include("practitioner", "Practitioner", _practitioners),
        Include("organization", "Organization", _organisations),
    ],
    documentation="A professional's role in an organisation.",
)
