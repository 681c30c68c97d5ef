"""Builders for search parameters: string, token, boolean, date and reference.

Values separated by commas are alternatives (OR). String searches are case-insensitive and
match the start of the text (`:contains` anywhere, `:exact` the whole text), as FHIR says.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from datetime import date

from django.db.models import Q
from django.utils.translation import gettext as _

from parcours.interop.fhir.context import Context
from parcours.interop.fhir.errors import invalid
from parcours.interop.fhir.registry import SearchParam

LANGUAGES = ("fr", "nl", "en", "de")
STRING_MODIFIERS = ("exact", "contains")


def _any(qs: list[Q]) -> Q:
    result = Q(pk__in=[])
    for q in qs:
        result |= q
    return result


def string_lookup(modifier: str) -> str:
    return {"exact": "iexact", "contains": "icontains"}.get(modifier, "istartswith")


def string(
    name: str, description: str, fields: Sequence[str], *, localized: Sequence[str] = ()
) -> SearchParam:
    """Text in plain `fields` or in per-language JSON `localized` fields."""

    def to_q(ctx: Context, values: list[str], modifier: str) -> Q:
        lookup = string_lookup(modifier)
        parts = []
        for value in values:
            for path in fields:
                parts.append(Q(**{f"{path}__{lookup}": value}))
            for path in localized:
                for language in LANGUAGES:
                    parts.append(Q(**{f"{path}__{language}__{lookup}": value}))
        return _any(parts)

    return SearchParam(name, "string", description, to_q, STRING_MODIFIERS)


def boolean(name: str, description: str, path: str) -> SearchParam:
    def to_q(ctx: Context, values: list[str], modifier: str) -> Q:
        parts = []
        for value in values:
            if value not in ("true", "false"):
                raise invalid(_("%(name)s is true or false.") % {"name": name}, [name])
            parts.append(Q(**{path: value == "true"}))
        return _any(parts)

    return SearchParam(name, "token", description, to_q)


def token(name: str, description: str, match: Callable[[str | None, str], Q | None]) -> SearchParam:
    """`system|value`, `|value` (no system), `value` (any system), `system|` (any value).

    `match(system, value)` returns the filter, or None when the system is not ours (no match);
    `system` is None when the client gave none, `value` "" when only the system was given.
    """

    def to_q(ctx: Context, values: list[str], modifier: str) -> Q:
        parts = []
        for raw in values:
            if "|" in raw:
                system, value = raw.split("|", 1)
            else:
                system, value = None, raw
            if not system and not value:
                raise invalid(_("%(name)s needs a value.") % {"name": name}, [name])
            q = match(system, value.strip())
            if q is not None:
                parts.append(q)
        return _any(parts)

    return SearchParam(name, "token", description, to_q)


def code(name: str, description: str, path: str, to_ours: dict[str, object]) -> SearchParam:
    """A coded element (status…): FHIR codes mapped to our values."""

    def match(system: str | None, value: str) -> Q | None:
        ours = to_ours.get(value)
        return Q(**{path: ours}) if ours is not None else None

    return token(name, description, match)


def reference(name: str, description: str, target: str, path: str) -> SearchParam:
    """`Target/123` or `123` (or an absolute URL ending with it)."""

    def to_q(ctx: Context, values: list[str], modifier: str) -> Q:
        parts = []
        for raw in values:
            pk = reference_id(raw, target)
            if pk is None:
                raise invalid(
                    _("%(name)s is a reference such as %(example)s.")
                    % {"name": name, "example": f"{target}/123"},
                    [name],
                )
            parts.append(Q(**{path: pk}))
        return _any(parts)

    return SearchParam(name, "reference", description, to_q)


def reference_id(raw: str, target: str) -> int | None:
    text = raw.strip().rstrip("/")
    if "/" in text:
        kind, _sep, number = text.rpartition("/")
        if kind.rsplit("/", 1)[-1] != target:
            return None
        text = number
    if not text.isdigit() or len(text) > 18:
        return None
    return int(text)


def ids_param() -> SearchParam:
    def to_q(ctx: Context, values: list[str], modifier: str) -> Q:
        numbers = [int(v) for v in values if v.isdigit() and len(v) <= 18]
        return Q(pk__in=numbers)

    return SearchParam("_id", "token", "Logical id of the resource.", to_q)


DATE_RE = re.compile(r"^(eq|ne|lt|gt|le|ge|sa|eb|ap)?(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def date_range(raw: str, name: str) -> tuple[str, date, date]:
    """The prefix and the first and last day a partial date (YYYY, YYYY-MM, YYYY-MM-DD) covers."""
    found = DATE_RE.match(raw)
    if found is None:
        raise invalid(
            _("%(name)s is a date such as 1944-02-14, 1944-02 or ge1944.") % {"name": name}, [name]
        )
    prefix, year_text, month_text, day_text = found.groups()
    try:
        year = int(year_text)
        if day_text:
            first = last = date(year, int(month_text), int(day_text))
        elif month_text:
            month = int(month_text)
            first = date(year, month, 1)
            last = date(year, month, calendar.monthrange(year, month)[1])
        else:
            first, last = date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        raise invalid(
            _("%(name)s: %(value)s is not a real date.") % {"name": name, "value": raw[:20]},
            [name],
        ) from None
    return prefix or "eq", first, last


def date_param(name: str, description: str, path: str) -> SearchParam:
    def to_q(ctx: Context, values: list[str], modifier: str) -> Q:
        parts = []
        for raw in values:
            prefix, first, last = date_range(raw, name)
            if prefix in ("eq", "ap"):
                parts.append(Q(**{f"{path}__gte": first, f"{path}__lte": last}))
            elif prefix == "ne":
                parts.append(~Q(**{f"{path}__gte": first, f"{path}__lte": last}))
            elif prefix in ("lt", "eb"):
                parts.append(Q(**{f"{path}__lt": first}))
            elif prefix in ("gt", "sa"):
                parts.append(Q(**{f"{path}__gt": last}))
            elif prefix == "le":
                parts.append(Q(**{f"{path}__lte": last}))
            else:  # ge
                parts.append(Q(**{f"{path}__gte": first}))
        return _any(parts)

    return SearchParam(name, "date", description, to_q)
