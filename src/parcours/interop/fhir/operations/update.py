"""update: PUT /fhir/{type}/{id}, where the domain has an action for it (no version check)."""

from __future__ import annotations

from typing import Any

from parcours.interop.fhir.context import Context
from parcours.interop.fhir.errors import FhirError
from parcours.interop.fhir.registry import Json, resource_type
from parcours.interop.fhir.validation import validated


def update(ctx: Context, type_name: str, resource_id: str, body: Any) -> Json:
    resource = resource_type(type_name)
    if resource.update is None:
        raise FhirError(405, "not-supported", f"{type_name} cannot be updated here.")
    return resource.update(
        ctx, resource_id, validated(resource.name, resource.model, body, resource_id=resource_id)
    )
