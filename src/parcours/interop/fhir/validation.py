"""Incoming resources are validated with the fhir.resources R4B models before any mapping."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.resource import Resource as FhirModel
from pydantic import ValidationError

from parcours.interop.fhir.errors import FhirError, invalid
from parcours.interop.fhir.registry import Json


def validated(
    name: str, model: type[FhirModel], body: Any, *, resource_id: str | None = None
) -> Json:
    """The resource as a dict once its shape is valid FHIR; FhirError 400 otherwise."""
    if not isinstance(body, dict):
        raise invalid("The body must be a JSON object (a FHIR resource).")
    if body.get("resourceType") != name:
        raise invalid(f"The body must be a {name} resource.", ["resourceType"])
    if resource_id is not None and body.get("id") != resource_id:
        raise invalid("The resource id must match the id in the URL.", [f"{name}.id"])
    try:
        model.model_validate(body)
    except ValidationError as exc:
        errors = exc.errors()[:10]
        locations = [
            ".".join(str(part) for part in error.get("loc", ()) if part != "__root__")
            for error in errors
        ]
        detail = "; ".join(
            f"{where or name}: {error.get('msg', '')}"[:200]
            for where, error in zip(locations, errors, strict=True)
        )
        raise FhirError(
            400,
            "structure",
            f"This is not a valid {name}: {detail}",
            expression=[f"{name}.{where}" if where else name for where in locations],
        ) from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise invalid(f"This is not a valid {name}: {str(exc)[:200]}") from None
    return body
