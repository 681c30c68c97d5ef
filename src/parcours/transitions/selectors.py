from __future__ import annotations

from django.db.models import QuerySet

from parcours.transitions.models import Stay, StayStatus


def open_stays(*, patient_id: int) -> QuerySet[Stay]:
    return Stay.objects.filter(patient_id=patient_id, status=StayStatus.OPEN)
