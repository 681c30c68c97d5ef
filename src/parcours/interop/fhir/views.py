"""Thin views: authenticate, read JSON, dispatch to one operation, answer application/fhir+json.

Every error is an OperationOutcome with its HTTP status; an unexpected exception is logged and
answered 500 with an OperationOutcome (the fuzz tests hold that it never happens).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from parcours.accounts.models import User
from parcours.interop.fhir.context import Context
from parcours.interop.fhir.errors import (
    FhirError,
    Kind,
    fhir_response,
    negotiated_language,
    operation_outcome,
)
from parcours.interop.fhir.operations.capabilities import capabilities
from parcours.interop.fhir.operations.create import create
from parcours.interop.fhir.operations.read import read
from parcours.interop.fhir.operations.search import search
from parcours.interop.fhir.operations.transaction import transaction
from parcours.interop.fhir.operations.update import update
from parcours.interop.fhir.registry import resource_type

logger = logging.getLogger(__name__)

MAX_BODY = 5 * 1024 * 1024


def _no_response(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=204)


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir").rstrip("/")


def _context(request: HttpRequest) -> Context:
    user = request.user
    if not user.is_authenticated or not user.is_active:
        raise FhirError(
            401,
            "login",
            _("Authentication required: send Authorization: Bearer <API token>."),
            kind=Kind.AUTHENTICATION_REQUIRED,
            headers={"WWW-Authenticate": 'Bearer realm="parcours-fhir"'},
        )
    unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
    by_session = getattr(request, "auth_method", "session") == "session"
    csrf = CsrfViewMiddleware(_no_response)
    if unsafe and by_session and csrf.process_view(request, _no_response, (), {}):
        raise FhirError(
            403,
            "forbidden",
            _("CSRF check failed: use a Bearer token."),
            kind=Kind.CSRF_FAILED,
        )
    assert isinstance(user, User)
    return Context(user=user, base=_base(request))


def _body(request: HttpRequest) -> Any:
    if not request.body:
        raise FhirError(
            400, "invalid", _("The body is empty: send a FHIR resource."), kind=Kind.INVALID_BODY
        )
    content_type = request.content_type or ""
    if content_type not in ("application/fhir+json", "application/json"):
        raise FhirError(
            415,
            "not-supported",
            _("Send application/fhir+json (JSON is the only format)."),
            kind=Kind.UNSUPPORTED_MEDIA_TYPE,
        )
    raw = request.body
    if len(raw) > MAX_BODY:
        raise FhirError(413, "too-costly", _("The body is too large."), kind=Kind.BODY_TOO_LARGE)
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FhirError(
            400, "invalid", _("The body is not valid JSON in UTF-8."), kind=Kind.INVALID_BODY
        ) from None
    # No database stores NUL in text, nor lone surrogates ("\ud800" is valid JSON).
    dumped = json.dumps(body, ensure_ascii=False)
    try:
        dumped.encode("utf-8")
    except UnicodeEncodeError:
        raise FhirError(
            400, "invalid", _("The body contains an invalid character."), kind=Kind.INVALID_BODY
        ) from None
    if "\\u0000" in dumped:
        raise FhirError(
            400, "invalid", _("The body contains a NUL character."), kind=Kind.INVALID_BODY
        )
    return body


JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json"})


def _check_format(request: HttpRequest) -> None:
    """JSON is the only format: `_format` (which wins) or Accept must allow it."""
    wanted = request.GET.get("_format")
    if wanted is not None:
        acceptable = wanted.split(";")[0].strip() in JSON_FORMATS
    else:
        accept = request.headers.get("Accept", "")
        acceptable = not accept or any(
            token in accept for token in ("json", "*/*", "application/*")
        )
    if not acceptable:
        raise FhirError(
            406,
            "not-supported",
            _("Only JSON (application/fhir+json) is served."),
            kind=Kind.NOT_ACCEPTABLE,
        )


def _guarded(handler: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def view(request: HttpRequest, **kwargs: str) -> HttpResponse:
        language = negotiated_language(request)
        with translation.override(language):
            response = answer(request, **kwargs)
        response.headers["Content-Language"] = language
        return response

    def answer(request: HttpRequest, **kwargs: str) -> HttpResponse:
        try:
            _check_format(request)
            return handler(request, **kwargs)
        except FhirError as error:
            return fhir_response(error.outcome(), error.status, error.headers)
        except RequestDataTooBig:
            outcome = operation_outcome(
                "too-costly", Kind.BODY_TOO_LARGE, _("The body is too large.")
            )
            return fhir_response(outcome, 413)
        except SuspiciousOperation:
            outcome = operation_outcome(
                "invalid", Kind.MALFORMED_REQUEST, _("The request is malformed.")
            )
            return fhir_response(outcome, 400)
        except Exception:
            logger.exception("FHIR %s %s failed", request.method, request.path)
            if settings.DEBUG and getattr(settings, "FHIR_RAISE", False):
                raise
            outcome = operation_outcome(
                "exception", Kind.SERVER_ERROR, _("The server could not answer this request.")
            )
            return fhir_response(outcome, 500)

    view.__name__ = handler.__name__
    view.__doc__ = handler.__doc__
    return csrf_exempt(view)


def _method_not_allowed(allowed: list[str]) -> FhirError:
    return FhirError(
        405,
        "not-supported",
        _("Use %(methods)s here.") % {"methods": ", ".join(allowed)},
        kind=Kind.METHOD_NOT_ALLOWED,
        headers={"Allow": ", ".join(allowed)},
    )


@_guarded
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement, public like every FHIR server's."""
    if request.method not in ("GET", "HEAD"):
        raise _method_not_allowed(["GET"])
    return fhir_response(capabilities(_base(request)))


@_guarded
def root(request: HttpRequest) -> HttpResponse:
    """POST a transaction Bundle."""
    if request.method != "POST":
        raise _method_not_allowed(["POST"])
    ctx = _context(request)
    return fhir_response(transaction(ctx, _body(request)))


@_guarded
def type_level(request: HttpRequest, type_name: str) -> HttpResponse:
    """GET searches, POST creates."""
    resource_type(type_name)
    ctx = _context(request)
    if request.method in ("GET", "HEAD"):
        params = [(key, value) for key, values in request.GET.lists() for value in values]
        if any("\x00" in key or "\x00" in value for key, value in params):
            raise FhirError(
                400,
                "invalid",
                _("A parameter contains a NUL character."),
                kind=Kind.MALFORMED_REQUEST,
            )
        return fhir_response(search(ctx, type_name, params))
    if request.method == "POST":
        created = create(ctx, type_name, _body(request))
        location = ctx.url(type_name, created["id"])
        return fhir_response(created, 201, {"Location": location})
    raise _method_not_allowed(["GET", "POST"])


@_guarded
def instance_level(request: HttpRequest, type_name: str, resource_id: str) -> HttpResponse:
    """GET reads, PUT updates."""
    resource_type(type_name)
    ctx = _context(request)
    if request.method in ("GET", "HEAD"):
        return fhir_response(read(ctx, type_name, resource_id))
    if request.method == "PUT":
        return fhir_response(update(ctx, type_name, resource_id, _body(request)))
    raise _method_not_allowed(["GET", "PUT"])


@_guarded
def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    raise FhirError(
        404, "not-supported", _("There is nothing at this address."), kind=Kind.NO_ENDPOINT
    )
