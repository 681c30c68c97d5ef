"""search-type: GET /fhir/{type}?params, a searchset Bundle paged with _count and _offset."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.utils.translation import gettext as _

from parcours.interop.fhir.context import Context
from parcours.interop.fhir.errors import FhirError, Kind, invalid
from parcours.interop.fhir.registry import Json, ResourceType, resource_type

DEFAULT_COUNT = 20
MAX_COUNT = 100
# Accepted and without effect on the result: the answer is always JSON.
IGNORED = frozenset({"_format", "_pretty", "_totalMethod"})
CONTROL = frozenset({"_count", "_offset", "_include", "_summary", "_total"})


def _integer(params: Sequence[tuple[str, str]], name: str, default: int, maximum: int) -> int:
    values = [v for k, v in params if k == name]
    if not values:
        return default
    raw = values[-1].strip()
    if not raw.isdigit() or len(raw) > 9:
        raise invalid(_("%(name)s is a whole number, 0 or more.") % {"name": name}, [name])
    return min(int(raw), maximum)


def build_filter(ctx: Context, resource: ResourceType, params: Sequence[tuple[str, str]]) -> Q:
    q = Q()
    for key, value in params:
        if key in IGNORED or key in CONTROL:
            continue
        name, _sep, modifier = key.partition(":")
        param = resource.search_params.get(name)
        if param is None:
            raise FhirError(
                400,
                "not-supported",
                _("%(type)s has no search parameter %(name)s.")
                % {"type": resource.name, "name": key[:64]},
                kind=Kind.UNKNOWN_SEARCH_PARAMETER,
                expression=[key[:64]],
            )
        if modifier and modifier not in param.modifiers:
            raise FhirError(
                400,
                "not-supported",
                _("The modifier of %(name)s is not supported.") % {"name": key[:64]},
                kind=Kind.UNSUPPORTED_MODIFIER,
                expression=[key[:64]],
            )
        values = [v.strip() for v in value.split(",") if v.strip()]
        if not values:
            raise invalid(_("%(name)s needs a value.") % {"name": name}, [name])
        q &= param.to_q(ctx, values, modifier)
    return q


def _includes(resource: ResourceType, params: Sequence[tuple[str, str]]) -> list[tuple[str, Any]]:
    found = []
    for key, value in params:
        if key != "_include":
            continue
        source, _sep, rest = value.partition(":")
        name, _sep, target = rest.partition(":")
        include = resource.includes.get(name) if source == resource.name else None
        if include is not None and target and target != include.target:
            include = None
        if include is None:
            raise FhirError(
                400,
                "not-supported",
                _("_include=%(value)s is not supported.") % {"value": value[:64]},
                kind=Kind.UNSUPPORTED_INCLUDE,
                expression=["_include"],
            )
        found.append((name, include))
    return found


def search(ctx: Context, type_name: str, params: Sequence[tuple[str, str]]) -> Json:
    resource = resource_type(type_name)
    count = _integer(params, "_count", DEFAULT_COUNT, MAX_COUNT)
    offset = _integer(params, "_offset", 0, 10**9)
    summary = [v for k, v in params if k == "_summary"]
    if summary and summary[-1] != "count":
        raise FhirError(
            400,
            "not-supported",
            _("Only _summary=count is supported."),
            kind=Kind.UNSUPPORTED_SUMMARY,
            expression=["_summary"],
        )
    includes = _includes(resource, params)
    found = resource.search(ctx, build_filter(ctx, resource, params))
    total = found.queryset.values("pk").count()
    page = [] if summary or count == 0 else list(found.queryset[offset : offset + count])

    entries: list[Json] = []
    for obj in page:
        item = found.to_fhir(ctx, obj)
        entries.append(_entry(ctx, item, "match"))
    seen: set[tuple[str, str]] = set()
    for _name, include in includes:
        target = resource_type(include.target)
        wanted = include.ids_of(page)
        if not wanted:
            continue
        included = target.search(ctx, Q(pk__in=sorted(wanted)))
        for obj in included.queryset:
            item = included.to_fhir(ctx, obj)
            key = (item["resourceType"], item["id"])
            if key not in seen:
                seen.add(key)
                entries.append(_entry(ctx, item, "include"))

    kept = [(k, v) for k, v in params if k != "_offset"]
    links = [_link("self", ctx, type_name, kept, offset)]
    if not summary and count and offset + count < total:
        links.append(_link("next", ctx, type_name, kept, offset + count))
    if not summary and count and offset > 0:
        links.append(_link("previous", ctx, type_name, kept, max(offset - count, 0)))
    bundle: Json = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
    }
    if entries:
        bundle["entry"] = entries
    return bundle


def _entry(ctx: Context, item: Json, mode: str) -> Json:
    return {
        "fullUrl": ctx.url(item["resourceType"], item["id"]),
        "resource": item,
        "search": {"mode": mode},
    }


def _link(
    relation: str, ctx: Context, type_name: str, params: list[tuple[str, str]], offset: int
) -> Json:
    query = list(params)
    if offset:
        query.append(("_offset", str(offset)))
    url = f"{ctx.base}/{type_name}"
    if query:
        url += "?" + urlencode(query)
    return {"relation": relation, "url": url}
