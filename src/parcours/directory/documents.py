"""Build the denormalised search documents of services and professionals."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q
from django.utils import timezone

from parcours.directory.models import (
    Organisation,
    Professional,
    ProfessionalDocument,
    ProfessionalRole,
    Referent,
    Service,
    ServiceDocument,
)
from parcours.directory.text import concept_token, document, facet_token
from parcours.territory.models import Municipality

# A service of this category also answers to these concepts ("infirmière" finds home nursing).
CATEGORY_IMPLIES: dict[str, tuple[str, ...]] = {
    "home_nursing": ("nurse",),
    "ssiad": ("nurse", "home_nursing"),
    "gp_practice": ("gp",),
    "health_centre": ("gp", "gp_practice"),
    "pharmacy": ("pharmacist",),
    "physiotherapy": ("physiotherapist",),
    "health_mediation": ("health_mediator",),
    "social_action_centre": ("social_worker",),
    "home_help": ("home_helper",),
    "cure_post_cure": ("addiction_service", "addiction"),
    "addiction_service": ("addiction",),
    "mental_health_mobile_team": ("psychiatry",),
    "nursing_home": ("geriatrics",),
    "dac": ("complex_pathway", "coordinator"),
    "home_care_coordination": ("coordinator",),
}


def _texts(value: Mapping[str, str] | None) -> list[str]:
    return [text for text in (value or {}).values() if text]


def organisation_texts(organisation: Organisation) -> list[str]:
    texts = _texts(organisation.name)
    if organisation.parent_id and organisation.parent is not None:
        texts += _texts(organisation.parent.name)
    return texts


def municipality_token(country: str, code: str) -> str:
    return facet_token("m", f"{country}{code}")


def service_body(service: Service, areas: list[Municipality] | None = None) -> str:
    """Names, descriptions and eligibility in every language, the organisation, the areas."""
    if areas is None:
        areas = list(service.areas.all())
    parts = [
        *_texts(service.name),
        *_texts(service.description),
        *_texts(service.eligibility),
        *organisation_texts(service.organisation),
        *(text for area in areas for text in _texts(area.name)),
    ]
    concepts = {service.category, *service.target_groups}
    concepts.update(CATEGORY_IMPLIES.get(service.category, ()))
    extra = [concept_token(group) for group in sorted(concepts)]
    extra += [facet_token("cat", service.category)]
    extra += [facet_token("tg", group) for group in service.target_groups]
    extra += [facet_token("lang", lang) for lang in service.languages]
    extra += [municipality_token(area.country, area.code) for area in areas]
    return document(parts, extra)


def professional_body(
    professional: Professional,
    roles: Iterable[ProfessionalRole],
    referent_for: Iterable[Referent],
    today: date | None = None,
) -> str:
    day = today or timezone.localdate()
    workplaces = []
    for role in roles:
        if not role.active:
            continue
        municipality = role.organisation.municipality
        if municipality is None and role.organisation.parent is not None:
            municipality = role.organisation.parent.municipality
        workplaces.append(
            Workplace(
                texts=organisation_texts(role.organisation) + _texts(role.title),
                municipality=(municipality.country, municipality.code) if municipality else None,
                accepting=role.accepting_new_patients,
            )
        )
    duties = [
        (referent.kind, organisation_texts(referent.organisation))
        for referent in referent_for
        if referent.is_current(day)
    ]
    return professional_document(
        names=[professional.given_name, professional.family_name, professional.specialty],
        identifiers=[professional.rpps, professional.riziv],
        profession=professional.profession,
        languages=professional.languages,
        workplaces=workplaces,
        duties=duties,
    )


@dataclass(frozen=True)
class Workplace:
    texts: list[str]
    municipality: tuple[str, str] | None
    accepting: bool


def professional_document(
    *,
    names: list[str],
    identifiers: list[str],
    profession: str,
    languages: list[str],
    workplaces: list[Workplace],
    duties: list[tuple[str, list[str]]],
) -> str:
    """The search text of a professional: names, workplaces, referent duties, facet tokens."""
    parts = [*names, *identifiers]
    concepts = {profession}
    extra = [facet_token("prof", profession)]
    extra += [facet_token("lang", lang) for lang in languages]
    for place in workplaces:
        parts += place.texts
        if place.municipality is not None:
            extra.append(municipality_token(*place.municipality))
        if place.accepting:
            extra.append(facet_token("new", "patients"))
    for kind, texts in duties:
        concepts.update({"referent", kind})
        parts += texts
    tokens = [concept_token(group) for group in sorted(concepts)] + extra
    return document(parts, list(dict.fromkeys(tokens)))


def services_reindex(service_ids: Iterable[int]) -> int:
    """Rebuild the search documents of these services (missing ones are dropped)."""
    ids = list(service_ids)
    services = (
        Service.objects.filter(id__in=ids)
        .select_related("organisation__parent")
        .prefetch_related("areas")
    )
    documents = [ServiceDocument(service=s, body=service_body(s)) for s in services]
    ServiceDocument.objects.filter(service_id__in=ids).delete()
    ServiceDocument.objects.bulk_create(documents, batch_size=1000)
    return len(documents)


def professionals_reindex(professional_ids: Iterable[int]) -> int:
    ids = list(professional_ids)
    roles = ProfessionalRole.objects.select_related(
        "organisation__parent__municipality", "organisation__municipality"
    )
    referents = Referent.objects.select_related("organisation__parent")
    professionals = Professional.objects.filter(id__in=ids).prefetch_related(
        Prefetch("roles", queryset=roles), Prefetch("referent_for", queryset=referents)
    )
    documents = [
        ProfessionalDocument(
            professional=p,
            body=professional_body(p, p.roles.all(), p.referent_for.all()),
        )
        for p in professionals
    ]
    ProfessionalDocument.objects.filter(professional_id__in=ids).delete()
    ProfessionalDocument.objects.bulk_create(documents, batch_size=1000)
    return len(documents)


def organisation_reindex(organisation: Organisation) -> None:
    """An organisation's name is part of its services' and professionals' documents."""
    scope = Q(organisation=organisation) | Q(organisation__parent=organisation)
    services_reindex(Service.objects.filter(scope).values_list("id", flat=True))
    professionals_reindex(
        ProfessionalRole.objects.filter(scope).values_list("professional_id", flat=True)
    )
