"""Project-wide middleware: request context for the audit log, and security headers."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

Handler = Callable[[HttpRequest], HttpResponse]


@dataclass(frozen=True)
class RequestContext:
    """Where a request comes from, for audit rows written anywhere below the view."""

    request_id: str
    ip_address: str | None
    user_agent: str
    channel: str  # "web", "api", "fhir"


current_request: ContextVar[RequestContext | None] = ContextVar("current_request", default=None)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; font-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def channel_of(path: str) -> str:
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/fhir/"):
        return "fhir"
    return "web"


class SecurityHeadersMiddleware:
    """CSP and friends on every response; health pages are never cached."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        context = RequestContext(
            request_id=request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex,
            ip_address=client_ip(request),
            user_agent=request.headers.get("User-Agent", "")[:255],
            channel=channel_of(request.path),
        )
        token = current_request.set(context)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers["X-Request-ID"] = context.request_id
        if not request.path.startswith("/static/"):
            # Pages may show health data: never keep them in a shared or browser cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
