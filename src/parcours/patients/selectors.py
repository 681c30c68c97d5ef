"""Reads around the patient: duplicates, directory look-up for the circle, the circle graph."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.audit.models import AuditEvent
from parcours.directory.models import Organisation, Professional, Service
from parcours.patients.access import PatientAccess
from parcours.patients.models import (
    CircleMember,
    ConsentEvent,
    Exclusion,
    Patient,
    PatientIdentifier,
    PatientStatus,
)

NAME_SIMILARITY = 0.85


def normalise_name(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in letters).split())


@dataclass(frozen=True)
class DuplicateCandidate:
    patient_id: int
    kind: str  # "identifier" or "name-and-birth-date"


def find_duplicates(
    *,
    identifiers: list[tuple[str, str]],
    given_name: str,
    family_name: str,
    birth_date: date | None,
    exclude_id: int | None = None,
) -> list[DuplicateCandidate]:
    """Same national identifier first; then the same birth date with a close name."""
    found: list[DuplicateCandidate] = []
    seen: set[int] = set()
    national = [(s, v) for s, v in identifiers if s != "local"]
    if national:
        q = Q()
        for system, value in national:
            q |= Q(system=system, value=value)
        for patient_id in PatientIdentifier.objects.filter(q).values_list("patient_id", flat=True):
            if patient_id != exclude_id and patient_id not in seen:
                seen.add(patient_id)
                found.append(DuplicateCandidate(patient_id, "identifier"))
    if birth_date is not None:
        wanted = normalise_name(f"{family_name} {given_name}")
        same_day = Patient.objects.filter(birth_date=birth_date, status=PatientStatus.ACTIVE)
        for patient in same_day.only("pk", "given_name", "family_name")[:200]:
            if patient.pk == exclude_id or patient.pk in seen:
                continue
            name = normalise_name(f"{patient.family_name} {patient.given_name}")
            swapped = normalise_name(f"{patient.given_name} {patient.family_name}")
            ratio = max(
                difflib.SequenceMatcher(None, wanted, name).ratio(),
                difflib.SequenceMatcher(None, wanted, swapped).ratio(),
            )
            if ratio >= NAME_SIMILARITY:
                seen.add(patient.pk)
                found.append(DuplicateCandidate(patient.pk, "name-and-birth-date"))
    return found


def patient_id_by_identifier(*, system: str, value: str) -> int | None:
    """For emergency access by number only: the caller must pass the result to
    `break_the_glass`, which audits and refuses exactly as for any other patient."""
    row = (
        PatientIdentifier.objects.filter(system=system, value=value.replace(" ", ""))
        .values_list("patient_id", flat=True)
        .first()
    )
    return row


@dataclass(frozen=True)
class DirectoryHit:
    kind: str  # professional, service, organisation
    pk: int
    label: str
    detail: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.pk}"


def _json_name_q(query: str) -> Q:
    return (
        Q(name__fr__icontains=query) | Q(name__nl__icontains=query) | Q(name__en__icontains=query)
    )


def directory_lookup(*, query: str, limit: int = 10) -> list[DirectoryHit]:
    """One search field over professionals, services and organisations of the directory.

    A plain `icontains` on the names for now; the directory's full-text search can replace the
    body of this function without changing its callers.
    """
    query = query.strip()
    if len(query) < 2:
        return []
    hits: list[DirectoryHit] = []
    words = query.split()
    professionals: QuerySet[Professional] = Professional.objects.filter(active=True)
    for word in words:
        professionals = professionals.filter(
            Q(given_name__icontains=word) | Q(family_name__icontains=word)
        )
    for professional in professionals.prefetch_related("roles__organisation")[:limit]:
        organisations = ", ".join(
            r.organisation.display_name for r in professional.roles.all() if r.active
        )
        hits.append(
            DirectoryHit(
                "professional",
                professional.pk,
                str(professional),
                f"{professional.get_profession_display()} · {organisations}".strip(" ·"),
            )
        )
    for service in Service.objects.filter(_json_name_q(query), active=True).select_related(
        "organisation"
    )[:limit]:
        hits.append(
            DirectoryHit("service", service.pk, service.display_name, str(service.organisation))
        )
    for organisation in Organisation.objects.filter(_json_name_q(query), active=True)[:limit]:
        hits.append(
            DirectoryHit(
                "organisation",
                organisation.pk,
                organisation.display_name,
                str(organisation.get_type_display()),
            )
        )
    return hits[: limit * 2]


def circle_members(*, access: PatientAccess, include_ended: bool = True) -> list[CircleMember]:
    members = CircleMember.objects.filter(patient=access.patient).select_related(
        "professional", "service__organisation", "organisation"
    )
    today = timezone.localdate()
    result = [m for m in members.order_by("end_date", "role", "pk")]
    if not include_ended:
        result = [m for m in result if m.is_active_on(today)]
    return result


def circle_graph(*, access: PatientAccess) -> dict[str, Any]:
    """Nodes and edges for the map (cytoscape), active members only."""
    today = timezone.localdate()
    patient = access.patient
    nodes: list[dict[str, Any]] = [
        {"data": {"id": "patient", "label": patient.display_name, "kind": "patient"}}
    ]
    edges: list[dict[str, Any]] = []
    for member in circle_members(access=access, include_ended=False):
        node_id = f"m{member.pk}"
        nodes.append(
            {
                "data": {
                    "id": node_id,
                    "label": member.display_name,
                    "kind": member.kind,
                    "role": str(member.get_role_display()),
                    "confirmed": member.patient_confirmed,
                }
            }
        )
        edges.append(
            {
                "data": {
                    "id": f"e{member.pk}",
                    "source": "patient",
                    "target": node_id,
                    "label": str(member.get_role_display()),
                    "visibility": member.visibility,
                }
            }
        )
    return {
        "elements": nodes + edges,
        "today": today.isoformat(),
        "labels": {"patient": _("Patient")},
    }


def consent_history(*, access: PatientAccess) -> QuerySet[ConsentEvent]:
    return ConsentEvent.objects.filter(patient=access.patient).select_related("recorded_by")


def exclusions(*, access: PatientAccess) -> QuerySet[Exclusion]:
    return Exclusion.objects.filter(patient=access.patient).select_related("professional")


def access_log(*, access: PatientAccess, limit: int = 500) -> list[AuditEvent]:
    """Who looked at this record (including records merged into it)."""
    ids = [access.patient.pk, *access.patient.merged_records.values_list("pk", flat=True)]
    return list(AuditEvent.objects.filter(patient_id__in=ids).order_by("-seq")[:limit])
