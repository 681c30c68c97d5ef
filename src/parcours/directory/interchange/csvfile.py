"""CSV: one row per service with its organisation (documented in docs/directory.md).

A row with an empty `service_code` describes an organisation only. Lists are separated by `;`,
municipalities are written `BE:21009`, identifiers `kbo:0403170701`, hours as in `hours.py`,
closures `2026-12-24/2026-12-26`.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from parcours.directory.interchange.hours import HoursError, format_hours, parse_hours
from parcours.directory.interchange.records import (
    Capacity,
    Dataset,
    OrganisationRecord,
    Problem,
    ServiceRecord,
)

LANGS = ("fr", "nl", "en")
HEADER = [
    "organisation_code",
    *(f"organisation_name_{lang}" for lang in LANGS),
    "organisation_type",
    "organisation_country",
    "organisation_parent",
    "organisation_municipality",
    "organisation_identifiers",
    "organisation_phone",
    "organisation_email",
    "service_code",
    *(f"service_name_{lang}" for lang in LANGS),
    "category",
    *(f"description_{lang}" for lang in LANGS),
    "target_groups",
    "languages",
    "municipalities_served",
    "hours",
    "closures",
    *(f"eligibility_{lang}" for lang in LANGS),
    *(f"fees_{lang}" for lang in LANGS),
    *(f"referral_{lang}" for lang in LANGS),
    "phone",
    "email",
    "mssante",
    "ehealthbox",
    "capacity",
    "waiting_list_length",
    "typical_wait_days",
    "capacity_updated_at",
    "active",
]
REQUIRED = {"organisation_code", "organisation_type", "service_code", "category"}
SERVICE_CHANNELS = ("phone", "email", "mssante", "ehealthbox")


def _texts(row: dict[str, str], prefix: str) -> dict[str, str]:
    return {
        lang: row[f"{prefix}_{lang}"].strip()
        for lang in LANGS
        if row.get(f"{prefix}_{lang}", "").strip()
    }


def _list(value: str) -> list[str]:
    return [item.strip() for item in (value or "").split(";") if item.strip()]


def _place(value: str) -> tuple[str, str]:
    country, _sep, code = value.partition(":")
    if not code:
        raise ValueError(value)
    return country.strip().upper(), code.strip()


def read_csv(text: str) -> tuple[Dataset, list[Problem]]:
    dataset = Dataset()
    problems: list[Problem] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = REQUIRED - set(reader.fieldnames or [])
    if missing:
        problems.append(
            Problem(_("line 1"), ", ".join(sorted(missing)), _("Required columns are missing."))
        )
        return dataset, problems
    organisations: dict[str, OrganisationRecord] = {}
    for row in reader:
        where = _("line %(number)s") % {"number": reader.line_num}
        row = {k: (v or "") for k, v in row.items() if k}
        code = row["organisation_code"].strip()
        if code and code not in organisations:
            org = OrganisationRecord(
                where=where,
                code=code,
                name=_texts(row, "organisation_name"),
                type=row["organisation_type"].strip(),
                country=(row.get("organisation_country") or "BE").strip().upper(),
                parent=row.get("organisation_parent", "").strip(),
            )
            try:
                if row.get("organisation_municipality", "").strip():
                    org.municipality = _place(row["organisation_municipality"])
            except ValueError:
                problems.append(
                    Problem(
                        where, "organisation_municipality", _("Write a municipality as BE:21009.")
                    )
                )
            for item in _list(row.get("organisation_identifiers", "")):
                kind, _sep, value = item.partition(":")
                org.identifiers.append((kind.strip().lower(), value.strip()))
            org.channels = [
                (kind, row[f"organisation_{kind}"].strip())
                for kind in ("phone", "email")
                if row.get(f"organisation_{kind}", "").strip()
            ]
            organisations[code] = org
            dataset.organisations.append(org)
        elif not code:
            problems.append(Problem(where, "organisation_code", _("A code is required.")))
        if not row["service_code"].strip():
            continue
        service = ServiceRecord(
            where=where,
            code=row["service_code"].strip(),
            organisation=code,
            name=_texts(row, "service_name"),
            category=row["category"].strip(),
            description=_texts(row, "description"),
            target_groups=_list(row.get("target_groups", "")),
            languages=[lang.lower() for lang in _list(row.get("languages", ""))],
            eligibility=_texts(row, "eligibility"),
            fees=_texts(row, "fees"),
            referral=_texts(row, "referral"),
            active=row.get("active", "").strip().lower() not in ("false", "0", "no"),
            channels=[(k, row[k].strip()) for k in SERVICE_CHANNELS if row.get(k, "").strip()],
        )
        try:
            service.areas = [_place(item) for item in _list(row.get("municipalities_served", ""))]
        except ValueError:
            problems.append(
                Problem(where, "municipalities_served", _("Write a municipality as BE:21009."))
            )
        try:
            service.hours = parse_hours(row.get("hours", ""))
        except HoursError as exc:
            problems.append(
                Problem(
                    where,
                    "hours",
                    _(
                        "Cannot read “%(value)s”: write e.g. "
                        "mo-fr 08:00-18:00; sa 09:00-12:00; ph 10:00-12:00."
                    )
                    % {"value": exc},
                )
            )
        try:
            for item in _list(row.get("closures", "")):
                start, _sep, end = item.partition("/")
                service.closures.append(
                    (
                        date.fromisoformat(start.strip()),
                        date.fromisoformat((end or start).strip()),
                        {},
                    )
                )
        except ValueError:
            problems.append(
                Problem(where, "closures", _("Write a closure as 2026-12-24/2026-12-26."))
            )
        if row.get("capacity", "").strip():
            try:
                service.capacity = Capacity(
                    status=row["capacity"].strip(),
                    waiting_list_length=_int(row.get("waiting_list_length", "")),
                    typical_wait_days=_int(row.get("typical_wait_days", "")),
                    updated_at=datetime.fromisoformat(row["capacity_updated_at"].strip())
                    if row.get("capacity_updated_at", "").strip()
                    else None,
                )
            except ValueError:
                problems.append(
                    Problem(
                        where,
                        "capacity",
                        _("Waiting list and wait are whole numbers; the date is ISO 8601."),
                    )
                )
        dataset.services.append(service)
    return dataset, problems


def _int(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


def write_csv(dataset: Dataset) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    organisations = {o.code: o for o in dataset.organisations}
    served = {s.organisation for s in dataset.services}
    for org in dataset.organisations:
        if org.code not in served:
            writer.writerow(_org_columns(org))
    for service in dataset.services:
        row: dict[str, Any] = _org_columns(organisations[service.organisation])
        row.update(
            {
                "service_code": service.code,
                **{f"service_name_{k}": v for k, v in service.name.items() if k in LANGS},
                "category": service.category,
                **{f"description_{k}": v for k, v in service.description.items() if k in LANGS},
                "target_groups": ";".join(service.target_groups),
                "languages": ";".join(service.languages),
                "municipalities_served": ";".join(f"{c}:{m}" for c, m in service.areas),
                "hours": format_hours(service.hours),
                "closures": ";".join(
                    f"{s.isoformat()}/{e.isoformat()}" for s, e, _r in service.closures
                ),
                **{f"eligibility_{k}": v for k, v in service.eligibility.items() if k in LANGS},
                **{f"fees_{k}": v for k, v in service.fees.items() if k in LANGS},
                **{f"referral_{k}": v for k, v in service.referral.items() if k in LANGS},
                **{k: v for k, v in service.channels if k in SERVICE_CHANNELS},
                "active": "true" if service.active else "false",
            }
        )
        if service.capacity:
            row.update(
                {
                    "capacity": service.capacity.status,
                    "waiting_list_length": service.capacity.waiting_list_length
                    if service.capacity.waiting_list_length is not None
                    else "",
                    "typical_wait_days": service.capacity.typical_wait_days
                    if service.capacity.typical_wait_days is not None
                    else "",
                    "capacity_updated_at": service.capacity.updated_at.isoformat()
                    if service.capacity.updated_at
                    else "",
                }
            )
        writer.writerow(row)
    return out.getvalue()


def _org_columns(org: OrganisationRecord) -> dict[str, Any]:
    return {
        "organisation_code": org.code,
        **{f"organisation_name_{k}": v for k, v in org.name.items() if k in LANGS},
        "organisation_type": org.type,
        "organisation_country": org.country,
        "organisation_parent": org.parent,
        "organisation_municipality": f"{org.municipality[0]}:{org.municipality[1]}"
        if org.municipality
        else "",
        "organisation_identifiers": ";".join(f"{k}:{v}" for k, v in org.identifiers),
        **{f"organisation_{k}": v for k, v in org.channels if k in ("phone", "email")},
    }
