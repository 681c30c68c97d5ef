"""Background tasks of accounts, run by `parcours worker`."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django_tasks import task


@task(queue_name="default")
def send_email(*, subject: str, body: str, to: list[str], html_body: str = "") -> None:
    """Send one e-mail. Queued so that a slow or absent SMTP server never blocks a page."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html_body:
        message.attach_alternative(html_body, "text/html")
    message.send()
