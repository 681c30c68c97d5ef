"""Helpers that build directory rows the way the application does (documents included)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from parcours.directory.documents import services_reindex
from parcours.directory.models import OpeningHours, Organisation, Service
from parcours.territory.models import Municipality


def municipality(
    country: str, code: str, fr: str, nl: str | None, latitude: float, longitude: float
) -> Municipality:
    names = {"fr": fr} | ({"nl": nl} if nl else {})
    found, _created = Municipality.objects.update_or_create(
        country=country,
        code=code,
        defaults={"name": names, "latitude": latitude, "longitude": longitude},
    )
    return found


def add_service(
    code: str,
    name: dict[str, str],
    category: str,
    *,
    areas: list[Municipality],
    languages: list[str],
    target_groups: list[str],
    hours: list[tuple[int, int, int]],
    capacity: str = "",
    waiting: int | None = None,
    country: str = "BE",
    place: Municipality | None = None,
    description: dict[str, str] | None = None,
    updated_days_ago: int = 1,
) -> Service:
    organisation = Organisation.objects.create(
        code=code, name=name, type=category, country=country, municipality=place
    )
    service = Service.objects.create(
        code=f"{code}-service",
        organisation=organisation,
        name=name,
        category=category,
        languages=languages,
        target_groups=target_groups,
        country=country,
        description=description or {},
        capacity_status=capacity,
        waiting_list_length=waiting,
        capacity_updated_at=timezone.now() - timedelta(days=updated_days_ago) if capacity else None,
        latitude=place.latitude if place else None,
        longitude=place.longitude if place else None,
    )
    service.areas.set(areas)
    OpeningHours.objects.bulk_create(
        OpeningHours(service=service, day=d, opens=o, closes=c) for d, o, c in hours
    )
    services_reindex([service.id])
    return service
