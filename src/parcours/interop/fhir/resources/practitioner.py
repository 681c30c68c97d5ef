"""Practitioner ⇄ directory.Professional (read and search)."""

from __future__ import annotations

from django.db.models import Q
from fhir.resources.R4B.practitioner import Practitioner as PractitionerModel

from parcours.directory.identifiers import SYSTEMS, IdentifierKind
from parcours.directory.models import Professional
from parcours.interop.fhir import params
from parcours.interop.fhir.context import Context
from parcours.interop.fhir.registry import Json, register_directory_type
from parcours.interop.fhir.resources.common import BCP47, PROFESSIONAL_CODE, coding, compact

RPPS = SYSTEMS[IdentifierKind.RPPS]
RIZIV = SYSTEMS[IdentifierKind.RIZIV]


def to_fhir(ctx: Context, professional: Professional) -> Json:
    identifiers = []
    if professional.code:
        identifiers.append({"system": PROFESSIONAL_CODE, "value": professional.code})
    if professional.rpps:
        identifiers.append({"system": RPPS, "value": professional.rpps})
    if professional.riziv:
        identifiers.append({"system": RIZIV, "value": professional.riziv})
    name = compact(
        {
            "use": "official",
            "text": str(professional),
            "family": professional.family_name,
            "given": [professional.given_name] if professional.given_name else [],
        }
    )
    return compact(
        {
            "resourceType": "Practitioner",
            "id": str(professional.pk),
            "identifier": identifiers,
            "active": professional.active,
            "name": [name],
            "communication": [
                {"coding": [coding(BCP47, language)]}
                for language in professional.languages or []
                if isinstance(language, str) and language
            ],
        }
    )


def _identifier(system: str | None, value: str) -> Q | None:
    fields = {PROFESSIONAL_CODE: "code", RPPS: "rpps", RIZIV: "riziv"}
    if system:
        field = fields.get(system)
        if field is None:
            return None
        return (
            Q(**{field: value}) if value else ~Q(**{field: ""}) & Q(**{f"{field}__isnull": False})
        )
    return Q(code=value) | Q(rpps=value) | Q(riziv=value)


RESOURCE = register_directory_type(
    name="Practitioner",
    model=PractitionerModel,
    queryset=Professional.objects.order_by("pk"),
    to_fhir=to_fhir,
    search_params=[
        params.ids_param(),
        params.token("identifier", "RPPS, RIZIV/INAMI or code in Parcours.", _identifier),
        params.string("name", "Given or family name.", ["given_name", "family_name"]),
        params.string("family", "Family name.", ["family_name"]),
        params.string("given", "Given name.", ["given_name"]),
        params.boolean("active", "Whether the professional is active.", "active"),
    ],
    documentation="Health and social professionals of the directory.",
)
