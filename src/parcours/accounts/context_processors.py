from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from parcours.accounts.navigation import items_for


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    roles: frozenset[str] = frozenset()
    if user is not None and user.is_authenticated:
        roles = user.roles
    return {
        "nav_items": items_for(roles, user) if roles else [],
        "user_roles": roles,
        "demo_mode": settings.DEMO,
        "websocket_port": settings.WEBSOCKET_PORT,
    }
