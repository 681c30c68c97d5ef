"""Pages: the user's notifications (unread first, live refresh) and their preferences."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcours.accounts.http import request_user
from parcours.messaging import actions, selectors
from parcours.messaging.models import Notification

PAGE_SIZE = 50


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    context = {
        "notifications": selectors.inbox(user)[:PAGE_SIZE],
        "unread": selectors.unread_count(user),
    }
    template = "messaging/notifications.html"
    if request.headers.get("HX-Request"):
        template = "messaging/_notification_list.html"
    return render(request, template, context)


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    raw = request.POST.getlist("notification")
    ids = [int(value) for value in raw if value.isdigit()] if raw else None
    actions.notification_mark_read(user=user, notification_ids=ids)
    if request.headers.get("HX-Request"):
        return notifications(request)
    return redirect("messaging:notifications")


@login_required
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark read, then go where the notification points (links in e-mails come here)."""
    user = request_user(request)
    notification = Notification.objects.filter(pk=pk, recipient=user).first()
    if notification is None:
        raise Http404(_("This notification does not exist."))
    actions.notification_mark_read(user=user, notification_ids=[notification.pk])
    target = notification.link
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect("messaging:notifications")
    return redirect(target)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    current = selectors.preferences_of(user)
    if request.method == "POST":
        for preference in current:
            code = preference.kind.code
            actions.notification_preference_set(
                user=user,
                kind=code,
                in_app=f"{code}:in_app" in request.POST,
                email=f"{code}:email" in request.POST,
                webhook=f"{code}:webhook" in request.POST,
                email_daily_digest=f"{code}:digest" in request.POST,
            )
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("messaging:preferences")
    return render(request, "messaging/preferences.html", {"preferences": current})
