"""Writes on the territory: the reference municipalities and the care areas."""

from __future__ import annotations

import functools
import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import transaction

from parcours.territory.models import CareArea, Municipality

DATA_DIR = Path(__file__).resolve().parent / "data"


def reference_document() -> dict[str, Any]:
    """The packaged reference file (tools/territory/ builds it from published packages)."""
    plain = DATA_DIR / "municipalities.json"
    if plain.exists():
        return json.loads(plain.read_bytes())
    return json.loads(gzip.decompress((DATA_DIR / "municipalities.json.gz").read_bytes()))


@functools.cache
def reference_sources() -> tuple[dict[str, str], ...]:
    """Where the reference data comes from, with licences and the attribution they require."""
    return tuple(reference_document()["sources"])


def reference_municipalities(countries: Iterable[str] | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = reference_document()["municipalities"]
    if countries is not None:
        wanted = set(countries)
        rows = [row for row in rows if row["country"] in wanted]
    return rows


@transaction.atomic
def municipalities_load(*, countries: Iterable[str] | None = None) -> int:
    """Insert or update the reference municipalities; running it twice changes nothing."""
    rows = reference_municipalities(countries)
    existing = {(m.country, m.code): m for m in Municipality.objects.all()}
    to_create, to_update = [], []
    for row in rows:
        fields = {
            "name": row["name"],
            "postcodes": row.get("postcodes") or [],
            "region": row.get("region") or "",
            "department": row.get("department") or "",
            "latitude": row.get("latitude"),
            "longitude": row.get("longitude"),
        }
        current = existing.get((row["country"], row["code"]))
        if current is None:
            to_create.append(Municipality(country=row["country"], code=row["code"], **fields))
        elif any(getattr(current, key) != value for key, value in fields.items()):
            for key, value in fields.items():
                setattr(current, key, value)
            to_update.append(current)
    Municipality.objects.bulk_create(to_create, batch_size=2000)
    Municipality.objects.bulk_update(
        to_update,
        ["name", "postcodes", "region", "department", "latitude", "longitude"],
        batch_size=2000,
    )
    return len(to_create) + len(to_update)


@transaction.atomic
def care_area_define(
    *,
    code: str,
    name: dict[str, str],
    country: str,
    municipality_codes: Iterable[str],
    time_zone: str = "Europe/Brussels",
) -> CareArea:
    """Create or update a care area over municipalities given by official code."""
    codes = list(municipality_codes)
    municipalities = list(Municipality.objects.filter(country=country, code__in=codes))
    missing = sorted(set(codes) - {m.code for m in municipalities})
    if missing:
        raise ValueError(f"unknown {country} municipality codes: {', '.join(missing)}")
    area, _created = CareArea.objects.update_or_create(
        code=code, defaults={"name": name, "country": country, "time_zone": time_zone}
    )
    area.municipalities.set(municipalities)
    return area
