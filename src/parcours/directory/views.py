"""Directory pages: search, a service, an organisation, the two-click capacity update."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcours.directory import actions
from parcours.directory.forms import CapacityForm, SearchForm
from parcours.directory.models import CapacityStatus, OpeningHours
from parcours.directory.selectors import (
    SearchError,
    can_update_capacity,
    organisation_detail,
    search_professionals,
    search_services,
    service_detail,
)


@login_required
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    result = None
    kind = "services"
    if form.is_bound and form.is_valid():
        kind = form.cleaned_data.get("kind") or "services"
        try:
            query = form.service_query() if kind == "services" else form.professional_query()
            if not form.errors:
                result = (
                    search_services(query) if kind == "services" else search_professionals(query)  # type: ignore[arg-type]
                )
        except SearchError as exc:
            form.add_error(None, str(exc))
    base = request.GET.copy()
    base.pop("page", None)
    context = {
        "form": form,
        "result": result,
        "kind": kind,
        "page_query": urlencode([(k, v) for k, v in base.items() if v]),
        "now": timezone.now(),
    }
    return render(request, "directory/search.html", context)


def _service_context(request: HttpRequest, service_id: int) -> dict[str, object]:
    service = service_detail(service_id)
    if service is None or not service.active:
        raise Http404(_("This service does not exist."))
    days = {day: [] for day in OpeningHours.Day}  # type: ignore[var-annotated]
    for hours in service.opening_hours.all():
        days[OpeningHours.Day(hours.day)].append(hours)
    now = timezone.now()
    return {
        "service": service,
        "days": days.items(),
        "open_now": service.is_open_at(now),
        "next_opening": service.next_opening(now),
        "closures": [c for c in service.closures.all() if c.ends_on >= timezone.localdate()],
        "can_update": can_update_capacity(request.user, service),
        "capacity_form": CapacityForm(
            initial={
                "status": service.capacity_status or CapacityStatus.ACCEPTING,
                "waiting_list_length": service.waiting_list_length,
                "typical_wait_days": service.typical_wait_days,
            }
        ),
        "statuses": CapacityStatus.choices,
    }


@login_required
def service_page(request: HttpRequest, service_id: int) -> HttpResponse:
    return render(request, "directory/service.html", _service_context(request, service_id))


@login_required
@require_POST
def capacity_update(request: HttpRequest, service_id: int) -> HttpResponse:
    """Second click of the capacity update: the status button posts here (htmx or plain)."""
    context = _service_context(request, service_id)
    service = context["service"]
    form = CapacityForm(request.POST)
    status = 200
    if not context["can_update"]:
        return HttpResponse(_("Only the service's own staff can update its capacity."), status=403)
    if form.is_valid():
        actions.service_capacity_update(
            service=service,  # type: ignore[arg-type]
            status=form.cleaned_data["status"],
            waiting_list_length=form.cleaned_data.get("waiting_list_length"),
            typical_wait_days=form.cleaned_data.get("typical_wait_days"),
            author=request.user,  # type: ignore[arg-type]
        )
        context = _service_context(request, service_id)
        context["saved"] = True
    else:
        context["capacity_form"] = form
        status = 422
    template = (
        "directory/_capacity.html"
        if request.headers.get("HX-Request")
        else ("directory/service.html")
    )
    return render(request, template, context, status=status)


@login_required
def organisation_page(request: HttpRequest, code: str) -> HttpResponse:
    organisation = organisation_detail(code)
    if organisation is None:
        raise Http404(_("This organisation does not exist."))
    roles = organisation.professional_roles.filter(active=True).select_related("professional")
    context = {
        "organisation": organisation,
        "referents": organisation.current_referents(),
        "roles": roles[:50],
        "services": organisation.services.filter(active=True),
    }
    return render(request, "directory/organisation.html", context)
