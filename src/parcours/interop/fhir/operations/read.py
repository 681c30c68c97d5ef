"""read: GET /fhir/{type}/{id}."""

from __future__ import annotations

from parcours.interop.fhir.context import Context
from parcours.interop.fhir.registry import Json, resource_type


def read(ctx: Context, type_name: str, resource_id: str) -> Json:
    return resource_type(type_name).read(ctx, resource_id)
