"""Writes on accounts: users, memberships, login attempts, two-factor devices, API tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.accounts.models import ApiToken, LoginAttempt, Membership, Role, TOTPDevice, User
from parcours.directory.models import Organisation


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str,
    password: str,
    organisation: Organisation,
    role: str,
    first_name: str = "",
    last_name: str = "",
    language: str = "",
    check_password: bool = True,
) -> User:
    if role not in Role.values:
        raise ValidationError(_("Unknown role: %(role)s") % {"role": role})
    if User.objects.filter(username=username).exists():
        raise ValidationError(
            _("A user named %(username)s already exists.") % {"username": username}
        )
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        language=language,
        is_staff=role == Role.PLATFORM_ADMIN,
    )
    if check_password:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def membership_add(*, user: User, organisation: Organisation, role: str) -> Membership:
    membership, _created = Membership.objects.update_or_create(
        user=user, organisation=organisation, role=role, defaults={"active": True}
    )
    return membership


# Lockout -----------------------------------------------------------------------------------


def lockout_remaining(*, username: str, now: datetime | None = None) -> timedelta | None:
    """How long `username` stays locked, or None if it is not locked.

    Locked when the last LOGIN_FAILURE_LIMIT attempts inside the window all failed; the lock
    lasts the window counted from the last failure. A success resets the count.
    """
    now = now or timezone.now()
    window = timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    recent = list(
        LoginAttempt.objects.filter(username__iexact=username, at__gte=now - window)
        .order_by("-at")
        .values_list("succeeded", "at")[: settings.LOGIN_FAILURE_LIMIT]
    )
    if len(recent) < settings.LOGIN_FAILURE_LIMIT or any(ok for ok, _at in recent):
        return None
    last_failure = recent[0][1]
    return last_failure + window - now


def login_attempt_record(*, username: str, succeeded: bool, ip_address: str | None) -> None:
    LoginAttempt.objects.create(username=username, succeeded=succeeded, ip_address=ip_address)


# Two-factor --------------------------------------------------------------------------------


def totp_device_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed secret (replacing an unconfirmed one); confirmed devices stay."""
    TOTPDevice.objects.filter(user=user, confirmed_at__isnull=True).delete()
    return TOTPDevice.objects.create(user=user, secret=pyotp.random_base32())


def totp_verify(*, device: TOTPDevice, code: str, now: datetime | None = None) -> bool:
    """Check a code, accepting the neighbouring 30-second steps and refusing a replayed one."""
    code = "".join(code.split())
    if not code.isdigit() or len(code) != 6:
        return False
    totp = pyotp.TOTP(device.secret)
    moment = now or timezone.now()
    current = int(moment.timestamp()) // totp.interval
    for step in (current - 1, current, current + 1):
        if step <= device.last_used_step:
            continue
        if secrets.compare_digest(totp.at(step * totp.interval), code):
            TOTPDevice.objects.filter(pk=device.pk).update(last_used_step=step)
            device.last_used_step = step
            return True
    return False


def totp_device_confirm(*, device: TOTPDevice, code: str) -> bool:
    if not totp_verify(device=device, code=code):
        return False
    device.confirmed_at = timezone.now()
    device.save(update_fields=["confirmed_at"])
    return True


# API tokens --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str


def api_token_create(*, user: User, name: str = "") -> IssuedToken:
    """A new token; the raw value is returned once and never stored."""
    raw = ApiToken.PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name or _("API token"),
        digest=ApiToken.digest_of(raw),
    )
    return IssuedToken(token=token, raw=raw)


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def api_token_authenticate(*, raw: str) -> User | None:
    """The user behind a raw token, or None when it is unknown, revoked or its user inactive."""
    if not raw.startswith(ApiToken.PREFIX):
        return None
    token = (
        ApiToken.objects.usable()
        .select_related("user")
        .filter(digest=ApiToken.digest_of(raw))
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if not token.recently_used(now):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def user_set_language(*, user: User, language: str) -> None:
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
