"""Errors as FHIR OperationOutcome resources, with the HTTP status they go out with."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class FhirError(Exception):
    """A refusal: `status` is the HTTP status, `code` the OperationOutcome issue type."""

    def __init__(
        self,
        status: int,
        code: str,
        diagnostics: str | Promise,
        *,
        expression: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(str(diagnostics))
        self.status = status
        self.code = code
        self.diagnostics = str(diagnostics)
        self.expression = expression or []
        self.headers = headers or {}

    def outcome(self) -> dict[str, Any]:
        return operation_outcome(self.code, self.diagnostics, expression=self.expression)


def operation_outcome(
    code: str, diagnostics: str, *, severity: str = "error", expression: list[str] | None = None
) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = expression
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def not_found(resource_type: str, resource_id: str) -> FhirError:
    """Unknown and not allowed give this same answer for patient-linked data."""
    return FhirError(404, "not-found", f"{resource_type}/{resource_id} is not known.")


def invalid(diagnostics: str | Promise, expression: list[str] | None = None) -> FhirError:
    return FhirError(400, "invalid", diagnostics, expression=expression)


def unprocessable(diagnostics: str | Promise, expression: list[str] | None = None) -> FhirError:
    return FhirError(422, "business-rule", diagnostics, expression=expression)
