from __future__ import annotations

from urllib.parse import quote

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from parcours.accounts import actions
from parcours.accounts.forms import CodeForm, LoginForm
from parcours.accounts.models import TOTPDevice, User
from parcours.accounts.navigation import ROLE_INTROS
from parcours.accounts.selectors import demo_accounts
from parcours.middleware import client_ip

PENDING_2FA_KEY = "parcours_2fa_pending_user"
PENDING_NEXT_KEY = "parcours_2fa_next"


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _complete_login(request: HttpRequest, user: User, next_url: str) -> HttpResponseRedirect:
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    # A language chosen with the switcher before logging in becomes the account's language.
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen in dict(settings.LANGUAGES):
        actions.user_set_language(user=user, language=chosen)
    return redirect(next_url)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request.POST or None)
    if request.method == "GET" and request.GET.get("expired"):
        messages.info(request, _("Your session has expired. Please log in again."))
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        remaining = actions.lockout_remaining(username=username)
        if remaining is not None:
            minutes = max(1, int(remaining.total_seconds() // 60) + 1)
            form.add_error(
                None,
                ngettext(
                    "Too many failed attempts. This account is locked for %(minutes)d more "
                    "minute. Try again later or reset your password.",
                    "Too many failed attempts. This account is locked for %(minutes)d more "
                    "minutes. Try again later or reset your password.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            return render(request, "accounts/login.html", _login_context(request, form), status=429)
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        actions.login_attempt_record(
            username=username, succeeded=user is not None, ip_address=client_ip(request)
        )
        if user is None:
            form.add_error(None, _("The username or password is incorrect."))
        else:
            assert isinstance(user, User)
            next_url = _safe_next(request)
            if user.has_two_factor:
                request.session.cycle_key()
                request.session[PENDING_2FA_KEY] = user.pk
                request.session[PENDING_NEXT_KEY] = next_url
                return redirect("accounts:two_factor_verify")
            return _complete_login(request, user, next_url)
    return render(request, "accounts/login.html", _login_context(request, form))


def _login_context(request: HttpRequest, form: LoginForm) -> dict[str, object]:
    return {
        "form": form,
        "next": request.GET.get("next", ""),
        "demo_accounts": demo_accounts() if settings.DEMO else [],
    }


@csrf_protect
@never_cache
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user_id = request.session.get(PENDING_2FA_KEY)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = TOTPDevice.objects.get(user=user, confirmed_at__isnull=False)
        if actions.totp_verify(device=device, code=form.cleaned_data["code"]):
            actions.login_attempt_record(
                username=user.username, succeeded=True, ip_address=client_ip(request)
            )
            next_url = request.session.get(PENDING_NEXT_KEY) or reverse("home")
            return _complete_login(request, user, next_url)
        actions.login_attempt_record(
            username=user.username, succeeded=False, ip_address=client_ip(request)
        )
        if actions.lockout_remaining(username=user.username) is not None:
            request.session.flush()
            messages.error(request, _("Too many failed attempts. This account is locked."))
            return redirect("accounts:login")
        form.add_error("code", _("This code is not valid. Check your device's clock and retry."))
    return render(request, "accounts/two_factor_verify.html", {"form": form})


@login_required
@csrf_protect
@never_cache
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if user.has_two_factor:
        messages.info(request, _("Two-factor authentication is already active on your account."))
        return redirect("home")
    form = CodeForm(request.POST or None)
    device = TOTPDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    if device is None or request.method == "GET":
        device = actions.totp_device_start(user=user)
    if request.method == "POST" and form.is_valid():
        if actions.totp_device_confirm(device=device, code=form.cleaned_data["code"]):
            messages.success(request, _("Two-factor authentication is now active."))
            return redirect("home")
        form.add_error("code", _("This code is not valid. Scan the code again and retry."))
    uri = f"otpauth://totp/Parcours:{quote(user.username)}?secret={device.secret}&issuer=Parcours"
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#111", light="#fff")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "secret": device.secret, "qr_svg": qr_svg},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You have been logged out."))
    return redirect("accounts:login")


@require_POST
@csrf_protect
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; remembered on the account when logged in."""
    language = request.POST.get("language", "")
    next_url = _safe_next(request)
    if language not in dict(settings.LANGUAGES):
        return redirect(next_url)
    if request.user.is_authenticated:
        assert isinstance(request.user, User)
        actions.user_set_language(user=request.user, language=language)
    response = redirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )
    return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    roles = [
        {"membership": membership, "intro": ROLE_INTROS.get(membership.role, "")}
        for membership in user.active_memberships()
    ]
    return render(request, "home.html", {"roles": roles})
