"""Stay life cycle: admit, discharge, cancel. Each change writes an audit row."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.audit.actions import Actor, audit_record
from parcours.audit.models import AuditAction, AuditOutcome
from parcours.directory.models import Organisation, OrganisationType
from parcours.patients.models import Patient
from parcours.transitions.aftercare_actions import readmission_check
from parcours.transitions.models import Stay, StayStatus


class StayError(ValueError):
    pass


def _audit(*, actor: Actor, stay: Stay, action: str, what: str) -> None:
    audit_record(
        actor=actor,
        action=action,
        what=what,
        outcome=AuditOutcome.SUCCESS,
        patient_id=stay.patient_id,
        purpose="treatment",
        detail={"stay": stay.pk, "hospital": stay.hospital.code},
    )


@transaction.atomic
def stay_admit(
    *,
    patient: Patient,
    hospital: Organisation,
    ward: Organisation | None = None,
    admitted_at: datetime | None = None,
    expected_discharge_at: datetime | None = None,
    external_id: str = "",
    source: str = "",
    actor: Actor,
) -> Stay:
    """Open a stay (by hand or from the hospital's ADT feed)."""
    if hospital.type != OrganisationType.HOSPITAL:
        raise StayError(_("A stay must be in a hospital."))
    if ward is not None and ward.parent_id != hospital.pk:
        raise StayError(_("This ward does not belong to this hospital."))
    stay = Stay.objects.create(
        patient=patient,
        hospital=hospital,
        ward=ward,
        admitted_at=admitted_at or timezone.now(),
        expected_discharge_at=expected_discharge_at,
        external_id=external_id,
        source=source,
    )
    _audit(actor=actor, stay=stay, action=AuditAction.CREATE, what="stay")
    readmission_check(stay=stay, actor=actor)
    return stay


@transaction.atomic
def stay_discharge(*, stay: Stay, actor: Actor, discharged_at: datetime | None = None) -> Stay:
    stay = Stay.objects.select_for_update().get(pk=stay.pk)
    if stay.status != StayStatus.OPEN:
        raise StayError(_("Only an open stay can be discharged."))
    stay.status = StayStatus.DISCHARGED
    stay.discharged_at = discharged_at or timezone.now()
    stay.save(update_fields=["status", "discharged_at"])
    _audit(actor=actor, stay=stay, action=AuditAction.UPDATE, what="stay-discharge")
    return stay


@transaction.atomic
def stay_cancel(*, stay: Stay, actor: Actor) -> Stay:
    stay = Stay.objects.select_for_update().get(pk=stay.pk)
    if stay.status != StayStatus.OPEN:
        raise StayError(_("Only an open stay can be cancelled."))
    stay.status = StayStatus.CANCELLED
    stay.save(update_fields=["status"])
    _audit(actor=actor, stay=stay, action=AuditAction.UPDATE, what="stay-cancel")
    return stay


@transaction.atomic
def stay_transfer(*, stay: Stay, ward: Organisation | None, actor: Actor) -> Stay:
    """Move an open stay to another ward of its hospital (None: ward unknown)."""
    stay = Stay.objects.select_for_update().get(pk=stay.pk)
    if stay.status != StayStatus.OPEN:
        raise StayError(_("Only an open stay can be transferred."))
    if ward is not None and ward.parent_id != stay.hospital_id:
        raise StayError(_("This ward does not belong to this hospital."))
    stay.ward = ward
    stay.save(update_fields=["ward"])
    _audit(actor=actor, stay=stay, action=AuditAction.UPDATE, what="stay-transfer")
    return stay


@transaction.atomic
def stay_reopen(*, stay: Stay, actor: Actor) -> Stay:
    """Undo a discharge (the discharge was entered in error)."""
    stay = Stay.objects.select_for_update().get(pk=stay.pk)
    if stay.status != StayStatus.DISCHARGED:
        raise StayError(_("Only a discharged stay can be reopened."))
    stay.status = StayStatus.OPEN
    stay.discharged_at = None
    stay.save(update_fields=["status", "discharged_at"])
    _audit(actor=actor, stay=stay, action=AuditAction.UPDATE, what="stay-reopen")
    return stay
