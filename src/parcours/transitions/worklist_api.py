"""JSON API of the worklist: GET /api/worklist with the page's filters (same selector)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from parcours.transitions.worklist import (
    DISCHARGED_DAYS,
    PAGE_SIZE,
    DischargedPage,
    WorklistNotAllowed,
    WorklistPage,
)
from parcours.transitions.worklist_views import read_query, run_query

router = Router(tags=["worklist"])


class WorklistFilters(Schema):
    hospital: int | None = None
    ward: int | None = None
    referent: str = "anyone"
    flag: list[str] = []
    page: int = 1
    size: int = PAGE_SIZE
    view: str = "open"
    days: int = DISCHARGED_DAYS


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


class DischargedRowOut(Schema):
    stay: int
    url: str
    patient: int
    patient_name: str
    ward: str
    discharged_at: datetime | None
    destination: str
    destination_label: str
    referent: str
    liaison_letter_sent_at: datetime | None
    letter: str
    letter_label: str
    open_follow_up_items: int
    overdue_follow_up_items: int
    readmitted_after_days: int | None
    flags: list[FlagOut]


class WorklistOut(Schema):
    view: str = "open"
    hospital: int
    hospital_name: str
    page: int
    pages: int
    total: int
    results: list[WorklistRowOut]


class DischargedOut(Schema):
    view: str = "discharged"
    days: int
    hospital: int
    hospital_name: str
    page: int
    pages: int
    total: int
    results: list[DischargedRowOut]


def _referent(stay: Any) -> str:
    if stay.referent is None:
        return ""
    return str(stay.referent.get_full_name() or stay.referent.username)


@router.get("", response=WorklistOut | DischargedOut, summary="The liaison team's worklist")
def worklist_api(
    request: HttpRequest, filters: Query[WorklistFilters]
) -> WorklistOut | DischargedOut:
    """Active stays of a hospital where you hold a hospital role, soonest discharge first.

    Filters: `hospital` (default: your first), `ward`, `referent` (anyone, me, none), `flag`
    (repeatable; a stay must carry every flag given), `page`, `size` (at most 200).
    `view=discharged`: stays discharged in the last `days` days (default 7, bounded to 1..60),
    newest first, with the liaison letter's timing (`letter`: before, after, missing) and the
    flags `letter_late`, `letter_missing`, `follow_up_overdue`, `readmitted`.
    """
    user = request.auth  # type: ignore[attr-defined]
    params = filters.dict()
    try:
        query = read_query(user, params)
        page = run_query(user, query)
    except (Http404, WorklistNotAllowed) as exc:
        raise HttpError(404, _("No worklist for you.")) from exc
    if isinstance(page, DischargedPage):
        return _discharged(page)
    return _open(page)


def _discharged(page: DischargedPage) -> DischargedOut:
    results = [
        DischargedRowOut(
            stay=row.stay.pk,
            url=reverse("transitions:stay", args=[row.stay.pk]),
            patient=row.stay.patient_id,
            patient_name=str(row.stay.patient.display_name),
            ward=row.stay.ward.display_name if row.stay.ward else "",
            discharged_at=row.stay.discharged_at,
            destination=row.stay.destination,
            destination_label=row.destination_label,
            referent=_referent(row.stay),
            liaison_letter_sent_at=row.stay.liaison_letter_sent_at,
            letter=row.letter,
            letter_label=row.letter_label,
            open_follow_up_items=row.open_items,
            overdue_follow_up_items=row.overdue_items,
            readmitted_after_days=row.readmission_days,
            flags=[FlagOut(code=code, label=text) for code, text in row.badges],
        )
        for row in page.rows
    ]
    return DischargedOut(
        days=page.days,
        hospital=page.hospital.pk,
        hospital_name=page.hospital.display_name,
        page=page.number,
        pages=page.num_pages,
        total=page.total,
        results=results,
    )


def _open(page: WorklistPage) -> WorklistOut:
    results = []
    for row in page.rows:
        stay = row.stay
        referent = _referent(stay)
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
