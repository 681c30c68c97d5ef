"""Read the directory back into records, for the exports."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch

from parcours.directory.interchange.records import (
    Capacity,
    Dataset,
    OrganisationRecord,
    ProfessionalRecord,
    ReferentRecord,
    RoleRecord,
    ServiceRecord,
)
from parcours.directory.models import (
    Organisation,
    Professional,
    ProfessionalRole,
    Referent,
    Service,
)


def organisation_records() -> Iterator[OrganisationRecord]:
    organisations = (
        Organisation.objects.select_related("parent", "municipality")
        .prefetch_related("identifiers", "channels")
        .order_by("code")
    )
    for org in organisations.iterator(chunk_size=2000):
        yield OrganisationRecord(
            where=org.code,
            code=org.code,
            name=org.name,
            type=org.type,
            country=org.country,
            parent=org.parent.code if org.parent else "",
            municipality=(org.municipality.country, org.municipality.code)
            if org.municipality
            else None,
            address=org.address,
            postcode=org.postcode,
            website=org.website,
            description=org.description,
            identifiers=[(i.kind, i.value) for i in org.identifiers.all()],
            channels=[(c.kind, c.value) for c in org.channels.all()],
        )


def service_records() -> Iterator[ServiceRecord]:
    services = (
        Service.objects.exclude(code__isnull=True)
        .select_related("organisation")
        .prefetch_related("areas", "opening_hours", "closures", "channels")
        .order_by("code")
    )
    for s in services.iterator(chunk_size=2000):
        yield ServiceRecord(
            where=s.code or "",
            code=s.code or "",
            organisation=s.organisation.code,
            name=s.name,
            category=s.category,
            active=s.active,
            description=s.description,
            target_groups=s.target_groups,
            eligibility=s.eligibility,
            fees=s.fees,
            referral=s.referral,
            languages=s.languages,
            areas=sorted((a.country, a.code) for a in s.areas.all()),
            hours=[(h.day, h.opens, h.closes) for h in s.opening_hours.all()],
            closures=[(c.starts_on, c.ends_on, c.reason) for c in s.closures.all()],
            channels=[(c.kind, c.value) for c in s.channels.all()],
            capacity=Capacity(
                s.capacity_status, s.waiting_list_length, s.typical_wait_days, s.capacity_updated_at
            )
            if s.capacity_status
            else None,
        )


def professional_records() -> Iterator[ProfessionalRecord]:
    people = (
        Professional.objects.exclude(code__isnull=True)
        .prefetch_related(
            Prefetch("roles", queryset=ProfessionalRole.objects.select_related("organisation")),
            Prefetch("referent_for", queryset=Referent.objects.select_related("organisation")),
        )
        .order_by("code")
    )
    for p in people.iterator(chunk_size=2000):
        yield ProfessionalRecord(
            where=p.code or "",
            code=p.code or "",
            given_name=p.given_name,
            family_name=p.family_name,
            profession=p.profession,
            specialty=p.specialty,
            languages=p.languages,
            rpps=p.rpps,
            riziv=p.riziv,
            roles=[
                RoleRecord(r.organisation.code, r.accepting_new_patients, r.phone, r.email)
                for r in p.roles.all()
            ],
            referents=[
                ReferentRecord(r.organisation.code, r.kind, r.starts_on, r.ends_on)
                for r in p.referent_for.all()
            ],
        )


def dataset_from_database(*, professionals: bool = True) -> Dataset:
    return Dataset(
        organisations=list(organisation_records()),
        services=list(service_records()),
        professionals=list(professional_records()) if professionals else [],
    )
