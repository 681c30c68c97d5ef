"""The worklist page (`/worklist/`): thin, every read goes through `worklist.worklist`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _

from parcours.accounts.models import User
from parcours.directory.models import Organisation
from parcours.transitions.worklist import (
    DISCHARGED_DAYS,
    DISCHARGED_DAYS_MAX,
    DISCHARGED_DAYS_MIN,
    PAGE_SIZE,
    DischargedFlag,
    Flag,
    ReferentFilter,
    View,
    WorklistNotAllowed,
    clamp_days,
    discharged_worklist,
    worklist,
    worklist_hospitals,
    worklist_topic,
    worklist_wards,
)


@dataclass(frozen=True)
class WorklistQuery:
    """The filters of a worklist request, read from GET parameters (page and API alike)."""

    hospital: Organisation
    ward: Organisation | None
    referent: str
    flags: list[str]
    page: int
    page_size: int
    view: str = View.OPEN
    days: int = DISCHARGED_DAYS

    @property
    def discharged(self) -> bool:
        return self.view == View.DISCHARGED


def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def read_query(user: User, params: QueryDict | dict[str, Any]) -> WorklistQuery:
    """The hospital (first of the user's by default), ward, referent, flags and page asked for.

    Raises Http404 for a hospital or ward the user does not work in (same as unknown).
    """
    hospitals = worklist_hospitals(user)
    if not hospitals:
        raise Http404(_("No worklist for you."))
    hospital_id = _int(params.get("hospital"))
    hospital = next((h for h in hospitals if h.pk == hospital_id), None)
    if hospital_id is not None and hospital is None:
        raise Http404(_("No worklist for you."))
    hospital = hospital or hospitals[0]
    ward = None
    ward_id = _int(params.get("ward"))
    if ward_id is not None:
        ward = next((w for w in worklist_wards(hospital) if w.pk == ward_id), None)
        if ward is None:
            raise Http404(_("No such ward."))
    referent = params.get("referent") or ReferentFilter.ANYONE
    if referent not in ReferentFilter.values:
        referent = ReferentFilter.ANYONE
    if isinstance(params, QueryDict):
        flags = params.getlist("flag")
    else:
        raw = params.get("flag") or []
        flags = [raw] if isinstance(raw, str) else list(raw)
    view = params.get("view") or View.OPEN
    if view not in View.values:
        view = View.OPEN
    known = DischargedFlag.values if view == View.DISCHARGED else Flag.values
    flags = [f for f in flags if f in known]
    return WorklistQuery(
        view=view,
        days=clamp_days(params.get("days")),
        hospital=hospital,
        ward=ward,
        referent=referent,
        flags=flags,
        page=_int(params.get("page"), 1) or 1,
        page_size=_int(params.get("size"), PAGE_SIZE) or PAGE_SIZE,
    )


def _querystring(query: WorklistQuery, **overrides: Any) -> str:
    values: list[tuple[str, Any]] = [("hospital", query.hospital.pk)]
    view = overrides.get("view", query.view)
    if view == View.DISCHARGED:
        values.append(("view", view))
        if query.days != DISCHARGED_DAYS:
            values.append(("days", query.days))
    if query.ward is not None:
        values.append(("ward", query.ward.pk))
    if query.referent != ReferentFilter.ANYONE:
        values.append(("referent", query.referent))
    if view == query.view:
        values.extend(("flag", flag) for flag in query.flags)
    if query.page_size != PAGE_SIZE:
        values.append(("size", query.page_size))
    page = overrides.get("page", query.page if view == query.view else 1)
    if page and page != 1:
        values.append(("page", page))
    return urlencode(values)


def run_query(user: User, query: WorklistQuery) -> Any:
    """The page of the view asked for (`WorklistPage` or `DischargedPage`)."""
    common: dict[str, Any] = {
        "user": user,
        "hospital": query.hospital,
        "ward": query.ward,
        "referent": query.referent,
        "flags": query.flags,
        "page": query.page,
        "page_size": query.page_size,
    }
    if query.discharged:
        return discharged_worklist(days=query.days, **common)
    return worklist(**common)


DAY_CHOICES = (1, 2, 3, 7, 14, 30, DISCHARGED_DAYS_MAX)


@login_required
def worklist_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    query = read_query(user, request.GET)
    try:
        page = run_query(user, query)
    except WorklistNotAllowed as exc:
        raise Http404(_("No worklist for you.")) from exc
    context = {
        "page": page,
        "query": query,
        "hospitals": worklist_hospitals(user),
        "wards": worklist_wards(query.hospital),
        "flags": DischargedFlag.choices if query.discharged else Flag.choices,
        "views": View.choices,
        "day_choices": sorted({*DAY_CHOICES, query.days}),
        "days_min": DISCHARGED_DAYS_MIN,
        "days_max": DISCHARGED_DAYS_MAX,
        "open_qs": _querystring(query, view=View.OPEN),
        "discharged_qs": _querystring(query, view=View.DISCHARGED),
        "referents": ReferentFilter.choices,
        "topic": worklist_topic(query.hospital.pk),
        "querystring": _querystring(query, page=page.number),
        "previous_qs": _querystring(query, page=page.number - 1),
        "next_qs": _querystring(query, page=page.number + 1),
    }
    table = "_discharged_table.html" if query.discharged else "_table.html"
    if request.headers.get("HX-Request"):
        return render(request, f"transitions/worklist/{table}", context)
    context["table"] = f"transitions/worklist/{table}"
    return render(request, "transitions/worklist/page.html", context)
