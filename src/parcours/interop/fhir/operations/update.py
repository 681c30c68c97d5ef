"""update: PUT /fhir/{type}/{id}, where the domain has an action for it (no version check)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from parcours.interop.fhir.context import Context
from parcours.interop.fhir.errors import FhirError, Kind
from parcours.interop.fhir.registry import Json, resource_type
from parcours.interop.fhir.validation import validated


def update(ctx: Context, type_name: str, resource_id: str, body: Any) -> Json:
    resource = resource_type(type_name)
    if resource.update is None:
        raise FhirError(
            405,
            "not-supported",
            _("A %(type)s cannot be updated here.") % {"type": type_name},
            kind=Kind.METHOD_NOT_ALLOWED,
        )
    return resource.update(
        ctx, resource_id, validated(resource.name, resource.model, body, resource_id=resource_id)
    )
