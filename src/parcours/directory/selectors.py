"""Directory reads: service and professional search, shared by the pages and the JSON API.

A search runs in three steps. (1) The database answers which services match every query term
and every indexed facet (FTS5 on SQLite, tsvector on PostgreSQL), with the SQL facets
(opening time, capacity) applied in the same query, in id order, capped at CANDIDATE_CAP rows:
counting or ranking every match of a common term is what makes full-text search slow (see
docs/benchmarks.md). (2) Python ranks those candidates the same way on both engines — by how
many query terms the name holds, then capacity, then id — or by distance. (3) The page's rows
are loaded with what the result shows, and each says why it matched.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from parcours.directory.calendars import is_public_holiday
from parcours.directory.documents import municipality_token
from parcours.directory.models import (
    HOLIDAY,
    TIME_ZONES,
    CapacityStatus,
    Closure,
    OpeningHours,
    Organisation,
    OrganisationType,
    Profession,
    Professional,
    ProfessionalRole,
    Referent,
    Service,
    TargetGroup,
)
from parcours.directory.text import (
    ParsedQuery,
    Term,
    facet_token,
    fts5_query,
    matched_words,
    normalise,
    parse_query,
    tsquery,
)
from parcours.i18n import localized
from parcours.territory.models import Municipality

CANDIDATE_CAP = 500
PAGE_SIZE_MAX = 100
ACCEPTING = (CapacityStatus.ACCEPTING, CapacityStatus.LIMITED)


class SearchError(ValueError):
    """A search parameter the user can fix (the message is translated)."""


@dataclass
class ServiceQuery:
    q: str = ""
    category: str = ""
    target_group: str = ""
    language: str = ""
    municipality: Municipality | None = None  # served
    open_at: datetime | None = None
    accepting: bool = False
    sort: Literal["relevance", "distance"] = "relevance"
    near: Municipality | None = None  # for the distance; defaults to `municipality`
    page: int = 1
    page_size: int = 20

    def validate(self) -> None:
        if self.category and self.category not in OrganisationType.values:
            raise SearchError(_("Unknown category."))
        if self.target_group and self.target_group not in TargetGroup.values:
            raise SearchError(_("Unknown target group."))
        if self.language and not self.language.isalpha():
            raise SearchError(_("Give a language as a two-letter code, e.g. fr or nl."))
        if self.sort not in ("relevance", "distance"):
            raise SearchError(_("Sort by relevance or by distance."))
        if self.sort == "distance" and (self.near or self.municipality) is None:
            raise SearchError(_("Choose a municipality to sort by distance."))
        if self.page < 1 or not 1 <= self.page_size <= PAGE_SIZE_MAX:
            raise SearchError(_("Page numbers start at 1; at most 100 results per page."))


@dataclass
class Reason:
    """One reason a result matched: a query term in some fields, or a facet."""

    label: str | Promise
    detail: str = ""


@dataclass
class ServiceHit:
    service: Service
    score: int
    distance_km: float | None
    reasons: list[Reason]


@dataclass
class SearchResult:
    hits: list[Any]
    total: int  # matches counted up to the cap
    capped: bool  # more than `total` matched
    page: int
    page_size: int
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    infix: bool = False  # words were matched inside longer words

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def municipality_lookup(value: str) -> Municipality:
    """A municipality from "BE:21009", "FR:59350" or a code that is unique across countries."""
    value = value.strip()
    cached = _MUNICIPALITIES.get(value)
    if cached is not None:
        return cached
    country, _sep, code = value.rpartition(":")
    found = Municipality.objects.filter(code=code)
    if country:
        found = found.filter(country=country.upper())
    candidates = list(found[:2])
    if len(candidates) != 1:
        raise SearchError(_("Unknown municipality: give it as BE:21009 or FR:59350."))
    if len(_MUNICIPALITIES) > 5000:  # reference data: a bounded per-process cache
        _MUNICIPALITIES.clear()
    _MUNICIPALITIES[value] = candidates[0]
    return candidates[0]


_MUNICIPALITIES: dict[str, Municipality] = {}


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def _match_sql(table: str, key: str, terms: list[Term], facets: list[str]) -> RawSQL:
    """ids whose document holds every term and facet token."""
    if connection.vendor == "postgresql":
        return RawSQL(  # noqa: S611 - fixed SQL, the query is a parameter
            f"SELECT {key} FROM directory_{table}document "  # noqa: S608 - fixed names
            "WHERE to_tsvector('simple'::regconfig, parcours_unaccent(body)) "
            "@@ to_tsquery('simple'::regconfig, %s)",
            (tsquery(terms, facets),),
        )
    return RawSQL(  # noqa: S611 - fixed SQL, the query is a parameter
        f"SELECT rowid FROM directory_{table}_fts WHERE directory_{table}_fts MATCH %s",  # noqa: S608
        (fts5_query(terms, facets),),
    )


def _infix_sql(word: str) -> RawSQL:
    """ids of services whose document holds `word` inside a longer word (trigram indexes)."""
    if connection.vendor == "postgresql":
        return RawSQL(
            "SELECT service_id FROM directory_servicedocument WHERE body LIKE %s",
            (f"%{word}%",),
        )
    return RawSQL("SELECT rowid FROM directory_service_trigram WHERE body LIKE %s", (f"%{word}%",))


def open_at_filter(moment: datetime) -> Q:
    """Services open at `moment` in their own time zone, public holidays and closures included."""
    condition = Q(pk__in=[])
    for country, zone in [*TIME_ZONES.items(), ("", "Europe/Brussels")]:
        local = timezone.localtime(moment, ZoneInfo(zone))
        day = HOLIDAY if country and is_public_holiday(country, local.date()) else local.weekday()
        minute = local.hour * 60 + local.minute
        hours = OpeningHours.objects.filter(
            service=OuterRef("pk"), day=day, opens__lte=minute, closes__gt=minute
        )
        closed = Closure.objects.filter(
            service=OuterRef("pk"), starts_on__lte=local.date(), ends_on__gte=local.date()
        )
        in_country = Q(country=country) if country else ~Q(country__in=list(TIME_ZONES))
        condition |= in_country & Q(Exists(hours)) & ~Q(Exists(closed))
    return condition


def _facet_tokens(query: ServiceQuery) -> list[str]:
    tokens = []
    if query.category:
        tokens.append(facet_token("cat", query.category))
    if query.target_group:
        tokens.append(facet_token("tg", query.target_group))
    if query.language:
        tokens.append(facet_token("lang", query.language.lower()))
    if query.municipality is not None:
        tokens.append(municipality_token(query.municipality.country, query.municipality.code))
    return tokens


def _word_exists(term: Term) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT 1 FROM directory_servicedocument WHERE to_tsvector('simple'::regconfig, "
                "parcours_unaccent(body)) @@ to_tsquery('simple'::regconfig, %s) LIMIT 1",
                [tsquery([term], [])],
            )
        else:
            cursor.execute(
                "SELECT 1 FROM directory_service_fts WHERE directory_service_fts MATCH %s LIMIT 1",
                [fts5_query([term], [])],
            )
        return cursor.fetchone() is not None


def _candidates(
    query: ServiceQuery, parsed: ParsedQuery, infix: bool, inside: list[Term] | None = None
) -> QuerySet[Service, Any]:
    services = Service.objects.filter(active=True)
    facets = _facet_tokens(query)
    terms = parsed.terms
    for word in inside or []:
        services = services.filter(id__in=_infix_sql(word.token))
    if terms or facets:
        services = services.filter(id__in=_match_sql("service", "service_id", terms, facets))
    if query.accepting:
        services = services.filter(capacity_status__in=ACCEPTING)
    if query.open_at is not None:
        services = services.filter(open_at_filter(query.open_at))
    return services.order_by("id").values(
        "id",
        "name",
        "category",
        "capacity_status",
        "latitude",
        "longitude",
        "target_groups",
        "languages",
    )[: CANDIDATE_CAP + 1]


def _name_score(parsed: ParsedQuery, name: dict[str, str]) -> int:
    text = normalise(" ".join(name.values()))
    return sum(3 for term in parsed.terms if matched_words(term, text))


CAPACITY_RANK = {"accepting": 2, "limited": 1, "waiting_list": 0, "full": -1, "": 0}


def search_services(query: ServiceQuery) -> SearchResult:
    query.validate()
    parsed = parse_query(query.q)
    rows = list(_candidates(query, parsed, infix=False))
    infix = False
    if not rows:
        # Only words found nowhere as a word start are looked for inside longer words: a query
        # that finds nothing because of its filters stays cheap.
        unknown = [t for t in parsed.terms if t.prefix and not _word_exists(t)]
        if unknown:
            known = [t for t in parsed.terms if t not in unknown]
            rows = list(_candidates(query, ParsedQuery(terms=known), infix=False, inside=unknown))
            infix = bool(rows)
    capped = len(rows) > CANDIDATE_CAP
    rows = rows[:CANDIDATE_CAP]
    origin = query.near or query.municipality
    distances: dict[int, float | None] = {}
    for row in rows:
        distance = None
        if origin and origin.latitude is not None and row["latitude"] is not None:
            distance = haversine_km(
                origin.latitude, origin.longitude or 0.0, row["latitude"], row["longitude"]
            )
        distances[row["id"]] = distance
    scores = {row["id"]: _name_score(parsed, row["name"]) for row in rows}
    if query.sort == "distance":
        rows.sort(key=lambda r: (distances[r["id"]] is None, distances[r["id"]] or 0, r["id"]))
    else:
        rows.sort(key=lambda r: (-scores[r["id"]], -CAPACITY_RANK[r["capacity_status"]], r["id"]))
    start = (query.page - 1) * query.page_size
    page_ids = [row["id"] for row in rows[start : start + query.page_size]]
    # One query for the page: what a result shows, without its hours (every result is open
    # at `open_at` by construction).
    services = {
        s.id: s
        for s in Service.objects.filter(id__in=page_ids).select_related(
            "organisation__parent", "capacity_updated_by"
        )
    }
    hits = [
        ServiceHit(
            service=services[i],
            score=scores[i],
            distance_km=distances[i],
            reasons=service_reasons(services[i], parsed, query),
        )
        for i in page_ids
        if i in services
    ]
    return SearchResult(
        hits=hits,
        total=len(rows),
        capped=capped,
        page=query.page,
        page_size=query.page_size,
        facets=_facet_counts(rows),
        infix=infix,
    )


def _facet_counts(rows: list[dict[str, Any]]) -> dict[str, list[tuple[str, str, int]]]:
    categories = Counter(row["category"] for row in rows)
    groups = Counter(g for row in rows for g in row["target_groups"])
    languages = Counter(lang for row in rows for lang in row["languages"])
    capacity = Counter(row["capacity_status"] or "unknown" for row in rows)
    labels_cat = dict(OrganisationType.choices)
    labels_tg = dict(TargetGroup.choices)
    labels_cap = {**dict(CapacityStatus.choices), "unknown": _("Not stated")}
    return {
        "category": [(k, str(labels_cat.get(k, k)), n) for k, n in categories.most_common()],
        "target_group": [(k, str(labels_tg.get(k, k)), n) for k, n in groups.most_common()],
        "language": [(k, k.upper(), n) for k, n in languages.most_common()],
        "capacity": [(k, str(labels_cap.get(k, k)), n) for k, n in capacity.most_common()],
    }


FIELD_LABELS = {
    "name": _("name"),
    "description": _("description"),
    "eligibility": _("eligibility"),
    "organisation": _("organisation"),
    "category": _("category"),
    "target_group": _("target group"),
    "area": _("municipalities served"),
}


def service_reasons(service: Service, parsed: ParsedQuery, query: ServiceQuery) -> list[Reason]:
    fields = {
        "name": " ".join(service.name.values()),
        "description": " ".join(service.description.values()),
        "eligibility": " ".join(service.eligibility.values()),
        "organisation": " ".join(
            [*service.organisation.name.values()]
            + ([*service.organisation.parent.name.values()] if service.organisation.parent else [])
        ),
    }
    normalised = {key: normalise(value) for key, value in fields.items()}
    reasons: list[Reason] = []
    for term in parsed.terms:
        where = [
            str(FIELD_LABELS[k]) for k, text in normalised.items() if matched_words(term, text)
        ]
        if term.concepts:
            if service.category in term.concepts or any(
                c in term.concepts for c in _implied(service.category)
            ):
                where.append(str(FIELD_LABELS["category"]))
            if set(service.target_groups) & set(term.concepts):
                where.append(str(FIELD_LABELS["target_group"]))
        reasons.append(
            Reason(
                label=_("“%(term)s” in %(fields)s")
                % {"term": term.text, "fields": ", ".join(dict.fromkeys(where)) or "—"},
                detail="synonym" if term.concepts else "word",
            )
        )
    if query.category:
        reasons.append(Reason(_("Category: %(value)s") % {"value": service.get_category_display()}))
    if query.target_group:
        label = TargetGroup(query.target_group).label
        reasons.append(Reason(_("For: %(value)s") % {"value": label}))
    if query.language:
        reasons.append(Reason(_("Speaks %(value)s") % {"value": query.language.upper()}))
    if query.municipality is not None:
        name = query.municipality.display_name
        reasons.append(Reason(_("Serves %(value)s") % {"value": name}))
    if query.open_at is not None:
        local = timezone.localtime(query.open_at, service.time_zone)
        reasons.append(Reason(_("Open on %(value)s") % {"value": local.strftime("%d/%m %H:%M")}))
    if query.accepting:
        reasons.append(
            Reason(_("Capacity: %(value)s") % {"value": service.get_capacity_status_display()})
        )
    return reasons


def _implied(category: str) -> tuple[str, ...]:
    from parcours.directory.documents import CATEGORY_IMPLIES

    return CATEGORY_IMPLIES.get(category, ())


# Professionals ---------------------------------------------------------------------------


@dataclass
class ProfessionalQuery:
    q: str = ""
    profession: str = ""
    language: str = ""
    municipality: Municipality | None = None
    accepting_new_patients: bool = False
    page: int = 1
    page_size: int = 20

    def validate(self) -> None:
        if self.profession and self.profession not in Profession.values:
            raise SearchError(_("Unknown profession."))
        if self.language and not self.language.isalpha():
            raise SearchError(_("Give a language as a two-letter code, e.g. fr or nl."))
        if self.page < 1 or not 1 <= self.page_size <= PAGE_SIZE_MAX:
            raise SearchError(_("Page numbers start at 1; at most 100 results per page."))


@dataclass
class ProfessionalHit:
    professional: Professional
    roles: list[ProfessionalRole]
    referent_for: list[Referent]
    reasons: list[Reason]


def search_professionals(query: ProfessionalQuery) -> SearchResult:
    query.validate()
    parsed = parse_query(query.q)
    facets = []
    if query.profession:
        facets.append(facet_token("prof", query.profession))
    if query.language:
        facets.append(facet_token("lang", query.language.lower()))
    if query.municipality is not None:
        facets.append(municipality_token(query.municipality.country, query.municipality.code))
    if query.accepting_new_patients:
        facets.append(facet_token("new", "patients"))
    people = Professional.objects.filter(active=True)
    if parsed.terms or facets:
        people = people.filter(
            id__in=_match_sql("professional", "professional_id", parsed.terms, facets)
        )
    rows = list(
        people.order_by("id").values("id", "given_name", "family_name")[: CANDIDATE_CAP + 1]
    )
    capped = len(rows) > CANDIDATE_CAP
    rows = rows[:CANDIDATE_CAP]
    scores = {
        r["id"]: sum(
            3
            for t in parsed.terms
            if matched_words(t, normalise(f"{r['given_name']} {r['family_name']}"))
        )
        for r in rows
    }
    rows.sort(key=lambda r: (-scores[r["id"]], normalise(r["family_name"]), r["id"]))
    start = (query.page - 1) * query.page_size
    page_ids = [r["id"] for r in rows[start : start + query.page_size]]
    found = {
        p.id: p
        for p in Professional.objects.filter(id__in=page_ids).prefetch_related(
            Prefetch(
                "roles",
                queryset=ProfessionalRole.objects.filter(active=True).select_related(
                    "organisation__parent"
                ),
            ),
            Prefetch(
                "referent_for", queryset=Referent.objects.select_related("organisation__parent")
            ),
        )
    }
    today = timezone.localdate()
    hits = []
    for pid in page_ids:
        person = found.get(pid)
        if person is None:
            continue
        referents = [r for r in person.referent_for.all() if r.is_current(today)]
        hits.append(
            ProfessionalHit(
                professional=person,
                roles=list(person.roles.all()),
                referent_for=referents,
                reasons=_professional_reasons(person, referents, parsed),
            )
        )
    return SearchResult(
        hits=hits, total=len(rows), capped=capped, page=query.page, page_size=query.page_size
    )


def _professional_reasons(
    person: Professional, referents: list[Referent], parsed: ParsedQuery
) -> list[Reason]:
    name = normalise(f"{person.given_name} {person.family_name} {person.specialty}")
    organisations = normalise(
        " ".join(
            text
            for role in person.roles.all()
            for org in (role.organisation, role.organisation.parent)
            if org is not None
            for text in org.name.values()
        )
    )
    reasons = []
    for term in parsed.terms:
        where = []
        if matched_words(term, name):
            where.append(str(_("name")))
        if matched_words(term, organisations):
            where.append(str(_("organisation")))
        if term.concepts and person.profession in term.concepts:
            where.append(str(_("profession")))
        if term.concepts and any(
            r.kind in term.concepts or "referent" in term.concepts for r in referents
        ):
            where.append(str(_("referent")))
        reasons.append(
            Reason(
                _("“%(term)s” in %(fields)s")
                % {"term": term.text, "fields": ", ".join(where) or "—"}
            )
        )
    return reasons


def service_detail(service_id: int) -> Service | None:
    return (
        Service.objects.filter(id=service_id)
        .select_related("organisation__parent", "location__municipality", "capacity_updated_by")
        .prefetch_related("areas", "opening_hours", "closures", "channels")
        .first()
    )


def organisation_detail(code: str) -> Organisation | None:
    return (
        Organisation.objects.filter(code=code)
        .select_related("parent", "municipality")
        .prefetch_related("identifiers", "channels", "children", "services")
        .first()
    )


def municipality_choices(extra: Iterable[Municipality] = ()) -> list[Municipality]:
    """Municipalities of the care areas, for the search form."""
    chosen = {m.id: m for m in Municipality.objects.filter(care_areas__isnull=False).distinct()}
    chosen.update({m.id: m for m in extra})
    return sorted(chosen.values(), key=lambda m: (m.country, normalise(m.display_name)))


def can_update_capacity(user: Any, service: Service) -> bool:
    """The service's own staff: an active membership in its organisation or the parent."""
    if not getattr(user, "is_authenticated", False):
        return False
    organisations = [service.organisation_id]
    if service.organisation.parent_id:
        organisations.append(service.organisation.parent_id)
    return bool(user.memberships.filter(active=True, organisation_id__in=organisations).exists())


def localized_name(value: dict[str, str]) -> str:
    return localized(value)
