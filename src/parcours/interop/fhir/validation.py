"""Incoming resources are validated with the fhir.resources R4B models before any mapping.

The library's messages are English: each of its errors becomes one issue whose translated lead
sentence names the element (also in `expression`), followed by the library's own detail.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from fhir.resources.R4B.resource import Resource as FhirModel
from pydantic import ValidationError

from parcours.interop.fhir.errors import FhirError, Issue, Kind, invalid
from parcours.interop.fhir.registry import Json

MAX_ISSUES = 10


def _lead(location: str) -> str:
    return _("The resource is not valid: %(location)s does not fit FHIR R4.") % {
        "location": location[:200]
    }


def validated(
    name: str, model: type[FhirModel], body: Any, *, resource_id: str | None = None
) -> Json:
    """The resource as a dict once its shape is valid FHIR; FhirError 400 otherwise."""
    if not isinstance(body, dict):
        raise invalid(
            _("The body must be a JSON object (a FHIR resource)."), kind=Kind.INVALID_BODY
        )
    if body.get("resourceType") != name:
        raise invalid(
            _("The body must be a %(type)s resource.") % {"type": name},
            ["resourceType"],
            kind=Kind.WRONG_RESOURCE_TYPE,
        )
    if resource_id is not None and body.get("id") != resource_id:
        raise invalid(
            _("The resource id must match the id in the URL."),
            [f"{name}.id"],
            kind=Kind.ID_MISMATCH,
        )
    try:
        model.model_validate(body)
    except ValidationError as exc:
        issues = []
        for error in exc.errors()[:MAX_ISSUES]:
            where = ".".join(str(part) for part in error.get("loc", ()) if part != "__root__")
            location = f"{name}.{where}" if where else name
            detail = str(error.get("msg", ""))[:200]
            issues.append(
                Issue("structure", Kind.INVALID_RESOURCE, _lead(location), detail, [location])
            )
        if not issues:
            issues = [Issue("structure", Kind.INVALID_RESOURCE, _lead(name), "", [name])]
        raise FhirError(400, "structure", issues[0].text, issues=issues) from None
    except (ValueError, TypeError, RecursionError) as exc:
        issue = Issue("structure", Kind.INVALID_RESOURCE, _lead(name), str(exc)[:200], [name])
        raise FhirError(400, "structure", issue.text, issues=[issue]) from None
    return body
