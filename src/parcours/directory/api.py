"""Directory JSON API, mounted at /api/directory/."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from parcours.directory import actions
from parcours.directory.models import CapacityStatus, OpeningHours, Service
from parcours.directory.selectors import (
    ProfessionalQuery,
    SearchError,
    ServiceHit,
    ServiceQuery,
    municipality_lookup,
    organisation_detail,
    search_professionals,
    search_services,
    service_detail,
)
from parcours.i18n import localized

router = Router(tags=["directory"])


class ServiceFilters(Schema):
    q: str = Field("", max_length=200, description="Free text, French, Dutch or English.")
    category: str = Field("", description="Organisation type code, e.g. home_nursing.")
    target_group: str = Field("", description="e.g. geriatrics, addiction, lgbtqia.")
    language: str = Field("", max_length=3, description="Language spoken, e.g. nl.")
    municipality: str = Field("", description="Municipality served, e.g. BE:21009.")
    open_at: datetime | None = Field(None, description="Open at this moment (ISO 8601).")
    accepting: bool = Field(False, description="Only services accepting or with limited room.")
    sort: Literal["relevance", "distance"] = "relevance"
    near: str = Field("", description="Municipality to measure distance from (default: served).")
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=100)


class ReasonOut(Schema):
    label: str
    detail: str


class CapacityOut(Schema):
    status: str
    status_label: str
    waiting_list_length: int | None
    typical_wait_days: int | None
    updated_at: datetime | None
    updated_by: str
    stale: bool


class ServiceSummary(Schema):
    id: int
    code: str | None
    name: str
    organisation: str
    organisation_code: str
    category: str
    category_label: str
    languages: list[str]
    target_groups: list[str]
    capacity: CapacityOut
    distance_km: float | None
    open_at_requested: bool | None
    why: list[ReasonOut]


class FacetValue(Schema):
    value: str
    label: str
    count: int


class ServiceSearchOut(Schema):
    total: int
    capped: bool = Field(description="True when more results matched than `total` counts.")
    page: int
    pages: int
    infix: bool
    results: list[ServiceSummary]
    facets: dict[str, list[FacetValue]]


def _capacity(service: Service) -> CapacityOut:
    author = service.capacity_updated_by
    return CapacityOut(
        status=service.capacity_status,
        status_label=str(service.get_capacity_status_display()) if service.capacity_status else "",
        waiting_list_length=service.waiting_list_length,
        typical_wait_days=service.typical_wait_days,
        updated_at=service.capacity_updated_at,
        updated_by=author.get_full_name() if author else "",
        stale=service.capacity_is_stale,
    )


def _summary(hit: ServiceHit, open_at: datetime | None) -> ServiceSummary:
    service = hit.service
    return ServiceSummary(
        id=service.id,
        code=service.code,
        name=service.display_name,
        organisation=service.organisation.full_name,
        organisation_code=service.organisation.code,
        category=service.category,
        category_label=str(service.get_category_display()),
        languages=service.languages,
        target_groups=service.target_groups,
        capacity=_capacity(service),
        distance_km=round(hit.distance_km, 2) if hit.distance_km is not None else None,
        # Search results filtered on open_at are open then by construction.
        open_at_requested=True if open_at else None,
        why=[ReasonOut(label=str(r.label), detail=r.detail) for r in hit.reasons],
    )


def _municipality(value: str) -> object:
    return municipality_lookup(value) if value else None


@router.get(
    "/services",
    response=ServiceSearchOut,
    summary="Search services",
    description="Full-text (accent- and case-insensitive, FR/NL/EN synonyms) and facets. "
    "Each result says why it matched. Invalid parameters give 422 with a message.",
)
def services_search(request: HttpRequest, filters: Query[ServiceFilters]) -> ServiceSearchOut:
    try:
        open_at = filters.open_at
        if open_at is not None and timezone.is_naive(open_at):
            open_at = timezone.make_aware(open_at)
        query = ServiceQuery(
            q=filters.q,
            category=filters.category,
            target_group=filters.target_group,
            language=filters.language.lower(),
            municipality=_municipality(filters.municipality),  # type: ignore[arg-type]
            open_at=open_at,
            accepting=filters.accepting,
            sort=filters.sort,
            near=_municipality(filters.near),  # type: ignore[arg-type]
            page=filters.page,
            page_size=filters.page_size,
        )
        result = search_services(query)
    except SearchError as exc:
        raise HttpError(422, str(exc)) from None
    return ServiceSearchOut(
        total=result.total,
        capped=result.capped,
        page=result.page,
        pages=result.pages,
        infix=result.infix,
        results=[_summary(hit, open_at) for hit in result.hits],
        facets={
            name: [FacetValue(value=v, label=label, count=n) for v, label, n in values]
            for name, values in result.facets.items()
        },
    )


class HoursOut(Schema):
    day: int
    day_label: str
    opens: str
    closes: str


class ClosureOut(Schema):
    starts_on: date
    ends_on: date
    reason: str


class ChannelOut(Schema):
    kind: str
    value: str
    secure: bool


class ServiceOut(ServiceSummary):
    description: str
    eligibility: str
    fees: str
    referral: str
    municipalities_served: list[str]
    opening_hours: list[HoursOut]
    closures: list[ClosureOut]
    channels: list[ChannelOut]
    open_now: bool


@router.get("/services/{service_id}", response=ServiceOut, summary="One service")
def service_get(request: HttpRequest, service_id: int) -> ServiceOut:
    service = service_detail(service_id)
    if service is None or not service.active:
        raise HttpError(404, _("This service does not exist."))
    summary = _summary(ServiceHit(service=service, score=0, distance_km=None, reasons=[]), None)
    return ServiceOut(
        **summary.dict(),
        description=localized(service.description),
        eligibility=localized(service.eligibility),
        fees=localized(service.fees),
        referral=localized(service.referral),
        municipalities_served=[f"{m.country}:{m.code}" for m in service.areas.all()],
        opening_hours=[
            HoursOut(
                day=h.day,
                day_label=str(OpeningHours.Day(h.day).label),
                opens=h.opens_label,
                closes=h.closes_label,
            )
            for h in service.opening_hours.all()
        ],
        closures=[
            ClosureOut(starts_on=c.starts_on, ends_on=c.ends_on, reason=localized(c.reason))
            for c in service.closures.all()
        ],
        channels=[
            ChannelOut(kind=c.kind, value=c.value, secure=c.is_secure)
            for c in service.channels.all()
        ],
        open_now=service.is_open_at(timezone.now()),
    )


class CapacityIn(Schema):
    status: Literal["accepting", "limited", "full", "waiting_list"]
    waiting_list_length: int | None = Field(None, ge=0)
    typical_wait_days: int | None = Field(None, ge=0)


@router.post(
    "/services/{service_id}/capacity",
    response=CapacityOut,
    summary="State a service's capacity (its own staff only)",
)
def service_capacity(request: HttpRequest, service_id: int, body: CapacityIn) -> CapacityOut:
    service = get_object_or_404(Service.objects.select_related("organisation"), id=service_id)
    try:
        actions.service_capacity_update(
            service=service,
            status=CapacityStatus(body.status),
            waiting_list_length=body.waiting_list_length,
            typical_wait_days=body.typical_wait_days,
            author=request.auth,  # type: ignore[attr-defined]
        )
    except actions.CapacityUpdateRefused as exc:
        raise HttpError(403, str(exc)) from None
    service.refresh_from_db()
    return _capacity(service)


class ProfessionalFilters(Schema):
    q: str = Field("", max_length=200)
    profession: str = ""
    language: str = Field("", max_length=3)
    municipality: str = ""
    accepting_new_patients: bool = False
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=100)


class RoleOut(Schema):
    organisation: str
    organisation_code: str
    accepting_new_patients: bool
    phone: str
    email: str


class ReferentOut(Schema):
    kind: str
    kind_label: str
    organisation: str
    organisation_code: str
    starts_on: date
    ends_on: date | None


class ProfessionalOut(Schema):
    id: int
    name: str
    profession: str
    profession_label: str
    specialty: str
    languages: list[str]
    rpps: str
    riziv: str
    roles: list[RoleOut]
    referent_for: list[ReferentOut]
    why: list[ReasonOut]


class ProfessionalSearchOut(Schema):
    total: int
    capped: bool
    page: int
    pages: int
    results: list[ProfessionalOut]


@router.get("/professionals", response=ProfessionalSearchOut, summary="Search professionals")
def professionals_search(
    request: HttpRequest, filters: Query[ProfessionalFilters]
) -> ProfessionalSearchOut:
    try:
        result = search_professionals(
            ProfessionalQuery(
                q=filters.q,
                profession=filters.profession,
                language=filters.language.lower(),
                municipality=_municipality(filters.municipality),  # type: ignore[arg-type]
                accepting_new_patients=filters.accepting_new_patients,
                page=filters.page,
                page_size=filters.page_size,
            )
        )
    except SearchError as exc:
        raise HttpError(422, str(exc)) from None
    return ProfessionalSearchOut(
        total=result.total,
        capped=result.capped,
        page=result.page,
        pages=result.pages,
        results=[
            ProfessionalOut(
                id=hit.professional.id,
                name=str(hit.professional),
                profession=hit.professional.profession,
                profession_label=str(hit.professional.get_profession_display()),
                specialty=hit.professional.specialty,
                languages=hit.professional.languages,
                rpps=hit.professional.rpps,
                riziv=hit.professional.riziv,
                roles=[
                    RoleOut(
                        organisation=r.organisation.full_name,
                        organisation_code=r.organisation.code,
                        accepting_new_patients=r.accepting_new_patients,
                        phone=r.phone,
                        email=r.email,
                    )
                    for r in hit.roles
                ],
                referent_for=[
                    ReferentOut(
                        kind=r.kind,
                        kind_label=str(r.get_kind_display()),
                        organisation=r.organisation.full_name,
                        organisation_code=r.organisation.code,
                        starts_on=r.starts_on,
                        ends_on=r.ends_on,
                    )
                    for r in hit.referent_for
                ],
                why=[ReasonOut(label=str(x.label), detail=x.detail) for x in hit.reasons],
            )
            for hit in result.hits
        ],
    )


class OrganisationOut(Schema):
    code: str
    name: str
    type: str
    type_label: str
    parent: str | None
    country: str
    identifiers: dict[str, str]
    referents: list[ReferentOut]
    services: list[int]


@router.get("/organisations/{code}", response=OrganisationOut, summary="One organisation")
def organisation_get(request: HttpRequest, code: str) -> OrganisationOut:
    organisation = organisation_detail(code)
    if organisation is None:
        raise HttpError(404, _("This organisation does not exist."))
    return OrganisationOut(
        code=organisation.code,
        name=organisation.display_name,
        type=organisation.type,
        type_label=str(organisation.get_type_display()),
        parent=organisation.parent.code if organisation.parent else None,
        country=organisation.country,
        identifiers={i.kind: i.value for i in organisation.identifiers.all()},
        referents=[
            ReferentOut(
                kind=r.kind,
                kind_label=str(r.get_kind_display()),
                organisation=organisation.full_name,
                organisation_code=organisation.code,
                starts_on=r.starts_on,
                ends_on=r.ends_on,
            )
            for r in organisation.current_referents()
        ],
        services=[s.id for s in organisation.services.all() if s.active],
    )
