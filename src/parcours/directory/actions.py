"""Directory writes. Every change that touches searchable text rebuilds the search documents."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.accounts.models import User
from parcours.directory.documents import professionals_reindex, services_reindex
from parcours.directory.models import CapacityStatus, CapacityUpdate, Service
from parcours.directory.selectors import can_update_capacity


class CapacityUpdateRefused(PermissionError):
    """Only the service's own staff state its capacity."""


@transaction.atomic
def service_capacity_update(
    *,
    service: Service,
    status: str,
    author: User,
    waiting_list_length: int | None = None,
    typical_wait_days: int | None = None,
) -> CapacityUpdate:
    """Record the capacity a service's staff state now; it stops being stale."""
    if not can_update_capacity(author, service):
        raise CapacityUpdateRefused(_("Only the service's own staff can update its capacity."))
    if status not in CapacityStatus.values:
        raise ValueError(_("Unknown capacity."))
    if status != CapacityStatus.WAITING_LIST:
        waiting_list_length = waiting_list_length if status == CapacityStatus.FULL else None
    update = CapacityUpdate.objects.create(
        service=service,
        status=status,
        waiting_list_length=waiting_list_length,
        typical_wait_days=typical_wait_days,
        author=author,
        at=timezone.now(),
    )
    service.capacity_status = status
    service.waiting_list_length = waiting_list_length
    service.typical_wait_days = typical_wait_days
    service.capacity_updated_at = update.at
    service.capacity_updated_by = author
    service.save(
        update_fields=[
            "capacity_status",
            "waiting_list_length",
            "typical_wait_days",
            "capacity_updated_at",
            "capacity_updated_by",
        ]
    )
    return update


@transaction.atomic
def directory_reindex() -> tuple[int, int]:
    """Rebuild every search document (after editing the synonym list)."""
    from parcours.directory.models import Professional

    services = 0
    ids = list(Service.objects.values_list("id", flat=True))
    for start in range(0, len(ids), 5000):
        services += services_reindex(ids[start : start + 5000])
    professionals = 0
    ids = list(Professional.objects.values_list("id", flat=True))
    for start in range(0, len(ids), 5000):
        professionals += professionals_reindex(ids[start : start + 5000])
    return services, professionals
