"""JSON API of the worklist: GET /api/worklist with the page's filters (same selector)."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from parcours.transitions.worklist import PAGE_SIZE, WorklistNotAllowed, worklist
from parcours.transitions.worklist_views import read_query

router = Router(tags=["worklist"])


class WorklistFilters(Schema):
    hospital: int | None = None
    ward: int | None = None
    referent: str = "anyone"
    flag: list[str] = []
    page: int = 1
    size: int = PAGE_SIZE


class FlagOut(Schema):
    code: str
    label: str


class WorklistRowOut(Schema):
    stay: int
    url: str
    patient: int
    patient_name: str
    status: str
    ward: str
    admitted_at: datetime
    expected_discharge_at: datetime | None
    days_in_hospital: int
    referent: str
    flags: list[FlagOut]
    overdue_items: int
    unreachable_services: list[str]
    liaison_letter_sent_at: datetime | None


class WorklistOut(Schema):
    hospital: int
    hospital_name: str
    page: int
    pages: int
    total: int
    results: list[WorklistRowOut]


@router.get("", response=WorklistOut, summary="The liaison team's worklist")
def worklist_api(request: HttpRequest, filters: Query[WorklistFilters]) -> WorklistOut:
    """Active stays of a hospital where you hold a hospital role, soonest discharge first.

    Filters: `hospital` (default: your first), `ward`, `referent` (anyone, me, none), `flag`
    (repeatable; a stay must carry every flag given), `page`, `size` (at most 200).
    """
    user = request.auth  # type: ignore[attr-defined]
    params = filters.dict()
    try:
        query = read_query(user, params)
        page = worklist(
            user=user,
            hospital=query.hospital,
            ward=query.ward,
            referent=query.referent,
            flags=query.flags,
            page=query.page,
            page_size=query.page_size,
        )
    except (Http404, WorklistNotAllowed) as exc:
        raise HttpError(404, _("No worklist for you.")) from exc
    results = []
    for row in page.rows:
        stay = row.stay
        referent = ""
        if stay.referent is not None:
            referent = stay.referent.get_full_name() or stay.referent.username
        results.append(
            WorklistRowOut(
                stay=stay.pk,
                url=reverse("transitions:stay", args=[stay.pk]),
                patient=stay.patient_id,
                patient_name=str(stay.patient.display_name),
                status=stay.status,
                ward=stay.ward.display_name if stay.ward else "",
                admitted_at=stay.admitted_at,
                expected_discharge_at=stay.expected_discharge_at,
                days_in_hospital=row.days_in_hospital,
                referent=referent,
                flags=[FlagOut(code=code, label=text) for code, text in row.badges],
                overdue_items=row.overdue_count,
                unreachable_services=row.unreachable_services,
                liaison_letter_sent_at=stay.liaison_letter_sent_at,
            )
        )
    return WorklistOut(
        hospital=page.hospital.pk,
        hospital_name=page.hospital.display_name,
        page=page.number,
        pages=page.num_pages,
        total=page.total,
        results=results,
    )
