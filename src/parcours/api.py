"""The JSON API: one NinjaAPI, routers from each area, OpenAPI schema at /api/openapi.json."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security.base import AuthBase

from parcours.accounts.models import Role, User
from parcours.messaging.api import router as notifications_router
from parcours.transitions.api import router as screenings_router


def _no_response(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=204)


class SessionOrToken(AuthBase):
    """The user set by the session or the Bearer middleware; CSRF applies to cookie sessions."""

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __init__(self) -> None:
        super().__init__()
        self.openapi_bearerFormat = "opaque"

    def __call__(self, request: HttpRequest) -> User | None:
        user = request.user
        if not user.is_authenticated:
            return None
        unsafe = request.method not in ("GET", "HEAD", "OPTIONS", "TRACE")
        if unsafe and getattr(request, "auth_method", "session") == "session":
            check = CsrfViewMiddleware(_no_response)
            if check.process_view(request, _no_response, (), {}) is not None:
                raise HttpError(403, _("CSRF check failed."))
        assert isinstance(user, User)
        return user


api = NinjaAPI(
    title="Parcours API",
    version="1",
    description="JSON API of Parcours. Authenticate with a session cookie or a Bearer token.",
    auth=SessionOrToken(),
    urls_namespace="api",
)
api.add_router("/screenings/", screenings_router)
api.add_router("/notifications/", notifications_router)
api.add_router("/conversations/", "parcours.messaging.api.conversations_router")


api.add_router("/patients/", "parcours.patients.api.router")
api.add_router("/coordination/", "parcours.coordination.api.router")
api.add_router("/transmissions/", "parcours.messaging.transmission_api.router")
api.add_router("/stays/", "parcours.transitions.stays_api.router")
api.add_router("/followup/", "parcours.transitions.aftercare_api.router")
api.add_router("/worklist", "parcours.transitions.worklist_api.router")


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: Exception) -> Any:
    return api.create_response(request, {"detail": _("Authentication required.")}, status=401)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> Any:
    return api.create_response(
        request, {"detail": _("The request is not valid."), "errors": exc.errors}, status=422
    )


class MembershipOut(Schema):
    organisation: str
    organisation_name: str
    role: str
    role_label: str


class MeOut(Schema):
    username: str
    full_name: str
    language: str
    memberships: list[MembershipOut]


@api.get("/me", response=MeOut, tags=["accounts"], summary="The authenticated user")
def me(request: HttpRequest) -> MeOut:
    user = request.auth  # type: ignore[attr-defined]
    memberships = [
        MembershipOut(
            organisation=m.organisation.code,
            organisation_name=m.organisation.full_name,
            role=m.role,
            role_label=str(Role(m.role).label),
        )
        for m in user.active_memberships()
    ]
    return MeOut(
        username=user.username,
        full_name=user.get_full_name(),
        language=user.language or settings.LANGUAGE_CODE,
        memberships=memberships,
    )


from parcours.directory.api import router as directory_router  # noqa: E402

api.add_router("/directory/", directory_router)
