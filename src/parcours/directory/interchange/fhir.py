"""FHIR R4 Bundle of Organization, HealthcareService, Location, Endpoint, Practitioner and
PractitionerRole. Identifier systems follow FR Core / ANS Annuaire Santé and eHealth Belgium;
other languages ride on the standard `translation` extension; what R4 has no element for
(public-holiday hours, capacity, accepting new patients) uses Parcours extensions, documented
in docs/directory.md. Every resource is validated with fhir.resources (R4B models, structurally
identical to R4 for these resources).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from parcours.directory.identifiers import SYSTEMS, IdentifierKind
from parcours.directory.interchange.records import (
    Capacity,
    Dataset,
    OrganisationRecord,
    Problem,
    ProfessionalRecord,
    ReferentRecord,
    RoleRecord,
    ServiceRecord,
)

BASE = "https://parcours.invalid/fhir"
CS_ORGANISATION_TYPE = f"{BASE}/CodeSystem/organisation-type"
CS_TARGET_GROUP = f"{BASE}/CodeSystem/target-group"
CS_PROFESSION = f"{BASE}/CodeSystem/profession"
CS_REFERENT = f"{BASE}/CodeSystem/referent-kind"
CS_CHANNEL = f"{BASE}/CodeSystem/channel"
EXT_MUNICIPALITY = f"{BASE}/StructureDefinition/municipality"
EXT_HOLIDAYS = f"{BASE}/StructureDefinition/public-holidays"
EXT_CAPACITY = f"{BASE}/StructureDefinition/capacity"
EXT_ACCEPTING = f"{BASE}/StructureDefinition/accepting-new-patients"
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
LANGUAGE = "urn:ietf:bcp:47"
MUNICIPALITY_SYSTEMS = {
    "BE": "https://statbel.fgov.be/refnis",
    "FR": "https://www.insee.fr/cog",
}
SUPPORTED = {
    "Organization",
    "HealthcareService",
    "Location",
    "Endpoint",
    "Practitioner",
    "PractitionerRole",
}
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
KIND_BY_SYSTEM = {system: kind for kind, system in SYSTEMS.items() if kind != IdentifierKind.SIREN}


def _primary(texts: dict[str, str]) -> tuple[str, dict[str, Any] | None]:
    """The French text (or the first) and the translations of the others."""
    if not texts:
        return "", None
    lang = "fr" if texts.get("fr") else next(iter(texts))
    others = [
        {
            "url": TRANSLATION,
            "extension": [{"url": "lang", "valueCode": k}, {"url": "content", "valueString": v}],
        }
        for k, v in texts.items()
        if k != lang and v
    ]
    return texts[lang], ({"extension": others} if others else None)


def _with_text(resource: dict[str, Any], key: str, texts: dict[str, str]) -> None:
    value, translations = _primary(texts)
    if value:
        resource[key] = value
        if translations:
            resource[f"_{key}"] = translations


def _texts(holder: dict[str, Any], key: str, first_lang: str = "fr") -> dict[str, str]:
    texts = {}
    if holder.get(key):
        texts[first_lang] = str(holder[key])
    for ext in (holder.get(f"_{key}") or {}).get("extension", []):
        if ext.get("url") == TRANSLATION:
            parts = {
                e.get("url"): e.get("valueCode") or e.get("valueString")
                for e in ext.get("extension", [])
            }
            if parts.get("lang") and parts.get("content"):
                texts[parts["lang"]] = parts["content"]
    return texts


def _time(minute: int) -> str:
    return "23:59:59" if minute >= 1440 else f"{minute // 60:02d}:{minute % 60:02d}:00"


def _minute(value: str) -> int:
    if value.startswith("23:59:59"):
        return 1440
    hours, minutes = value.split(":")[:2]
    return int(hours) * 60 + int(minutes)


def _telecom(channels: list[tuple[str, str]]) -> list[dict[str, str]]:
    systems = {"phone": "phone", "email": "email", "website": "url"}
    return [{"system": systems[k], "value": v} for k, v in channels if k in systems]


def _endpoints(owner: str, channels: list[tuple[str, str]], org_code: str) -> list[dict[str, Any]]:
    endpoints = []
    for index, (kind, value) in enumerate(channels):
        if kind not in ("mssante", "ehealthbox", "parcours"):
            continue
        endpoints.append(
            {
                "resourceType": "Endpoint",
                "id": f"{owner}-endpoint-{index}",
                "status": "active",
                "connectionType": {"system": CS_CHANNEL, "code": kind},
                "managingOrganization": {"reference": f"Organization/{org_code}"},
                "payloadType": [{"text": "any"}],
                "address": f"mailto:{value}" if kind == "mssante" else f"urn:{kind}:{value}",
            }
        )
    return endpoints


def write_fhir(dataset: Dataset) -> dict[str, Any]:
    resources: list[dict[str, Any]] = []
    areas: set[tuple[str, str]] = set()
    for org in dataset.organisations:
        endpoints = _endpoints(org.code, org.channels, org.code)
        resource: dict[str, Any] = {
            "resourceType": "Organization",
            "id": org.code,
            "active": True,
            "identifier": [
                {"system": SYSTEMS[kind], "type": {"text": kind.upper()}, "value": value}
                for kind, value in org.identifiers
            ],
            "type": [{"coding": [{"system": CS_ORGANISATION_TYPE, "code": org.type}]}],
            "telecom": _telecom(org.channels),
            "address": [
                {
                    "country": org.country,
                    "line": [org.address] if org.address else None,
                    "postalCode": org.postcode or None,
                }
            ],
            "endpoint": [{"reference": f"Endpoint/{e['id']}"} for e in endpoints],
        }
        _with_text(resource, "name", org.name)
        if org.parent:
            resource["partOf"] = {"reference": f"Organization/{org.parent}"}
        if org.municipality:
            country, code = org.municipality
            resource["extension"] = [
                {
                    "url": EXT_MUNICIPALITY,
                    "valueCoding": {"system": MUNICIPALITY_SYSTEMS[country], "code": code},
                }
            ]
        resources += [resource, *endpoints]
    for service in dataset.services:
        endpoints = _endpoints(service.code, service.channels, service.organisation)
        areas.update(service.areas)
        resource = {
            "resourceType": "HealthcareService",
            "id": service.code,
            "active": service.active,
            "providedBy": {"reference": f"Organization/{service.organisation}"},
            "category": [{"coding": [{"system": CS_ORGANISATION_TYPE, "code": service.category}]}],
            "characteristic": [
                {"coding": [{"system": CS_TARGET_GROUP, "code": g}]} for g in service.target_groups
            ],
            "communication": [
                {"coding": [{"system": LANGUAGE, "code": lang}]} for lang in service.languages
            ],
            "coverageArea": [{"reference": f"Location/area-{c}-{m}"} for c, m in service.areas],
            "availableTime": [
                {
                    **({"daysOfWeek": [DAYS[day]]} if day < 7 else {}),
                    **(
                        {"extension": [{"url": EXT_HOLIDAYS, "valueBoolean": True}]}
                        if day == 7
                        else {}
                    ),
                    "availableStartTime": _time(opens),
                    "availableEndTime": _time(closes),
                }
                for day, opens, closes in service.hours
            ],
            "notAvailable": [
                {
                    "description": reason.get("fr") or reason.get("nl") or "closed",
                    "during": {"start": start.isoformat(), "end": end.isoformat()},
                }
                for start, end, reason in service.closures
            ],
            "telecom": _telecom(service.channels),
            "endpoint": [{"reference": f"Endpoint/{e['id']}"} for e in endpoints],
        }
        _with_text(resource, "name", service.name)
        _with_text(resource, "comment", service.description)
        _with_text(resource, "extraDetails", service.fees)
        if service.eligibility:
            eligibility: dict[str, Any] = {}
            _with_text(eligibility, "comment", service.eligibility)
            resource["eligibility"] = [eligibility]
        if service.referral:
            referral: dict[str, Any] = {}
            _with_text(referral, "text", service.referral)
            resource["referralMethod"] = [referral]
        if service.capacity:
            capacity = service.capacity
            parts: list[dict[str, Any]] = [{"url": "status", "valueCode": capacity.status}]
            if capacity.waiting_list_length is not None:
                parts.append(
                    {"url": "waitingListLength", "valueInteger": capacity.waiting_list_length}
                )
            if capacity.typical_wait_days is not None:
                parts.append({"url": "typicalWaitDays", "valueInteger": capacity.typical_wait_days})
            if capacity.updated_at:
                parts.append({"url": "updated", "valueDateTime": capacity.updated_at.isoformat()})
            resource["extension"] = [{"url": EXT_CAPACITY, "extension": parts}]
        resources += [resource, *endpoints]
    for country, code in sorted(areas):
        resources.append(
            {
                "resourceType": "Location",
                "id": f"area-{country}-{code}",
                "identifier": [{"system": MUNICIPALITY_SYSTEMS.get(country, BASE), "value": code}],
                "name": f"{country}:{code}",
                "mode": "kind",
                "physicalType": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/location-physical-type",
                            "code": "area",
                        }
                    ]
                },
            }
        )
    for person in dataset.professionals:
        identifiers = [
            {"system": SYSTEMS[kind], "value": value}
            for kind, value in (("rpps", person.rpps), ("riziv", person.riziv))
            if value
        ]
        resources.append(
            {
                "resourceType": "Practitioner",
                "id": person.code,
                "identifier": identifiers,
                "name": [
                    {
                        "family": person.family_name,
                        "given": [person.given_name] if person.given_name else None,
                    }
                ],
                "qualification": [
                    {"code": {"coding": [{"system": CS_PROFESSION, "code": person.profession}]}}
                ],
                "communication": [
                    {"coding": [{"system": LANGUAGE, "code": lang}]} for lang in person.languages
                ],
            }
        )
        for index, role in enumerate(person.roles):
            resources.append(
                {
                    "resourceType": "PractitionerRole",
                    "id": f"{person.code}-role-{index}",
                    "active": True,
                    "practitioner": {"reference": f"Practitioner/{person.code}"},
                    "organization": {"reference": f"Organization/{role.organisation}"},
                    "code": [{"coding": [{"system": CS_PROFESSION, "code": person.profession}]}],
                    "specialty": [{"text": person.specialty}] if person.specialty else None,
                    "telecom": _telecom([("phone", role.phone), ("email", role.email)])
                    if role.phone or role.email
                    else None,
                    "extension": [
                        {"url": EXT_ACCEPTING, "valueBoolean": role.accepting_new_patients}
                    ],
                }
            )
        for index, referent in enumerate(person.referents):
            period = {"start": referent.starts_on.isoformat()}
            if referent.ends_on:
                period["end"] = referent.ends_on.isoformat()
            resources.append(
                {
                    "resourceType": "PractitionerRole",
                    "id": f"{person.code}-referent-{index}",
                    "active": True,
                    "practitioner": {"reference": f"Practitioner/{person.code}"},
                    "organization": {"reference": f"Organization/{referent.organisation}"},
                    "code": [{"coding": [{"system": CS_REFERENT, "code": referent.kind}]}],
                    "period": period,
                }
            )
    entries = []
    for resource in resources:
        clean = _drop_empty(resource)
        get_fhir_model_class(clean["resourceType"]).model_validate(clean)
        entries.append(
            {"fullUrl": f"{BASE}/{clean['resourceType']}/{clean['id']}", "resource": clean}
        )
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _drop_empty(value: Any) -> Any:
    if isinstance(value, dict):
        cleaned = {k: _drop_empty(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, [], {}, "")}
    if isinstance(value, list):
        return [item for item in (_drop_empty(v) for v in value) if item not in (None, [], {}, "")]
    return value


def _ref(value: dict[str, Any] | None) -> str:
    return str((value or {}).get("reference", "")).rsplit("/", 1)[-1]


def _code(concepts: list[dict[str, Any]] | None, system: str) -> list[str]:
    return [
        str(coding.get("code"))
        for concept in concepts or []
        for coding in concept.get("coding", [])
        if coding.get("system") == system and coding.get("code")
    ]


def _ext(holder: dict[str, Any], url: str) -> dict[str, Any] | None:
    return next((e for e in holder.get("extension", []) if e.get("url") == url), None)


def read_fhir(data: Any) -> tuple[Dataset, list[Problem]]:
    dataset = Dataset()
    problems: list[Problem] = []
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        return dataset, [Problem("file", "resourceType", _("Expected a FHIR Bundle."))]
    entries = data.get("entry") or []
    channels: dict[str, tuple[str, str]] = {}
    areas: dict[str, tuple[str, str]] = {}
    systems = {v: k for k, v in MUNICIPALITY_SYSTEMS.items()}
    resources: list[tuple[str, dict[str, Any]]] = []
    for index, entry in enumerate(entries, start=1):
        where = _("entry %(number)s") % {"number": index}
        resource = (entry or {}).get("resource") or {}
        kind = resource.get("resourceType", "")
        try:
            model = get_fhir_model_class(kind) if kind in SUPPORTED else None
        except (KeyError, ValueError, AttributeError):
            model = None
        if model is None:
            problems.append(
                Problem(
                    where, "resourceType", _("Unknown resource type %(value)s.") % {"value": kind}
                )
            )
            continue
        try:
            model.model_validate(resource)
        except KeyError:
            problems.append(
                Problem(
                    where, "resourceType", _("Unknown resource type %(value)s.") % {"value": kind}
                )
            )
            continue
        except ValidationError as exc:
            for error in exc.errors()[:5]:
                path = ".".join(str(p) for p in error["loc"])
                problems.append(Problem(where, f"{kind}.{path}", error["msg"]))
            continue
        if not resource.get("id"):
            problems.append(Problem(where, f"{kind}.id", _("Every resource needs an id.")))
            continue
        resources.append((where, resource))
        if kind == "Endpoint":
            address = str(resource.get("address", ""))
            channel = (resource.get("connectionType") or {}).get("code", "")
            value = address.removeprefix("mailto:").removeprefix(f"urn:{channel}:")
            channels[resource["id"]] = (channel, value)
        elif kind == "Location":
            identifier = (resource.get("identifier") or [{}])[0]
            country = systems.get(identifier.get("system", ""))
            if country and identifier.get("value"):
                areas[resource["id"]] = (country, identifier["value"])
    people: dict[str, ProfessionalRecord] = {}
    for where, resource in resources:
        kind = resource["resourceType"]
        telecom = [
            ({"phone": "phone", "email": "email", "url": "website"}[t["system"]], t["value"])
            for t in resource.get("telecom", [])
            if t.get("system") in ("phone", "email", "url") and t.get("value")
        ]
        linked = [channels[_ref(e)] for e in resource.get("endpoint", []) if _ref(e) in channels]
        if kind == "Organization":
            municipality = _ext(resource, EXT_MUNICIPALITY)
            coding = (municipality or {}).get("valueCoding", {})
            address = (resource.get("address") or [{}])[0]
            dataset.organisations.append(
                OrganisationRecord(
                    where=where,
                    code=resource["id"],
                    name=_texts(resource, "name"),
                    type=(_code(resource.get("type"), CS_ORGANISATION_TYPE) or ["other"])[0],
                    country=address.get("country") or "BE",
                    parent=_ref(resource.get("partOf")),
                    municipality=(systems[coding["system"]], coding["code"])
                    if coding.get("system") in systems
                    else None,
                    address=" ".join(address.get("line") or []),
                    postcode=address.get("postalCode") or "",
                    identifiers=[
                        (KIND_BY_SYSTEM.get(i.get("system", ""), ""), i.get("value", ""))
                        for i in resource.get("identifier", [])
                        if i.get("system") in KIND_BY_SYSTEM or i.get("system") == SYSTEMS["siren"]
                    ],
                    channels=telecom + linked,
                )
            )
            for org in dataset.organisations[-1:]:
                org.identifiers = [
                    ("siren" if k == "siret" and len(v) == 9 else k, v) for k, v in org.identifiers
                ]
        elif kind == "HealthcareService":
            hours = []
            for slot in resource.get("availableTime", []):
                opens = _minute(slot.get("availableStartTime", "00:00:00"))
                closes = _minute(slot.get("availableEndTime", "23:59:59"))
                if slot.get("allDay"):
                    opens, closes = 0, 1440
                if _ext(slot, EXT_HOLIDAYS):
                    hours.append((7, opens, closes))
                hours += [(DAYS.index(d), opens, closes) for d in slot.get("daysOfWeek", [])]
            closures = []
            for slot in resource.get("notAvailable", []):
                during = slot.get("during") or {}
                if during.get("start"):
                    start = date.fromisoformat(during["start"][:10])
                    closures.append(
                        (
                            start,
                            date.fromisoformat((during.get("end") or during["start"])[:10]),
                            {"fr": slot.get("description", "")},
                        )
                    )
            capacity = None
            extension = _ext(resource, EXT_CAPACITY)
            if extension:
                parts = {
                    e["url"]: next(v for k, v in e.items() if k.startswith("value"))
                    for e in extension.get("extension", [])
                }
                capacity = Capacity(
                    status=parts.get("status", ""),
                    waiting_list_length=parts.get("waitingListLength"),
                    typical_wait_days=parts.get("typicalWaitDays"),
                    updated_at=datetime.fromisoformat(parts["updated"])
                    if parts.get("updated")
                    else None,
                )
            dataset.services.append(
                ServiceRecord(
                    where=where,
                    code=resource["id"],
                    organisation=_ref(resource.get("providedBy")),
                    name=_texts(resource, "name"),
                    category=(_code(resource.get("category"), CS_ORGANISATION_TYPE) or ["other"])[
                        0
                    ],
                    active=resource.get("active", True),
                    description=_texts(resource, "comment"),
                    fees=_texts(resource, "extraDetails"),
                    eligibility=_texts((resource.get("eligibility") or [{}])[0], "comment"),
                    referral=_texts((resource.get("referralMethod") or [{}])[0], "text"),
                    target_groups=_code(resource.get("characteristic"), CS_TARGET_GROUP),
                    languages=_code(resource.get("communication"), LANGUAGE),
                    areas=[
                        areas[_ref(a)] for a in resource.get("coverageArea", []) if _ref(a) in areas
                    ],
                    hours=hours,
                    closures=closures,
                    channels=telecom + linked,
                    capacity=capacity,
                )
            )
        elif kind == "Practitioner":
            name = (resource.get("name") or [{}])[0]
            ids = {i.get("system"): i.get("value", "") for i in resource.get("identifier", [])}
            people[resource["id"]] = ProfessionalRecord(
                where=where,
                code=resource["id"],
                given_name=" ".join(name.get("given") or []),
                family_name=name.get("family", ""),
                profession=(
                    _code(
                        [q.get("code", {}) for q in resource.get("qualification", [])],
                        CS_PROFESSION,
                    )
                    or ["other"]
                )[0],
                languages=_code(resource.get("communication"), LANGUAGE),
                rpps=ids.get(SYSTEMS["rpps"], ""),
                riziv=ids.get(SYSTEMS["riziv"], ""),
            )
            dataset.professionals.append(people[resource["id"]])
    for where, resource in resources:
        if resource["resourceType"] != "PractitionerRole":
            continue
        person = people.get(_ref(resource.get("practitioner")))
        if person is None:
            problems.append(
                Problem(where, "PractitionerRole.practitioner", _("Unknown practitioner."))
            )
            continue
        organisation = _ref(resource.get("organization"))
        referent = _code(resource.get("code"), CS_REFERENT)
        if referent:
            period = resource.get("period") or {}
            try:
                person.referents.append(
                    ReferentRecord(
                        organisation,
                        referent[0],
                        date.fromisoformat(period["start"][:10]),
                        date.fromisoformat(period["end"][:10]) if period.get("end") else None,
                    )
                )
            except (KeyError, ValueError):
                problems.append(
                    Problem(where, "PractitionerRole.period", _("A referent needs a start date."))
                )
            continue
        accepting = _ext(resource, EXT_ACCEPTING)
        contact = {t.get("system"): t.get("value", "") for t in resource.get("telecom", [])}
        person.roles.append(
            RoleRecord(
                organisation,
                bool(accepting.get("valueBoolean", True)) if accepting else True,
                contact.get("phone", ""),
                contact.get("email", ""),
            )
        )
        specialty = (resource.get("specialty") or [{}])[0].get("text")
        if specialty:
            person.specialty = specialty
    return dataset, problems
