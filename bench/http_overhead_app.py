"""WSGI entry for bench/http_overhead.py: Parcours as served, plus a bare Django view.

Requests under /bench/bare/ go to a Django handler with no middleware at all and a plain view
that does the same database work as /api/me (find the token's user by digest, read the
memberships) and returns the same JSON; everything else goes to Parcours' normal application.
The difference is what the framework adds: middleware, API routing, schema, auth plumbing.
Both run in the same worker processes: same server, interpreter and load.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse, JsonResponse

parcours_app = get_wsgi_application()


def bare_view(request: HttpRequest) -> HttpResponse:
    from parcours.accounts.models import ApiToken, Membership

    raw = request.META.get("HTTP_AUTHORIZATION", "")[7:]
    token = ApiToken.objects.select_related("user").get(digest=ApiToken.digest_of(raw))
    user = token.user
    memberships = Membership.objects.filter(user=user, active=True).select_related("organisation")
    return JsonResponse(
        {
            "username": user.username,
            "full_name": user.get_full_name(),
            "language": user.language or "fr",
            "memberships": [
                {
                    "organisation": m.organisation.code,
                    "organisation_name": m.organisation.display_name,
                    "role": m.role,
                    "role_label": str(m.get_role_display()),
                }
                for m in memberships
            ],
        }
    )


class BareHandler(WSGIHandler):
    """Django's WSGI handler without middleware, answering one view."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response)

    def _get_response(self, request: HttpRequest) -> HttpResponse:
        return bare_view(request)


bare_app = BareHandler()


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("PATH_INFO", "").startswith("/bench/bare/"):
        return bare_app(environ, start_response)
    return parcours_app(environ, start_response)
