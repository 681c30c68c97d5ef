"""What the views of every app need from a request."""

from __future__ import annotations

from django.http import HttpRequest

from parcours.accounts.models import User


def request_user(request: HttpRequest) -> User:
    """The signed-in user of a page behind `login_required`."""
    assert isinstance(request.user, User)
    return request.user
