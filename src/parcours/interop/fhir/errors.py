"""Errors as FHIR OperationOutcome resources, with the HTTP status they go out with.

Every issue carries three things:

- `code`: the FHIR issue type (not-found, invalid, business-rule…), for generic clients;
- `details.coding`: our own error kind in the Parcours code system `ERROR_SYSTEM`
  (unknown-resource, unknown-search-parameter, illegal-transition…), stable across releases
  and languages, so that clients never need to parse the text;
- `details.text` and `diagnostics`: the translated message, in the language negotiated for the
  request (see `negotiated_language`). Only the detail fhir.resources gives for an invalid
  resource stays in English, after a translated lead sentence.

Messages are translated when the error is raised: the views activate the request's language
before anything else runs, so domain errors (already translated by their app) and ours agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import trans_real

from parcours.directory.interchange.fhir import BASE

ERROR_SYSTEM = f"{BASE}/CodeSystem/fhir-error"
CONTENT_TYPE = "application/fhir+json; charset=utf-8"


class Kind:
    """Our error kinds (`details.coding[0].code`); documented in docs/interop.md."""

    AUTHENTICATION_REQUIRED = "authentication-required"
    INVALID_TOKEN = "invalid-token"  # noqa: S105 (an error code, not a secret)
    TWO_FACTOR_REQUIRED = "two-factor-required"
    CSRF_FAILED = "csrf-failed"
    FORBIDDEN = "forbidden"
    UNKNOWN_RESOURCE = "unknown-resource"
    UNSUPPORTED_TYPE = "unsupported-resource-type"
    NO_ENDPOINT = "no-endpoint"
    METHOD_NOT_ALLOWED = "method-not-allowed"
    NOT_ACCEPTABLE = "not-acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported-media-type"
    BODY_TOO_LARGE = "body-too-large"
    MALFORMED_REQUEST = "malformed-request"
    INVALID_BODY = "invalid-body"
    WRONG_RESOURCE_TYPE = "wrong-resource-type"
    ID_MISMATCH = "id-mismatch"
    INVALID_RESOURCE = "invalid-resource"
    UNKNOWN_SEARCH_PARAMETER = "unknown-search-parameter"
    UNSUPPORTED_MODIFIER = "unsupported-modifier"
    INVALID_SEARCH_VALUE = "invalid-search-value"
    UNSUPPORTED_INCLUDE = "unsupported-include"
    UNSUPPORTED_SUMMARY = "unsupported-summary"
    INVALID_REFERENCE = "invalid-reference"
    BUSINESS_RULE = "business-rule"
    DUPLICATE = "duplicate-patient"
    ILLEGAL_TRANSITION = "illegal-transition"
    NOT_A_TRANSACTION = "not-a-transaction"
    TRANSACTION_ENTRY = "invalid-transaction-entry"
    TRANSACTION_TOO_LARGE = "transaction-too-large"
    UNRESOLVED_REFERENCE = "unresolved-reference"
    CIRCULAR_REFERENCES = "circular-references"
    SERVER_ERROR = "server-error"


@dataclass
class Issue:
    """One OperationOutcome issue; `text` is translated, `detail` (optional) is appended to it
    in `diagnostics` (the library's English message for an invalid resource)."""

    code: str
    kind: str
    text: str
    detail: str = ""
    expression: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        diagnostics = f"{self.text} {self.detail}" if self.detail else self.text
        issue: dict[str, Any] = {
            "severity": "error",
            "code": self.code,
            "details": {
                "coding": [{"system": ERROR_SYSTEM, "code": self.kind}],
                "text": self.text,
            },
            "diagnostics": diagnostics,
        }
        if self.expression:
            issue["expression"] = self.expression
        return issue


class FhirError(Exception):
    """A refusal: `status` is the HTTP status, `code` the OperationOutcome issue type and
    `kind` our stable error kind (ERROR_SYSTEM)."""

    def __init__(
        self,
        status: int,
        code: str,
        diagnostics: str | Promise,
        *,
        kind: str = Kind.BUSINESS_RULE,
        expression: list[str] | None = None,
        headers: dict[str, str] | None = None,
        issues: list[Issue] | None = None,
    ) -> None:
        super().__init__(str(diagnostics))
        self.status = status
        self.headers = headers or {}
        self.issues = issues or [Issue(code, kind, str(diagnostics), "", list(expression or []))]

    @property
    def code(self) -> str:
        return self.issues[0].code

    @property
    def kind(self) -> str:
        return self.issues[0].kind

    @property
    def diagnostics(self) -> str:
        return self.issues[0].text

    @property
    def expression(self) -> list[str]:
        return self.issues[0].expression

    def in_entry(self, index: int) -> FhirError:
        """The same error, said of entry `index` of a transaction Bundle."""
        for issue in self.issues:
            issue.text = _("Entry %(index)s of the transaction: %(message)s") % {
                "index": index,
                "message": issue.text,
            }
            issue.expression = [f"Bundle.entry[{index}]", *issue.expression]
        return self

    def outcome(self) -> dict[str, Any]:
        return {"resourceType": "OperationOutcome", "issue": [i.as_json() for i in self.issues]}


def operation_outcome(
    code: str, kind: str, text: str | Promise, *, expression: list[str] | None = None
) -> dict[str, Any]:
    issue = Issue(code, kind, str(text), "", list(expression or []))
    return {"resourceType": "OperationOutcome", "issue": [issue.as_json()]}


def fhir_response(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> HttpResponse:
    """A FHIR JSON answer (resource, Bundle or OperationOutcome)."""
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status=status,
        content_type=CONTENT_TYPE,
        headers=headers,
    )


def refusal(
    request: HttpRequest,
    status: int,
    code: str,
    text: str | Promise,
    *,
    kind: str,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    """The OperationOutcome answer of a refusal made before the FHIR views run (the account
    middleware: revoked token, missing second factor), in the language the views would
    negotiate; `text` should be lazy so that it is translated here."""
    language = negotiated_language(request)
    with translation.override(language):
        error = FhirError(status, code, text, kind=kind, headers=headers)
    response = fhir_response(error.outcome(), error.status, error.headers)
    response.headers["Content-Language"] = language
    return response


def not_found(resource_type: str, resource_id: str) -> FhirError:
    """Unknown and not allowed give this same answer for patient-linked data."""
    return FhirError(
        404,
        "not-found",
        _("%(reference)s is not known.") % {"reference": f"{resource_type}/{resource_id[:64]}"},
        kind=Kind.UNKNOWN_RESOURCE,
    )


def invalid(
    diagnostics: str | Promise,
    expression: list[str] | None = None,
    *,
    kind: str = Kind.INVALID_SEARCH_VALUE,
) -> FhirError:
    return FhirError(400, "invalid", diagnostics, kind=kind, expression=expression)


def unprocessable(
    diagnostics: str | Promise,
    expression: list[str] | None = None,
    *,
    kind: str = Kind.BUSINESS_RULE,
) -> FhirError:
    return FhirError(422, "business-rule", diagnostics, kind=kind, expression=expression)


def must_refer_to(element: str, target: str) -> FhirError:
    """422: `element` is not a reference to a `target`."""
    return unprocessable(
        _("%(element)s must be a reference of type %(target)s.")
        % {"element": element, "target": target},
        [element],
        kind=Kind.INVALID_REFERENCE,
    )


def negotiated_language(request: HttpRequest) -> str:
    """The language of a FHIR answer: the first supported language of `Accept-Language`
    (fr, nl, en), else the one the middleware chose (the user's saved language, else the
    language cookie, else the site default)."""
    header = request.headers.get("Accept-Language", "")
    for code, _quality in trans_real.parse_accept_lang_header(header[:200]):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return translation.get_language() or settings.LANGUAGE_CODE
