"""Run against a Parcours database from another process: `python -m tests.messaging.remote CMD`.

The reliability tests start the worker as a real process; this module seeds notifications in
that process's database and reads the outbox back, the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta


def seed(count: int) -> list[str]:
    from parcours.accounts.models import Membership, User
    from parcours.directory.models import Organisation
    from parcours.messaging.actions import notification_create

    organisation, _ = Organisation.objects.get_or_create(
        code="mm-remote", defaults={"type": "health_centre", "name": {"fr": "MM"}}
    )
    user, _ = User.objects.get_or_create(
        username="luc", defaults={"email": "luc@example.invalid", "first_name": "Luc"}
    )
    Membership.objects.get_or_create(user=user, organisation=organisation, role="gp")
    keys = []
    for n in range(count):
        notification = notification_create(
            recipient=user,
            kind="transmission.received",
            params={"sender": "Claire Dubois"},
            link="/",
            key=f"seed-{n}",
        )
        keys.append(notification.key)
    return keys


def state() -> list[dict[str, object]]:
    from parcours.messaging.models import OutboxMessage
    from parcours.messaging.transports.email import message_id

    rows = []
    for row in OutboxMessage.objects.order_by("pk").prefetch_related("deliveries"):
        rows.append(
            {
                "key": row.idempotency_key,
                "channel": row.channel,
                "status": row.status,
                "attempts": row.attempts,
                "lease_owner": row.lease_owner,
                "message_id": message_id(row.idempotency_key),
                "outcomes": [d.outcome for d in row.deliveries.all()],
                "workers": [d.worker for d in row.deliveries.all()],
            }
        )
    return rows


def expire_leases() -> int:
    from django.utils import timezone

    from parcours.messaging.models import OutboxMessage, OutboxStatus

    past = timezone.now() - timedelta(seconds=1)
    return OutboxMessage.objects.filter(status=OutboxStatus.IN_FLIGHT).update(lease_until=past)


def make_due() -> int:
    from django.utils import timezone

    from parcours.messaging.models import OutboxMessage, OutboxStatus

    return OutboxMessage.objects.filter(status=OutboxStatus.FAILED).update(
        next_attempt_at=timezone.now()
    )


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")
    import django

    django.setup()
    command, *args = sys.argv[1:]
    if command == "seed":
        result: object = seed(int(args[0]))
    elif command == "state":
        result = state()
    elif command == "expire-leases":
        result = expire_leases()
    elif command == "make-due":
        result = make_due()
    else:
        raise SystemExit(f"unknown command {command}")
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main()
