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
    PAGE_SIZE,
    Flag,
    ReferentFilter,
    WorklistNotAllowed,
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
    flags = [f for f in flags if f in Flag.values]
    return WorklistQuery(
        hospital=hospital,
        ward=ward,
        referent=referent,
        flags=flags,
        page=_int(params.get("page"), 1) or 1,
        page_size=_int(params.get("size"), PAGE_SIZE) or PAGE_SIZE,
    )


def _querystring(query: WorklistQuery, **overrides: Any) -> str:
    values: list[tuple[str, Any]] = [("hospital", query.hospital.pk)]
    if query.ward is not None:
        values.append(("ward", query.ward.pk))
    if query.referent != ReferentFilter.ANYONE:
        values.append(("referent", query.referent))
    values.extend(("flag", flag) for flag in query.flags)
    if query.page_size != PAGE_SIZE:
        values.append(("size", query.page_size))
    page = overrides.get("page", query.page)
    if page and page != 1:
        values.append(("page", page))
    return urlencode(values)


@login_required
def worklist_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    query = read_query(user, request.GET)
    try:
        page = worklist(
            user=user,
            hospital=query.hospital,
            ward=query.ward,
            referent=query.referent,
            flags=query.flags,
            page=query.page,
            page_size=query.page_size,
        )
    except WorklistNotAllowed as exc:
        raise Http404(_("No worklist for you.")) from exc
    context = {
        "page": page,
        "query": query,
        "hospitals": worklist_hospitals(user),
        "wards": worklist_wards(query.hospital),
        "flags": Flag.choices,
        "referents": ReferentFilter.choices,
        "topic": worklist_topic(query.hospital.pk),
        "querystring": _querystring(query, page=page.number),
        "previous_qs": _querystring(query, page=page.number - 1),
        "next_qs": _querystring(query, page=page.number + 1),
    }
    if request.headers.get("HX-Request"):
        return render(request, "transitions/worklist/_table.html", context)
    return render(request, "transitions/worklist/page.html", context)
