"""Password change and reset by e-mail, through HTTP."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

# The worker closes its database connection when it finishes, as in production: the tests that
# run it need committed data rather than the test's surrounding transaction.
with_worker = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a brand new passphrase 2026"


@with_worker
def test_reset_by_email_end_to_end(client: Client, claire) -> None:  # type: ignore[no-untyped-def]
    response = client.post(reverse("accounts:password_reset"), {"email": claire.email})
    assert response.status_code == 302
    assert mail.outbox == [], "the e-mail is queued for the worker, not sent by the page"
    call_command("worker", "--batch", "--interval", "0")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [claire.email]
    assert message.subject == "Parcours : réinitialiser votre mot de passe"
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)  # type: ignore[union-attr]
    form = client.get(link, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    claire.refresh_from_db()
    assert claire.check_password(NEW_PASSWORD)
    assert client.get(link, follow=True).context["validlink"] is False, "a link works once"


@with_worker
def test_unknown_address_gets_the_same_answer_and_no_mail(client: Client) -> None:
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.invalid"})
    assert response.status_code == 302
    call_command("worker", "--batch", "--interval", "0")
    assert mail.outbox == []


def test_password_change_needs_the_old_password(client: Client, claire) -> None:  # type: ignore[no-untyped-def]
    client.force_login(claire)
    url = reverse("accounts:password_change")
    wrong = client.post(
        url,
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert wrong.status_code == 200
    assert "old_password" in wrong.context["form"].errors
    good = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert good.status_code == 302
    claire.refresh_from_db()
    assert claire.check_password(NEW_PASSWORD)


@with_worker
def test_reset_email_is_written_in_the_account_language(client: Client, claire) -> None:  # type: ignore[no-untyped-def]
    claire.language = "nl"
    claire.save()
    client.post(reverse("accounts:password_reset"), {"email": claire.email})
    call_command("worker", "--batch", "--interval", "0")
    assert mail.outbox[0].subject == "Parcours: uw wachtwoord opnieuw instellen"
