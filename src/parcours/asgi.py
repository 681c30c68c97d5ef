"""ASGI entry: WebSocket (live updates). Pages and JSON are served by WSGI workers.

This process also answers `parcours.live.PUBLISH_PATH`, where other processes of the same
server hand over live events when there is no Redis (docs/decisions/0006).
"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from parcours.live import (  # noqa: E402
    PUBLISH_PATH,
    LiveConsumer,
    Receive,
    Scope,
    Send,
    mark_websocket_process,
    publish_endpoint,
)

mark_websocket_process()

websocket_urlpatterns = [path("ws/live/", LiveConsumer.as_asgi())]


async def http_application(scope: Scope, receive: Receive, send: Send) -> None:
    if scope.get("path") == PUBLISH_PATH:
        await publish_endpoint(scope, receive, send)
    else:
        await django_asgi_app(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": http_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
