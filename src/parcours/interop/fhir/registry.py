"""The resource types the server knows, each registered by one module of `resources/`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from fhir.resources.R4B.resource import Resource as FhirModel

from parcours.interop.fhir.context import Context
from parcours.interop.fhir.errors import FhirError, Kind

Json = dict[str, Any]


@dataclass(frozen=True)
class SearchParam:
    """One search parameter: `to_q(ctx, values)` turns its comma-separated values (OR) into a
    filter; repeated parameters are AND-ed by the search operation."""

    name: str
    type: str  # FHIR search parameter type: string, token, date, reference
    description: str
    to_q: Callable[[Context, list[str], str], Q]  # (context, values, modifier)
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Include:
    """`_include=Source:param`: the resources a match points to, added with mode "include"."""

    param: str  # e.g. "practitioner"
    target: str  # the resource type it points to
    ids_of: Callable[[Sequence[Any]], set[int]]


@dataclass(frozen=True)
class Found:
    """A search's matches: the ordered queryset (paged by the operation) and the mapper."""

    queryset: QuerySet[Any]
    to_fhir: Callable[[Context, Any], Json]


@dataclass
class ResourceType:
    """What one module declares; the operations only use these callables.

    - `read(ctx, id)` returns the resource or raises FhirError 404;
    - `search(ctx, q)` returns Found for the filter built from the parameters; it applies
      access rules (and audits) for patient-linked data;
    - `create(ctx, resource)` / `update(ctx, id, resource)` call domain actions and return the
      new state; absent when the interaction is not supported (405).
    """

    name: str
    model: type[FhirModel]
    read: Callable[[Context, str], Json]
    search: Callable[[Context, Q], Found]
    search_params: dict[str, SearchParam] = field(default_factory=dict)
    includes: dict[str, Include] = field(default_factory=dict)
    create: Callable[[Context, Json], Json] | None = None
    update: Callable[[Context, str, Json], Json] | None = None
    documentation: str = ""

    @property
    def interactions(self) -> list[str]:
        names = ["read", "search-type"]
        if self.create is not None:
            names.append("create")
        if self.update is not None:
            names.append("update")
        return names


REGISTRY: dict[str, ResourceType] = {}


def register(resource: ResourceType) -> ResourceType:
    if resource.name in REGISTRY:
        raise ValueError(f"{resource.name} is registered twice")
    REGISTRY[resource.name] = resource
    return resource


def resource_type(name: str) -> ResourceType:
    from parcours.interop.fhir import resources  # noqa: F401  (registers the modules)

    found = REGISTRY.get(name)
    if found is None:
        raise FhirError(
            404,
            "not-supported",
            _("The resource type %(name)s is not supported.") % {"name": name[:64]},
            kind=Kind.UNSUPPORTED_TYPE,
        )
    return found


def all_types() -> list[ResourceType]:
    from parcours.interop.fhir import resources  # noqa: F401

    return sorted(REGISTRY.values(), key=lambda r: r.name)


def register_directory_type(
    *,
    name: str,
    model: type[FhirModel],
    queryset: QuerySet[Any],
    to_fhir: Callable[[Context, Any], Json],
    search_params: Sequence[SearchParam],
    includes: Sequence[Include] = (),
    distinct: bool = False,
    documentation: str = "",
) -> ResourceType:
    """Register a model-backed directory resource type: read and search over `queryset` (not
    patient-linked, so no access rule), mapped by `to_fhir`. `distinct` when a search
    parameter joins a many-valued relation (identifiers)."""

    def read(ctx: Context, resource_id: str) -> Json:
        return to_fhir(ctx, object_or_404(queryset, name, resource_id))

    def search(ctx: Context, q: Q) -> Found:
        matches = queryset.filter(q)
        return Found(matches.distinct() if distinct else matches, to_fhir)

    return register(
        ResourceType(
            name=name,
            model=model,
            read=read,
            search=search,
            search_params={param.name: param for param in search_params},
            includes={include.param: include for include in includes},
            documentation=documentation,
        )
    )


def object_or_404(queryset: QuerySet[Any], resource_type: str, resource_id: str) -> Model:
    from parcours.interop.fhir.errors import not_found

    if not resource_id.isdigit() or len(resource_id) > 18:
        raise not_found(resource_type, resource_id)
    found = queryset.filter(pk=int(resource_id)).first()
    if found is None:
        raise not_found(resource_type, resource_id)
    return found
