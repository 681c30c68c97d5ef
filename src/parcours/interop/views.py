from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcours.interop.access import (
    can_see_error_queue,
    raw_visible_source_ids,
    visible_messages,
    visible_sources,
)
from parcours.interop.actions import NotReplayable, inbound_message_replay
from parcours.interop.models import InboundStatus
from parcours.interop.selectors import error_queue

PAGE_SIZE = 25


def _source_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@login_required
def hl7_errors(request: HttpRequest) -> HttpResponse:
    if not can_see_error_queue(request.user):  # type: ignore[arg-type]
        raise PermissionDenied
    sources = visible_sources(request.user)  # type: ignore[arg-type]
    source_id = _source_id(request.GET.get("source"))
    status = request.GET.get("status", "")
    queue = error_queue(visible_messages(request.user), source_id=source_id, status=status)  # type: ignore[arg-type]
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "interop/hl7_errors.html",
        {
            "page": page,
            "sources": sources,
            "statuses": [(s, InboundStatus(s).label) for s in InboundStatus.error_queue()],
            "selected_source": source_id,
            "selected_status": status,
            "raw_sources": raw_visible_source_ids(request.user),  # type: ignore[arg-type]
        },
    )


@login_required
@require_POST
def hl7_replay(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    if not can_see_error_queue(request.user):  # type: ignore[arg-type]
        raise PermissionDenied
    message = visible_messages(request.user).filter(pk=pk).first()  # type: ignore[arg-type]
    if message is None:
        raise Http404
    try:
        replayed = inbound_message_replay(message=message)
    except NotReplayable:
        messages.error(request, _("This message cannot be replayed."))
    else:
        if replayed.ack_code == "AA":
            messages.success(
                request,
                _("Message %(control_id)s was replayed and accepted.")
                % {"control_id": replayed.control_id},
            )
        else:
            messages.warning(
                request,
                _("Message %(control_id)s was replayed and refused again: %(reason)s")
                % {"control_id": replayed.control_id, "reason": replayed.reason},
            )
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(back)
    return redirect(reverse("interop:hl7_errors"))
