"""Open Referral HSDS 3.0 JSON: {"organizations": [...], "services": [...]}, each object in the
shape the HSDS 3.0 API returns it (service with nested phones, schedules, service_areas,
languages, service_capacity). HSDS fields are single-language: `name` carries French and
`alternate_name` Dutch; the `x-parcours` object keeps every language and the Parcours codes so a
round trip loses nothing.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from parcours.directory.interchange.records import (
    Capacity,
    Dataset,
    OrganisationRecord,
    Problem,
    ServiceRecord,
)

NAMESPACE = uuid.UUID("6f1c1f0e-4f5c-4d0a-9a3e-70617263f0e5")
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
HOLIDAYS_NOTE = "public holidays"
CLOSED_NOTE = "closed"


def _id(kind: str, code: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{code}"))


def _time(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _minute(value: str) -> int:
    hours, minutes = value[:5].split(":")
    return int(hours) * 60 + int(minutes)


def write_hsds(dataset: Dataset) -> dict[str, Any]:
    organisations = []
    for org in dataset.organisations:
        oid = _id("organization", org.code)
        organisations.append(
            {
                "id": oid,
                "name": org.name.get("fr") or next(iter(org.name.values()), org.code),
                "alternate_name": org.name.get("nl", ""),
                "description": org.description.get("fr", ""),
                "website": org.website or None,
                "email": next((v for k, v in org.channels if k == "email"), None),
                "parent_organization_id": _id("organization", org.parent) if org.parent else None,
                "organization_identifiers": [
                    {
                        "id": _id("identifier", f"{kind}:{value}"),
                        "organization_id": oid,
                        "identifier_scheme": kind.upper(),
                        "identifier_type": kind,
                        "identifier": value,
                    }
                    for kind, value in org.identifiers
                ],
                "phones": [
                    {"id": _id("phone", f"{org.code}:{v}"), "number": v}
                    for k, v in org.channels
                    if k == "phone"
                ],
                "x-parcours": {
                    "code": org.code,
                    "name": org.name,
                    "description": org.description,
                    "type": org.type,
                    "country": org.country,
                    "parent": org.parent,
                    "municipality": f"{org.municipality[0]}:{org.municipality[1]}"
                    if org.municipality
                    else "",
                    "channels": [[k, v] for k, v in org.channels],
                },
            }
        )
    services = []
    for service in dataset.services:
        sid = _id("service", service.code)
        schedules = [
            {
                "id": _id("schedule", f"{service.code}:{day}:{opens}"),
                "service_id": sid,
                "freq": "WEEKLY",
                "byday": DAYS[day] if day < 7 else "",
                "opens_at": _time(opens),
                "closes_at": _time(closes),
                "notes": HOLIDAYS_NOTE if day == 7 else "",
            }
            for day, opens, closes in service.hours
        ] + [
            {
                "id": _id("closure", f"{service.code}:{start}"),
                "service_id": sid,
                "valid_from": start.isoformat(),
                "valid_to": end.isoformat(),
                "notes": CLOSED_NOTE,
            }
            for start, end, _reason in service.closures
        ]
        capacity = service.capacity
        services.append(
            {
                "id": sid,
                "organization_id": _id("organization", service.organisation),
                "name": service.name.get("fr") or next(iter(service.name.values()), service.code),
                "alternate_name": service.name.get("nl", ""),
                "description": service.description.get("fr", ""),
                "status": "active" if service.active else "inactive",
                "eligibility_description": service.eligibility.get("fr", ""),
                "fees_description": service.fees.get("fr", ""),
                "application_process": service.referral.get("fr", ""),
                "wait_time": f"{capacity.typical_wait_days} days"
                if capacity and capacity.typical_wait_days is not None
                else None,
                "email": next((v for k, v in service.channels if k == "email"), None),
                "phones": [
                    {"id": _id("phone", f"{service.code}:{v}"), "number": v}
                    for k, v in service.channels
                    if k == "phone"
                ],
                "languages": [
                    {"id": _id("language", f"{service.code}:{lang}"), "code": lang}
                    for lang in service.languages
                ],
                "service_areas": [
                    {
                        "id": _id("area", f"{service.code}:{country}:{code}"),
                        "service_id": sid,
                        "name": f"{country}:{code}",
                        "extent_type": "text",
                        "extent": f"{country}:{code}",
                    }
                    for country, code in service.areas
                ],
                "schedules": schedules,
                "service_capacity": [
                    {
                        "id": _id("capacity", service.code),
                        "service_id": sid,
                        "unit": {"id": _id("unit", "places"), "name": "places"},
                        "available": 0 if capacity.status in ("full", "waiting_list") else 1,
                        "description": capacity.status,
                        "updated": capacity.updated_at.isoformat() if capacity.updated_at else None,
                    }
                ]
                if capacity
                else [],
                "x-parcours": {
                    "code": service.code,
                    "organisation": service.organisation,
                    "name": service.name,
                    "description": service.description,
                    "category": service.category,
                    "target_groups": service.target_groups,
                    "eligibility": service.eligibility,
                    "fees": service.fees,
                    "referral": service.referral,
                    "waiting_list_length": capacity.waiting_list_length if capacity else None,
                    "channels": [[k, v] for k, v in service.channels],
                },
            }
        )
    return {"organizations": organisations, "services": services}


def _texts(
    extra: dict[str, Any], key: str, french: str | None, dutch: str | None = None
) -> dict[str, str]:
    if isinstance(extra.get(key), dict):
        return {k: v for k, v in extra[key].items() if isinstance(v, str) and v}
    texts = {}
    if french:
        texts["fr"] = french
    if dutch:
        texts["nl"] = dutch
    return texts


def read_hsds(data: Any) -> tuple[Dataset, list[Problem]]:
    dataset = Dataset()
    problems: list[Problem] = []
    if not isinstance(data, dict) or not isinstance(data.get("services", []), list):
        return dataset, [
            Problem("file", "services", _("Expected an object with organizations and services."))
        ]
    codes: dict[str, str] = {}
    for index, org in enumerate(data.get("organizations", [])):
        where = f"organizations[{index}]"
        if not isinstance(org, dict) or not org.get("id") or not org.get("name"):
            problems.append(
                Problem(where, "id, name", _("An organization needs an id and a name."))
            )
            continue
        extra = org.get("x-parcours") or {}
        code = extra.get("code") or str(org["id"])[:64].lower()
        codes[str(org["id"])] = code
        municipality = extra.get("municipality") or ""
        country, _sep, place = municipality.partition(":")
        dataset.organisations.append(
            OrganisationRecord(
                where=where,
                code=code,
                name=_texts(extra, "name", org.get("name"), org.get("alternate_name")),
                type=extra.get("type") or "other",
                country=extra.get("country") or "BE",
                parent=extra.get("parent") or "",
                municipality=(country, place) if place else None,
                website=org.get("website") or "",
                description=_texts(extra, "description", org.get("description")),
                identifiers=[
                    (str(i.get("identifier_type", "")).lower(), str(i.get("identifier", "")))
                    for i in org.get("organization_identifiers") or []
                ],
                channels=[(str(c[0]), str(c[1])) for c in extra.get("channels", [])]
                or [("phone", p["number"]) for p in org.get("phones") or [] if p.get("number")]
                + ([("email", org["email"])] if org.get("email") else []),
            )
        )
    for org_record, org in zip(dataset.organisations, data.get("organizations", []), strict=False):
        if not org_record.parent and org.get("parent_organization_id"):
            org_record.parent = codes.get(str(org["parent_organization_id"]), "")
    for index, item in enumerate(data.get("services", [])):
        where = f"services[{index}]"
        if not isinstance(item, dict) or not item.get("id") or not item.get("name"):
            problems.append(Problem(where, "id, name", _("A service needs an id and a name.")))
            continue
        extra = item.get("x-parcours") or {}
        hours: list[tuple[int, int, int]] = []
        closures: list[tuple[date, date, dict[str, str]]] = []
        try:
            for schedule in item.get("schedules") or []:
                if schedule.get("notes") == CLOSED_NOTE:
                    closures.append(
                        (
                            date.fromisoformat(schedule["valid_from"]),
                            date.fromisoformat(schedule.get("valid_to") or schedule["valid_from"]),
                            {},
                        )
                    )
                    continue
                opens, closes = _minute(schedule["opens_at"]), _minute(schedule["closes_at"])
                if schedule.get("notes") == HOLIDAYS_NOTE:
                    hours.append((7, opens, closes))
                for day in filter(None, (schedule.get("byday") or "").split(",")):
                    hours.append((DAYS.index(day.strip().upper()), opens, closes))
        except (KeyError, ValueError):
            problems.append(
                Problem(
                    where,
                    "schedules",
                    _("Cannot read a schedule: byday MO…SU, opens_at and closes_at as HH:MM."),
                )
            )
        capacity = None
        for entry in item.get("service_capacity") or []:
            updated = entry.get("updated")
            try:
                capacity = Capacity(
                    status=str(entry.get("description") or ""),
                    waiting_list_length=extra.get("waiting_list_length"),
                    typical_wait_days=int(str(item["wait_time"]).split()[0])
                    if item.get("wait_time")
                    else None,
                    updated_at=datetime.fromisoformat(updated) if updated else None,
                )
            except ValueError:
                problems.append(Problem(where, "service_capacity", _("Cannot read the capacity.")))
        areas = []
        for area in item.get("service_areas") or []:
            country, _sep, place = str(area.get("extent") or area.get("name") or "").partition(":")
            if place:
                areas.append((country.upper(), place))
            else:
                problems.append(
                    Problem(where, "service_areas", _("Write a municipality as BE:21009."))
                )
        channels: list[tuple[str, str]] = [
            (str(c[0]), str(c[1])) for c in extra.get("channels", [])
        ] or [("phone", p["number"]) for p in item.get("phones") or [] if p.get("number")] + (
            [("email", item["email"])] if item.get("email") else []
        )
        dataset.services.append(
            ServiceRecord(
                where=where,
                code=extra.get("code") or str(item["id"])[:64].lower(),
                organisation=extra.get("organisation")
                or codes.get(str(item.get("organization_id")), ""),
                name=_texts(extra, "name", item.get("name"), item.get("alternate_name")),
                category=extra.get("category") or "other",
                active=item.get("status", "active") in ("active", "temporarily closed"),
                description=_texts(extra, "description", item.get("description")),
                target_groups=list(extra.get("target_groups") or []),
                eligibility=_texts(extra, "eligibility", item.get("eligibility_description")),
                fees=_texts(extra, "fees", item.get("fees_description")),
                referral=_texts(extra, "referral", item.get("application_process")),
                languages=[
                    str(lang.get("code", "")).lower() for lang in item.get("languages") or []
                ],
                areas=areas,
                hours=hours,
                closures=closures,
                channels=channels,
                capacity=capacity,
            )
        )
    return dataset, problems
