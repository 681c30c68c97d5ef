"""create: POST /fhir/{type}, through the domain action behind the resource type."""

from __future__ import annotations

from typing import Any

from parcours.interop.fhir.context import Context
from parcours.interop.fhir.errors import FhirError
from parcours.interop.fhir.registry import Json, resource_type
from parcours.interop.fhir.validation import validated


def create(ctx: Context, type_name: str, body: Any) -> Json:
    resource = resource_type(type_name)
    if resource.create is None:
        raise FhirError(405, "not-supported", f"{type_name} cannot be created here.")
    return resource.create(ctx, validated(resource.name, resource.model, body))
