"""The directory as plain records: what every import format is read into and every export is
written from. `dataset_validate` lists every problem; `dataset_apply` writes all or nothing and
is idempotent (records are matched on their codes; a second run changes nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.directory.documents import professionals_reindex, services_reindex
from parcours.directory.identifiers import IdentifierKind, check_identifier
from parcours.directory.models import (
    CapacityStatus,
    ChannelKind,
    Closure,
    ContactChannel,
    OpeningHours,
    Organisation,
    OrganisationIdentifier,
    OrganisationType,
    Profession,
    Professional,
    ProfessionalRole,
    Referent,
    ReferentKind,
    Service,
    TargetGroup,
)
from parcours.territory.models import Municipality

Place = tuple[str, str]  # (country, official code)
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}$")


@dataclass
class OrganisationRecord:
    where: str
    code: str
    name: dict[str, str]
    type: str
    country: str = "BE"
    parent: str = ""
    municipality: Place | None = None
    address: str = ""
    postcode: str = ""
    website: str = ""
    description: dict[str, str] = field(default_factory=dict)
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    channels: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Capacity:
    status: str
    waiting_list_length: int | None = None
    typical_wait_days: int | None = None
    updated_at: datetime | None = None


@dataclass
class ServiceRecord:
    where: str
    code: str
    organisation: str
    name: dict[str, str]
    category: str
    active: bool = True
    description: dict[str, str] = field(default_factory=dict)
    target_groups: list[str] = field(default_factory=list)
    eligibility: dict[str, str] = field(default_factory=dict)
    fees: dict[str, str] = field(default_factory=dict)
    referral: dict[str, str] = field(default_factory=dict)
    languages: list[str] = field(default_factory=list)
    areas: list[Place] = field(default_factory=list)
    hours: list[tuple[int, int, int]] = field(default_factory=list)
    closures: list[tuple[date, date, dict[str, str]]] = field(default_factory=list)
    channels: list[tuple[str, str]] = field(default_factory=list)
    capacity: Capacity | None = None


@dataclass
class RoleRecord:
    organisation: str
    accepting_new_patients: bool = True
    phone: str = ""
    email: str = ""


@dataclass
class ReferentRecord:
    organisation: str
    kind: str
    starts_on: date
    ends_on: date | None = None


@dataclass
class ProfessionalRecord:
    where: str
    code: str
    given_name: str
    family_name: str
    profession: str
    specialty: str = ""
    languages: list[str] = field(default_factory=list)
    rpps: str = ""
    riziv: str = ""
    roles: list[RoleRecord] = field(default_factory=list)
    referents: list[ReferentRecord] = field(default_factory=list)


@dataclass
class Dataset:
    organisations: list[OrganisationRecord] = field(default_factory=list)
    services: list[ServiceRecord] = field(default_factory=list)
    professionals: list[ProfessionalRecord] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    where: str  # "line 4", "entry 7", "services[2]"
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}, {self.field}: {self.message}"


class DirectoryImportError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class ImportReport:
    organisations: int = 0
    services: int = 0
    professionals: int = 0
    changed: int = 0
    warnings: list[Problem] = field(default_factory=list)


def _check_texts(problems: list[Problem], where: str, name: str, texts: dict[str, str]) -> None:
    for lang in texts:
        if not LANGUAGE.match(lang):
            problems.append(
                Problem(where, name, _("Unknown language code %(code)s.") % {"code": lang})
            )


def dataset_validate(dataset: Dataset) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) of a whole dataset, against itself and the database."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    org_codes = {o.code for o in dataset.organisations}
    known_orgs = org_codes | set(
        Organisation.objects.filter(
            code__in={s.organisation for s in dataset.services}
            | {r.organisation for p in dataset.professionals for r in p.roles}
            | {r.organisation for p in dataset.professionals for r in p.referents}
            | {o.parent for o in dataset.organisations if o.parent}
        ).values_list("code", flat=True)
    )
    places = {m for o in dataset.organisations if o.municipality for m in [o.municipality]}
    places |= {a for s in dataset.services for a in s.areas}
    known_places = set(
        Municipality.objects.filter(code__in={c for _country, c in places}).values_list(
            "country", "code"
        )
    )

    def unknown_place(where: str, name: str, place: Place) -> None:
        if place not in known_places:
            message = _("Unknown municipality %(place)s.") % {"place": f"{place[0]}:{place[1]}"}
            errors.append(Problem(where, name, message))

    seen: set[str] = set()
    for org in dataset.organisations:
        if not CODE.match(org.code):
            errors.append(
                Problem(org.where, "code", _("A code is lower-case letters, digits and dashes."))
            )
        if org.code in seen:
            errors.append(Problem(org.where, "code", _("This code appears twice in the file.")))
        seen.add(org.code)
        if not any(org.name.values()):
            errors.append(Problem(org.where, "name", _("A name is required.")))
        _check_texts(errors, org.where, "name", org.name)
        if org.type not in OrganisationType.values:
            errors.append(
                Problem(
                    org.where,
                    "type",
                    _("Unknown organisation type %(value)s.") % {"value": org.type},
                )
            )
        if org.country not in ("BE", "FR"):
            errors.append(Problem(org.where, "country", _("The country is BE or FR.")))
        if org.parent and org.parent not in known_orgs:
            errors.append(
                Problem(
                    org.where, "parent", _("Unknown organisation %(code)s.") % {"code": org.parent}
                )
            )
        if org.municipality:
            unknown_place(org.where, "municipality", org.municipality)
        for kind, value in org.identifiers:
            if kind not in IdentifierKind.values:
                errors.append(
                    Problem(
                        org.where,
                        "identifiers",
                        _("Unknown identifier type %(value)s.") % {"value": kind},
                    )
                )
                continue
            check = check_identifier(kind, value)
            if check.error:
                errors.append(Problem(org.where, f"identifiers.{kind}", f"{value}: {check.error}"))
            elif check.warning:
                warnings.append(
                    Problem(org.where, f"identifiers.{kind}", f"{value}: {check.warning}")
                )
        _check_channels(errors, org.where, org.channels)
    seen = set()
    for service in dataset.services:
        where = service.where
        if not CODE.match(service.code):
            errors.append(
                Problem(
                    where, "service_code", _("A code is lower-case letters, digits and dashes.")
                )
            )
        if service.code in seen:
            errors.append(Problem(where, "service_code", _("This code appears twice in the file.")))
        seen.add(service.code)
        if service.organisation not in known_orgs:
            errors.append(
                Problem(
                    where,
                    "organisation",
                    _("Unknown organisation %(code)s.") % {"code": service.organisation},
                )
            )
        if not any(service.name.values()):
            errors.append(Problem(where, "name", _("A name is required.")))
        if service.category not in OrganisationType.values:
            errors.append(
                Problem(
                    where,
                    "category",
                    _("Unknown category %(value)s.") % {"value": service.category},
                )
            )
        for group in service.target_groups:
            if group not in TargetGroup.values:
                errors.append(
                    Problem(
                        where,
                        "target_groups",
                        _("Unknown target group %(value)s.") % {"value": group},
                    )
                )
        for lang in service.languages:
            if not LANGUAGE.match(lang):
                errors.append(
                    Problem(
                        where, "languages", _("Unknown language code %(code)s.") % {"code": lang}
                    )
                )
        for place in service.areas:
            unknown_place(where, "municipalities_served", place)
        for day, opens, closes in service.hours:
            if not (0 <= day <= 7 and 0 <= opens < closes <= 1440):
                errors.append(
                    Problem(
                        where,
                        "hours",
                        _("Opening hours must open before they close, between 00:00 and 24:00."),
                    )
                )
        for start, end, _reason in service.closures:
            if end < start:
                errors.append(Problem(where, "closures", _("A closure ends before it starts.")))
        if service.capacity and service.capacity.status not in CapacityStatus.values:
            errors.append(
                Problem(
                    where,
                    "capacity",
                    _("Unknown capacity %(value)s.") % {"value": service.capacity.status},
                )
            )
        _check_channels(errors, where, service.channels)
    seen = set()
    for person in dataset.professionals:
        where = person.where
        if not CODE.match(person.code):
            errors.append(
                Problem(where, "code", _("A code is lower-case letters, digits and dashes."))
            )
        if person.code in seen:
            errors.append(Problem(where, "code", _("This code appears twice in the file.")))
        seen.add(person.code)
        if not person.family_name:
            errors.append(Problem(where, "family_name", _("A family name is required.")))
        if person.profession not in Profession.values:
            errors.append(
                Problem(
                    where,
                    "profession",
                    _("Unknown profession %(value)s.") % {"value": person.profession},
                )
            )
        for kind, value in (("rpps", person.rpps), ("riziv", person.riziv)):
            if value:
                check = check_identifier(kind, value)
                if check.error:
                    errors.append(Problem(where, kind, f"{value}: {check.error}"))
                elif check.warning:
                    warnings.append(Problem(where, kind, f"{value}: {check.warning}"))
        for role in person.roles:
            if role.organisation not in known_orgs:
                errors.append(
                    Problem(
                        where,
                        "roles",
                        _("Unknown organisation %(code)s.") % {"code": role.organisation},
                    )
                )
        for referent in person.referents:
            if referent.organisation not in known_orgs:
                errors.append(
                    Problem(
                        where,
                        "referents",
                        _("Unknown organisation %(code)s.") % {"code": referent.organisation},
                    )
                )
            if referent.kind not in ReferentKind.values:
                errors.append(
                    Problem(
                        where,
                        "referents",
                        _("Unknown referent kind %(value)s.") % {"value": referent.kind},
                    )
                )
    return errors, warnings


def _check_channels(errors: list[Problem], where: str, channels: list[tuple[str, str]]) -> None:
    for kind, value in channels:
        if kind not in ChannelKind.values:
            errors.append(
                Problem(
                    where, "channels", _("Unknown contact channel %(value)s.") % {"value": kind}
                )
            )
        elif not value.strip():
            errors.append(Problem(where, kind, _("An address or number is required.")))


def _parents_first(organisations: list[OrganisationRecord]) -> list[OrganisationRecord]:
    by_code = {o.code: o for o in organisations}
    ordered: list[OrganisationRecord] = []
    done: set[str] = set()

    def visit(org: OrganisationRecord, depth: int = 0) -> None:
        if org.code in done or depth > 20:
            return
        if org.parent in by_code:
            visit(by_code[org.parent], depth + 1)
        done.add(org.code)
        ordered.append(org)

    for org in organisations:
        visit(org)
    return ordered


def _set(instance: object, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(instance, key) != value:
            setattr(instance, key, value)
            changed = True
    return changed


@transaction.atomic
def dataset_apply(dataset: Dataset) -> ImportReport:
    """Validate, then write everything or nothing."""
    errors, warnings = dataset_validate(dataset)
    if errors:
        raise DirectoryImportError(sorted(errors, key=lambda p: (len(p.where), p.where)))
    report = ImportReport(warnings=warnings)
    places = {
        (m.country, m.code): m
        for m in Municipality.objects.filter(
            code__in={c for s in dataset.services for _k, c in s.areas}
            | {o.municipality[1] for o in dataset.organisations if o.municipality}
        )
    }
    organisations = {
        o.code: o
        for o in Organisation.objects.filter(
            code__in={o.code for o in dataset.organisations}
            | {o.parent for o in dataset.organisations}
            | {s.organisation for s in dataset.services}
            | {r.organisation for p in dataset.professionals for r in p.roles}
            | {r.organisation for p in dataset.professionals for r in p.referents}
        )
    }
    touched_orgs: list[Organisation] = []
    for record in _parents_first(dataset.organisations):
        values: dict[str, Any] = {
            "name": record.name,
            "type": record.type,
            "country": record.country,
            "parent": organisations[record.parent] if record.parent else None,
            "municipality": places.get(record.municipality) if record.municipality else None,
            "address": record.address,
            "postcode": record.postcode,
            "website": record.website,
            "description": record.description,
        }
        organisation = organisations.get(record.code)
        if organisation is None:
            organisation = Organisation.objects.create(code=record.code, **values)
            report.changed += 1
        elif _set(organisation, values):
            organisation.save()
            report.changed += 1
            touched_orgs.append(organisation)
        organisations[record.code] = organisation
        identifiers = {(k, check_identifier(k, v).value) for k, v in record.identifiers}
        current = set(organisation.identifiers.values_list("kind", "value"))
        if identifiers != current:
            organisation.identifiers.all().delete()
            OrganisationIdentifier.objects.filter(
                kind__in=[k for k, _v in identifiers], value__in=[v for _k, v in identifiers]
            ).delete()
            OrganisationIdentifier.objects.bulk_create(
                OrganisationIdentifier(organisation=organisation, kind=k, value=v)
                for k, v in sorted(identifiers)
            )
            report.changed += 1
        report.changed += _replace_channels(
            organisation.channels.all(), record.channels, {"organisation": organisation}
        )
        report.organisations += 1
    service_ids = []
    existing = {
        s.code: s for s in Service.objects.filter(code__in=[s.code for s in dataset.services])
    }
    for srec in dataset.services:
        anchor = places.get(srec.areas[0]) if srec.areas else None
        organisation = organisations[srec.organisation]
        anchor = organisation.municipality or anchor
        values = {
            "organisation": organisation,
            "name": srec.name,
            "category": srec.category,
            "active": srec.active,
            "description": srec.description,
            "target_groups": srec.target_groups,
            "eligibility": srec.eligibility,
            "fees": srec.fees,
            "referral": srec.referral,
            "languages": srec.languages,
            "country": organisation.country,
            "latitude": anchor.latitude if anchor else None,
            "longitude": anchor.longitude if anchor else None,
        }
        if srec.capacity is not None:
            capacity = {
                "capacity_status": srec.capacity.status,
                "waiting_list_length": srec.capacity.waiting_list_length,
                "typical_wait_days": srec.capacity.typical_wait_days,
            }
            service = existing.get(srec.code)
            if service is None or any(getattr(service, k) != v for k, v in capacity.items()):
                values.update(capacity)
                values["capacity_updated_at"] = srec.capacity.updated_at or timezone.now()
        service = existing.get(srec.code)
        if service is None:
            service = Service.objects.create(code=srec.code, **values)
            report.changed += 1
        elif _set(service, values):
            service.save()
            report.changed += 1
        areas = {places[a].id for a in srec.areas}
        if areas != set(service.areas.values_list("id", flat=True)):
            service.areas.set(areas)
            report.changed += 1
        hours = sorted(srec.hours)
        if hours != sorted(service.opening_hours.values_list("day", "opens", "closes")):
            service.opening_hours.all().delete()
            OpeningHours.objects.bulk_create(
                OpeningHours(service=service, day=d, opens=o, closes=c) for d, o, c in hours
            )
            report.changed += 1
        closures = sorted((s, e, r) for s, e, r in srec.closures)
        current_closures = sorted(service.closures.values_list("starts_on", "ends_on", "reason"))
        if [(s, e) for s, e, _r in closures] != [(s, e) for s, e, _r in current_closures]:
            service.closures.all().delete()
            Closure.objects.bulk_create(
                Closure(service=service, starts_on=s, ends_on=e, reason=r) for s, e, r in closures
            )
            report.changed += 1
        report.changed += _replace_channels(
            service.channels.all(), srec.channels, {"service": service}
        )
        service_ids.append(service.id)
        report.services += 1
    professional_ids = []
    people = {
        p.code: p
        for p in Professional.objects.filter(code__in=[p.code for p in dataset.professionals])
    }
    for prec in dataset.professionals:
        values = {
            "given_name": prec.given_name,
            "family_name": prec.family_name,
            "profession": prec.profession,
            "specialty": prec.specialty,
            "languages": prec.languages,
            "rpps": check_identifier("rpps", prec.rpps).value if prec.rpps else "",
            "riziv": check_identifier("riziv", prec.riziv).value if prec.riziv else "",
        }
        person = people.get(prec.code)
        if person is None:
            person = Professional.objects.create(code=prec.code, **values)
            report.changed += 1
        elif _set(person, values):
            person.save()
            report.changed += 1
        wanted_roles = {
            (organisations[r.organisation].id, r.accepting_new_patients, r.phone, r.email)
            for r in prec.roles
        }
        current_roles = set(
            person.roles.values_list("organisation_id", "accepting_new_patients", "phone", "email")
        )
        if wanted_roles != current_roles:
            person.roles.all().delete()
            ProfessionalRole.objects.bulk_create(
                ProfessionalRole(
                    professional=person,
                    organisation_id=o,
                    accepting_new_patients=a,
                    phone=p,
                    email=e,
                )
                for o, a, p, e in sorted(wanted_roles)
            )
            report.changed += 1
        wanted_referents = {
            (organisations[r.organisation].id, r.kind, r.starts_on, r.ends_on)
            for r in prec.referents
        }
        current_referents = set(
            person.referent_for.values_list("organisation_id", "kind", "starts_on", "ends_on")
        )
        if wanted_referents != current_referents:
            person.referent_for.all().delete()
            Referent.objects.bulk_create(
                Referent(professional=person, organisation_id=o, kind=k, starts_on=s, ends_on=e)
                for o, k, s, e in sorted(wanted_referents, key=str)
            )
            report.changed += 1
        professional_ids.append(person.id)
        report.professionals += 1
    for organisation in touched_orgs:
        service_ids += list(
            Service.objects.filter(organisation=organisation).values_list("id", flat=True)
        )
        professional_ids += list(
            ProfessionalRole.objects.filter(organisation=organisation).values_list(
                "professional_id", flat=True
            )
        )
    services_reindex(set(service_ids))
    professionals_reindex(set(professional_ids))
    return report


def _replace_channels(current: Any, wanted: list[tuple[str, str]], owner: dict[str, Any]) -> int:
    existing = list(current.values_list("kind", "value"))
    if sorted(existing) == sorted(wanted):
        return 0
    current.delete()
    ContactChannel.objects.bulk_create(ContactChannel(kind=k, value=v, **owner) for k, v in wanted)
    return 1
