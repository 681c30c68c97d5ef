"""Patient-linked resources reach patients only through `parcours.patients.access`.

`patient_access` grants one patient (audited by `access_patient`; unknown and refused are the
same 404); `accessible` narrows a search to the patients the user may reach and writes one
audit row for the search, as `access_patient_list` does.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from parcours.audit.actions import audit_record
from parcours.audit.models import AuditAction, AuditOutcome
from parcours.interop.fhir.context import Context
from parcours.interop.fhir.errors import not_found
from parcours.patients.access import (
    PatientAccess,
    PatientNotFound,
    Purpose,
    access_patient,
    accessible_patients,
    actor_of,
)
from parcours.patients.models import ConsentStatus, Visibility


def patient_access(
    ctx: Context,
    patient_id: int | str,
    *,
    resource_type: str,
    resource_id: str,
    purpose: str = Purpose.TREATMENT,
    action: str = AuditAction.READ,
    manage: bool = False,
    level: str = Visibility.NON_MEDICAL,
) -> PatientAccess:
    try:
        access = access_patient(
            ctx.user,
            patient_id,
            purpose=purpose,
            action=action,
            what=f"fhir-{resource_type}",
            manage=manage,
        )
    except PatientNotFound:
        raise not_found(resource_type, resource_id) from None
    if level != Visibility.NONE and not access.allows(level):
        raise not_found(resource_type, resource_id)
    return access


def accessible(
    ctx: Context,
    queryset: QuerySet[Any],
    *,
    resource_type: str,
    path: str = "patient",
    despite_withdrawal: bool = False,
) -> QuerySet[Any]:
    """Rows of `queryset` whose patient (at `path`) the user may reach; one audit row.

    `accessible_patients` keeps a patient who refused or withdrew consent for the circle's
    managers (to record a new decision); only Consent searches keep them here, as a read
    would refuse everything else.
    """
    reachable = accessible_patients(ctx.user)
    if not despite_withdrawal:
        # `consent` is the latest decision, annotated by accessible_patients (NULL: none yet).
        sharing = Q(consent__isnull=True) | Q(consent=ConsentStatus.GIVEN)
        reachable = reachable.filter(sharing)
    patients = reachable.values("pk")
    lookup = f"{path}__in" if path else "pk__in"
    audit_record(
        actor=actor_of(ctx.user),
        action=AuditAction.READ,
        what=f"fhir-{resource_type}-search",
        outcome=AuditOutcome.SUCCESS,
        purpose=Purpose.TREATMENT,
        detail={"resource": resource_type},
    )
    return queryset.filter(**{lookup: patients})
