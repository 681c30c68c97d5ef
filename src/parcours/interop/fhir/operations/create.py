"""create: POST /fhir/{type}, through the domain action behind the resource type."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from parcours.interop.fhir.context import Context
from parcours.interop.fhir.errors import FhirError, Kind
from parcours.interop.fhir.registry import Json, resource_type
from parcours.interop.fhir.validation import validated


def create(ctx: Context, type_name: str, body: Any) -> Json:
    resource = resource_type(type_name)
    if resource.create is None:
        raise FhirError(
            405,
            "not-supported",
            _("A %(type)s cannot be created here.") % {"type": type_name},
            kind=Kind.METHOD_NOT_ALLOWED,
        )
    return resource.create(ctx, validated(resource.name, resource.model, body))
