"""Authentication middleware: session expiry, Bearer tokens, user language, two-factor gate."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parcours.accounts.actions import api_token_authenticate

Handler = Callable[[HttpRequest], HttpResponse]

SESSION_ACTIVITY_KEY = "parcours_last_activity"
SESSION_STARTED_KEY = "parcours_session_started"
TOKEN_REFUSED = gettext_lazy("The API token is invalid or has been revoked.")
TWO_FACTOR_FIRST = gettext_lazy("Two-factor authentication must be set up first.")
# Refresh the activity stamp at most this often, so a busy session is not a write per request.
ACTIVITY_RESOLUTION_SECONDS = 60


def _is_fhir(request: HttpRequest) -> bool:
    return request.path.startswith("/fhir/")


def _fhir_refusal(request: HttpRequest, status: int) -> HttpResponse:
    """401 (unknown or revoked token) or 403 (second factor missing) for a FHIR client, which
    expects an OperationOutcome for every error: made by the FHIR server's own builder, with
    its Parcours error code and in its negotiated language. Imported here, not at the top, as
    the FHIR package imports the accounts app."""
    from parcours.interop.fhir.errors import Kind, refusal

    if status == 401:
        return refusal(
            request,
            401,
            "login",
            TOKEN_REFUSED,
            kind=Kind.INVALID_TOKEN,
            headers={"WWW-Authenticate": 'Bearer realm="parcours-fhir", error="invalid_token"'},
        )
    return refusal(request, 403, "forbidden", TWO_FACTOR_FIRST, kind=Kind.TWO_FACTOR_REQUIRED)


class SessionExpiryMiddleware:
    """Ends a session after PARCOURS_SESSION_IDLE_MINUTES without activity, and in any case
    PARCOURS_SESSION_MAX_HOURS after it started."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        now = int(time.time())
        if "_auth_user_id" in session:
            started = session.setdefault(SESSION_STARTED_KEY, now)
            last = session.get(SESSION_ACTIVITY_KEY, now)
            idle = now - last > settings.SESSION_IDLE_MINUTES * 60
            too_old = now - started > settings.SESSION_MAX_HOURS * 3600
            if idle or too_old:
                session.flush()
                if request.method == "GET" and not request.path.startswith(("/api/", "/fhir/")):
                    query = urlencode({"expired": 1, "next": request.get_full_path()})
                    return redirect(f"{reverse(settings.LOGIN_URL)}?{query}")
            elif now - last >= ACTIVITY_RESOLUTION_SECONDS or SESSION_ACTIVITY_KEY not in session:
                session[SESSION_ACTIVITY_KEY] = now
        return self.get_response(request)


class BearerTokenMiddleware:
    """`Authorization: Bearer <token>` authenticates machine clients, without cookies or CSRF."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        request.auth_method = "session"  # type: ignore[attr-defined]
        if header[:7].lower() == "bearer ":
            user = api_token_authenticate(raw=header[7:].strip())
            if user is None and _is_fhir(request):
                return _fhir_refusal(request, 401)
            if user is None:
                return JsonResponse(
                    {"detail": str(TOKEN_REFUSED)},
                    status=401,
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
            request.user = user
            request._cached_user = user  # type: ignore[attr-defined]
            request.auth_method = "token"  # type: ignore[attr-defined]
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        return self.get_response(request)


class UserLanguageMiddleware:
    """A logged-in user's saved language wins over the browser's preference."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        language = getattr(user, "language", "") if user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", language)
        return response


TWO_FACTOR_EXEMPT_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz")


class TwoFactorMiddleware:
    """Administrators must enrol a second factor before doing anything else."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(request, "auth_method", "session") == "session"
            and not request.path.startswith(TWO_FACTOR_EXEMPT_PREFIXES)
            and user.requires_two_factor
            and not user.has_two_factor
        ):
            if _is_fhir(request):
                return _fhir_refusal(request, 403)
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": str(TWO_FACTOR_FIRST)}, status=403)
            messages.warning(
                request, _("Your role requires two-factor authentication. Please set it up now.")
            )
            return redirect(reverse("accounts:two_factor_setup"))
        return self.get_response(request)
