"""`parcours worker` runs tasks and the outbox together; `parcours notifications …` by hand."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from parcours.accounts.tasks import send_email
from parcours.messaging.actions import notification_create, notification_preference_set
from parcours.messaging.models import OutboxMessage, OutboxStatus, WebhookEndpoint

# The worker closes its connection when it finishes: the data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


def notify(user) -> None:  # type: ignore[no-untyped-def]
    notification_create(
        recipient=user, kind="task.assigned", params={"actor": "Claire Dubois"}, link="/"
    )


def test_the_worker_runs_tasks_and_delivers_notifications(luc) -> None:  # type: ignore[no-untyped-def]
    notify(luc)
    send_email.enqueue(subject="Task", body="Body", to=["someone@example.invalid"])
    call_command("worker", "--batch", "--interval", "0")
    errors = list(OutboxMessage.objects.values_list("last_error", flat=True))
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {
        OutboxStatus.DELIVERED
    }, errors
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == ["Parcours : Tâche qui vous est confiée", "Task"]


def test_the_worker_can_leave_the_outbox_to_another_process(luc) -> None:  # type: ignore[no-untyped-def]
    notify(luc)
    call_command("worker", "--batch", "--interval", "0", "--no-outbox")
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.PENDING}
    call_command("notifications", "deliver", "--once", stdout=StringIO())
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.DELIVERED}


def test_status_shows_the_backlog_and_digest_writes_the_days_digests(luc) -> None:  # type: ignore[no-untyped-def]
    notification_preference_set(
        user=luc,
        kind="task.assigned",
        in_app=False,
        email=True,
        webhook=False,
        email_daily_digest=True,
    )
    notify(luc)
    out = StringIO()
    call_command("notifications", "status", stdout=out)
    assert "pending 0" in out.getvalue()
    out = StringIO()
    call_command("notifications", "digest", stdout=out)
    assert out.getvalue().startswith("1 ")
    out = StringIO()
    call_command("notifications", "status", stdout=out)
    assert "pending 1" in out.getvalue()


def test_webhook_add_registers_an_endpoint_and_prints_its_secret_once(luc) -> None:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command(
        "notifications",
        "webhook-add",
        "--organisation",
        "mm-test",
        "--url",
        "https://his.example.invalid/hook",
        "--kind",
        "transmission.received",
        stdout=out,
    )
    endpoint = WebhookEndpoint.objects.get()
    assert out.getvalue().strip() == endpoint.secret
    assert endpoint.kinds == ["transmission.received"]
    with pytest.raises(CommandError):
        call_command(
            "notifications", "webhook-add", "--organisation", "mm-test", "--url", "ftp://x/"
        )
