"""After the demo users exist: link the story professionals to their accounts."""

from __future__ import annotations

from parcours.demo import DemoContext
from parcours.directory.demo_data import PEOPLE
from parcours.directory.models import Professional


def load(context: DemoContext) -> None:
    from parcours.accounts.models import User

    linked = 0
    for person in PEOPLE:
        if not person.user:
            continue
        user = User.objects.filter(username=person.user).first()
        if user is not None:
            linked += Professional.objects.filter(code=person.code).update(user=user)
    context.log(f"  professionals linked to demo accounts: {linked}")
