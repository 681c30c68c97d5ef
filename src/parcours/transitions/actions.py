"""Stay life cycle, discharge plan and screenings. Each change is audited and leaves a row.

Actions the hospital's ADT feed also drives (`stay_admit`, `stay_start`, `stay_transfer`,
`stay_discharge`, `stay_cancel`, `stay_reopen`, `stay_expected_discharge_set`) take an `Actor`;
actions only people take (`stay_referent_assign`, `stay_plan_item_*`, `screening_record`) take the
`PatientAccess` granted by `parcours.patients.access`, and check what that user may change.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from parcours.accounts.models import User
from parcours.audit.actions import Actor, audit_record
from parcours.audit.models import AuditAction, AuditOutcome
from parcours.directory.models import Organisation, OrganisationType, Professional
from parcours.live import publish_to_users
from parcours.messaging.actions import notification_create
from parcours.patients.access import PatientAccess
from parcours.patients.models import Patient
from parcours.transactions import atomic_action
from parcours.transitions.aftercare_actions import readmission_check
from parcours.transitions.models import (
    Anchor,
    Destination,
    LiaisonProtocol,
    Phase,
    PlanItem,
    PlanItemSource,
    PlanItemStatus,
    ProtocolItem,
    ScheduledItem,
    ScreeningRecord,
    ScreeningTrigger,
    Stay,
    StayEvent,
    StayEventKind,
    StayStatus,
)
from parcours.transitions.notifications import PLAN_ITEM_ASSIGNED, STAY_REFERENT_ASSIGNED
from parcours.transitions.screening import INSTRUMENTS
from parcours.transitions.selectors import (
    can_update_item,
    is_stay_team,
    protocol_for,
    referent_candidates,
    stay_team_user_ids,
    triggers_for,
)
from parcours.transitions.triggers import parse_condition


class StayError(ValueError):
    """A refused change, with a message for the user."""

    def __init__(self, message: str | Promise = "") -> None:
        super().__init__(str(message))
        self.message = message


class StayForbidden(StayError):
    """The user may see the stay but not make this change."""


def _audit(*, actor: Actor, stay: Stay, action: str, what: str, **detail: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        what=what,
        outcome=AuditOutcome.SUCCESS,
        patient_id=stay.patient_id,
        purpose="treatment",
        detail={"stay": stay.pk, "hospital": stay.hospital.code, **detail},
    )


def _actor_label(actor: Actor) -> str:
    return actor.username[:150]


def _event(
    stay: Stay,
    kind: str,
    actor: Actor,
    *,
    at: datetime | None = None,
    ward: Organisation | None = None,
    detail: dict[str, Any] | None = None,
) -> StayEvent:
    return StayEvent.objects.create(
        stay=stay,
        kind=kind,
        at=at or timezone.now(),
        ward=ward,
        actor=_actor_label(actor),
        detail=detail or {},
    )


def _publish(stay: Stay) -> None:
    """Tell open pages of the hospital's team (stay page, worklist) that the stay changed."""
    events: list[dict[str, Any]] = [
        {"topic": f"stay-{stay.pk}", "kind": "stay.changed"},
        {"topic": f"worklist-{stay.hospital_id}", "kind": "stay.changed", "stay": stay.pk},
    ]
    referent_id = stay.referent_id

    def send() -> None:
        # After the commit: the team lookup stays out of the write transaction (ADT feed).
        user_ids = stay_team_user_ids(stay)
        if referent_id is not None:
            user_ids.append(referent_id)
        for event in events:
            publish_to_users(user_ids, event)

    transaction.on_commit(send)


def _locked(stay: Stay) -> Stay:
    return Stay.objects.select_related("hospital").select_for_update().get(pk=stay.pk)


def _live_codes(stay: Stay) -> set[str]:
    """Codes already planned on the stay (cancelled items do not count)."""
    return set(
        stay.plan_items.exclude(status=PlanItemStatus.CANCELLED)
        .exclude(code="")
        .values_list("code", flat=True)
    )


def _plan_from(
    stay: Stay,
    template: ScheduledItem,
    *,
    source: str,
    order: int = 0,
    protocol_item: ProtocolItem | None = None,
    trigger: ScreeningTrigger | None = None,
    screening: ScreeningRecord | None = None,
) -> PlanItem:
    return PlanItem(
        stay=stay,
        code=template.code,
        label=dict(template.label),
        responsible_role=template.responsible_role,
        anchor=template.anchor,
        offset_days=template.offset_days,
        phase=template.phase,
        due_at=template.due_from(stay),
        source=source,
        order=order,
        protocol_item=protocol_item,
        trigger=trigger,
        screening=screening,
    )


def _plan_protocol_phase(stay: Stay, phase: str, *, new_stay: bool = False) -> list[PlanItem]:
    """Create the items of the stay's protocol for `phase` whose code is not planned yet."""
    protocol = protocol_for(hospital_id=stay.hospital_id, ward_id=stay.ward_id)
    if protocol is None:
        return []
    existing = set() if new_stay else _live_codes(stay)
    items = [
        _plan_from(stay, item, source=PlanItemSource.PROTOCOL, order=item.order, protocol_item=item)
        for item in protocol.items.filter(phase=phase).order_by("order", "pk")
        if not item.code or item.code not in existing
    ]
    return PlanItem.objects.bulk_create(items)


def _recompute_due(stay: Stay, anchor: str) -> int:
    """Due dates of the open items anchored on `anchor`, from the stay's current dates."""
    changed = []
    for item in stay.plan_items.filter(status=PlanItemStatus.TODO, anchor=anchor):
        due = item.due_from(stay)
        if due != item.due_at:
            item.due_at = due
            changed.append(item)
    PlanItem.objects.bulk_update(changed, ["due_at"])
    return len(changed)


# --- stay life cycle ---------------------------------------------------------------------


@atomic_action
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
    admitting_physician: Professional | None = None,
    admitting_physician_name: str = "",
    planned: bool = False,
) -> Stay:
    """Open a stay (by hand or from the hospital's ADT feed) and its discharge plan.

    `planned=True` records a pre-admission (HL7 A05): the stay waits in `planned` until
    `stay_start`. The plan's "before discharge" items come from the ward's protocol, else the
    hospital's, with due dates from their anchors (unknown anchors leave the due date empty).
    """
    if hospital.type != OrganisationType.HOSPITAL:
        raise StayError(_("A stay must be in a hospital."))
    if ward is not None and ward.parent_id != hospital.pk:
        raise StayError(_("This ward does not belong to this hospital."))
    if expected_discharge_at and admitted_at and expected_discharge_at < admitted_at:
        raise StayError(_("The expected discharge cannot be before the admission."))
    stay = Stay.objects.create(
        patient=patient,
        hospital=hospital,
        ward=ward,
        admitted_at=admitted_at or timezone.now(),
        expected_discharge_at=expected_discharge_at,
        external_id=external_id,
        source=source,
        status=StayStatus.PLANNED if planned else StayStatus.OPEN,
        admitting_physician=admitting_physician,
        admitting_physician_name=admitting_physician_name[:200],
    )
    _event(
        stay,
        StayEventKind.PLANNED if planned else StayEventKind.ADMITTED,
        actor,
        at=stay.admitted_at,
        ward=ward,
    )
    created = _plan_protocol_phase(stay, Phase.BEFORE_DISCHARGE, new_stay=True)
    _audit(actor=actor, stay=stay, action=AuditAction.CREATE, what="stay", plan_items=len(created))
    readmission_check(stay=stay, actor=actor)
    _publish(stay)
    return stay


@atomic_action
def stay_start(
    *,
    stay: Stay,
    actor: Actor,
    admitted_at: datetime | None = None,
    ward: Organisation | None = None,
    admitting_physician: Professional | None = None,
    admitting_physician_name: str = "",
) -> Stay:
    """A planned admission begins (HL7 A01 after A05): due dates follow the real admission.

    An admitting physician given here replaces the planned one; none given keeps it."""
    stay = _locked(stay)
    if stay.status != StayStatus.PLANNED:
        raise StayError(_("Only a planned admission can begin."))
    if ward is not None and ward.parent_id != stay.hospital_id:
        raise StayError(_("This ward does not belong to this hospital."))
    stay.status = StayStatus.OPEN
    stay.admitted_at = admitted_at or timezone.now()
    if ward is not None:
        stay.ward = ward
    if admitting_physician is not None or admitting_physician_name:
        stay.admitting_physician = admitting_physician
        stay.admitting_physician_name = (
            "" if admitting_physician else admitting_physician_name[:200]
        )
    stay.save(
        update_fields=[
            "status",
            "admitted_at",
            "ward",
            "admitting_physician",
            "admitting_physician_name",
        ]
    )
    _event(stay, StayEventKind.ADMITTED, actor, at=stay.admitted_at, ward=stay.ward)
    _recompute_due(stay, Anchor.ADMISSION)
    _audit(actor=actor, stay=stay, action=AuditAction.UPDATE, what="stay-start")
    _publish(stay)
    return stay


@atomic_action
def stay_discharge(
    *,
    stay: Stay,
    actor: Actor,
    discharged_at: datetime | None = None,
    destination: str = "",
    discharge_disposition: str = "",
) -> Stay:
    """Close an open stay and create the follow-up items of the protocol (after discharge).

    Items anchored on the discharge that were already planned (by a screening trigger) get their
    due date now; a protocol item whose code is already planned is not added twice.
    """
    stay = _locked(stay)
    if stay.status != StayStatus.OPEN:
        raise StayError(_("Only an open stay can be discharged."))
    if destination and destination not in Destination.values:
        raise StayError(_("Unknown destination."))
    moment = discharged_at or timezone.now()
    if moment < stay.admitted_at:
        raise StayError(_("The discharge cannot be before the admission."))
    stay.status = StayStatus.DISCHARGED
    stay.discharged_at = moment
    stay.destination = destination or stay.destination
    stay.discharge_disposition = discharge_disposition[:20] or stay.discharge_disposition
    stay.save(update_fields=["status", "discharged_at", "destination", "discharge_disposition"])
    _event(
        stay,
        StayEventKind.DISCHARGED,
        actor,
        at=moment,
        ward=stay.ward,
        detail={"destination": stay.destination, "disposition": stay.discharge_disposition},
    )
    _recompute_due(stay, Anchor.DISCHARGE)
    follow_up: list[PlanItem] = []
    if stay.destination != Destination.DECEASED:
        follow_up = _plan_protocol_phase(stay, Phase.AFTER_DISCHARGE)
    else:
        stay.plan_items.filter(status=PlanItemStatus.TODO, phase=Phase.AFTER_DISCHARGE).update(
            status=PlanItemStatus.CANCELLED
        )
    _audit(
        actor=actor,
        stay=stay,
        action=AuditAction.UPDATE,
        what="stay-discharge",
        follow_up_items=len(follow_up),
    )
    _publish(stay)
    return stay


@atomic_action
def stay_cancel(*, stay: Stay, actor: Actor) -> Stay:
    """The admission was entered in error or did not happen: its open items are cancelled."""
    stay = _locked(stay)
    if stay.status not in (StayStatus.OPEN, StayStatus.PLANNED):
        raise StayError(_("Only an open stay can be cancelled."))
    stay.status = StayStatus.CANCELLED
    stay.save(update_fields=["status"])
    stay.plan_items.filter(status=PlanItemStatus.TODO).update(status=PlanItemStatus.CANCELLED)
    _event(stay, StayEventKind.CANCELLED, actor, ward=stay.ward)
    _audit(actor=actor, stay=stay, action=AuditAction.UPDATE, what="stay-cancel")
    _publish(stay)
    return stay


@atomic_action
def stay_transfer(
    *,
    stay: Stay,
    ward: Organisation | None,
    actor: Actor,
    at: datetime | None = None,
    detail: dict[str, Any] | None = None,
) -> Stay:
    """Move an open stay to another ward of its hospital (None: ward unknown).

    When the protocol that applies changes (the new ward has its own protocol, or the stay
    leaves a ward that had one), the plan follows it: see `_plan_follow_protocol`. What changed
    is kept on the event under "plan". `detail` is kept on the event (HL7 A12 records
    `{"cancels_transfer": True}`); its "from" key is always the ward the stay leaves.
    """
    stay = _locked(stay)
    if stay.status not in (StayStatus.OPEN, StayStatus.PLANNED):
        raise StayError(_("Only an open stay can be transferred."))
    if ward is not None and ward.parent_id != stay.hospital_id:
        raise StayError(_("This ward does not belong to this hospital."))
    previous = stay.ward_id
    left = protocol_for(hospital_id=stay.hospital_id, ward_id=previous)
    stay.ward = ward
    stay.save(update_fields=["ward"])
    event_detail: dict[str, Any] = {**(detail or {}), "from": previous}
    if ward is not None and ward.pk != previous:
        joined = protocol_for(hospital_id=stay.hospital_id, ward_id=ward.pk)
        if joined is not None and (left is None or joined.pk != left.pk):
            event_detail["plan"] = _plan_follow_protocol(stay, left=left, joined=joined)
    _event(stay, StayEventKind.TRANSFERRED, actor, at=at, ward=ward, detail=event_detail)
    _audit(
        actor=actor, stay=stay, action=AuditAction.UPDATE, what="stay-transfer", **(detail or {})
    )
    _publish(stay)
    return stay


def _same_item(planned: PlanItem, item: ProtocolItem) -> bool:
    """A plan item stands for a protocol item: the same protocol item, else the same code (codes
    are the stable names of the protocols: "the same code is never planned twice"), else, for
    items without a code, the same phase and the same label in a language both have."""
    if planned.protocol_item_id == item.pk:
        return True
    if item.code or planned.code:
        return item.code == planned.code
    shared = set(planned.label) & set(item.label)
    return planned.phase == item.phase and any(
        planned.label[lang].strip().casefold() == item.label[lang].strip().casefold()
        for lang in shared
    )


def _plan_follow_protocol(
    stay: Stay, *, left: LiaisonProtocol | None, joined: LiaisonProtocol
) -> dict[str, Any]:
    """After a transfer, bring the plan in line with the protocol of the new ward.

    - items of `joined` (before discharge: the follow-up is planned at the discharge, from the
      protocol of the ward then) that the plan does not have yet are added, due from the stay's
      dates; a cancelled plan item does not count as "has";
    - done and not-applicable items are never touched;
    - open protocol items that `joined` does not have are kept, marked `outside_protocol_of`
      (the team sees them on the plan and closes or keeps them); an open item the new protocol
      has again loses its mark (back to a ward whose protocol has it);
    - items added by hand or by a screening are left alone.
    """
    wanted = list(joined.items.order_by("phase", "order", "pk"))
    live = list(stay.plan_items.exclude(status=PlanItemStatus.CANCELLED))
    missing = [
        item
        for item in wanted
        if item.phase == Phase.BEFORE_DISCHARGE and not any(_same_item(p, item) for p in live)
    ]
    added = PlanItem.objects.bulk_create(
        [
            _plan_from(
                stay, item, source=PlanItemSource.PROTOCOL, order=item.order, protocol_item=item
            )
            for item in missing
        ]
    )
    marked: list[PlanItem] = []
    unmarked: list[PlanItem] = []
    for planned in live:
        if planned.status != PlanItemStatus.TODO or planned.source != PlanItemSource.PROTOCOL:
            continue
        in_joined = any(_same_item(planned, item) for item in wanted)
        if not in_joined and planned.outside_protocol_of_id != joined.pk:
            planned.outside_protocol_of = joined
            marked.append(planned)
        elif in_joined and planned.outside_protocol_of_id is not None:
            planned.outside_protocol_of = None
            unmarked.append(planned)
    PlanItem.objects.bulk_update(marked + unmarked, ["outside_protocol_of"])
    return {
        "protocol_left": left.pk if left is not None else None,
        "protocol": joined.pk,
        "added": [item.pk for item in added],
        "outside_protocol": [item.pk for item in marked],
        "back_in_protocol": [item.pk for item in unmarked],
        "done_kept": sum(1 for p in live if p.status == PlanItemStatus.DONE),
    }


@atomic_action
def stay_reopen(*, stay: Stay, actor: Actor) -> Stay:
    """Undo a discharge (entered in error): the follow-up it created is cancelled, and the
    destination and disposition it recorded are cleared (the event keeps them)."""
    stay = _locked(stay)
    if stay.status != StayStatus.DISCHARGED:
        raise StayError(_("Only a discharged stay can be reopened."))
    previous = {"destination": stay.destination, "disposition": stay.discharge_disposition}
    stay.status = StayStatus.OPEN
    stay.discharged_at = None
    stay.destination = ""
    stay.discharge_disposition = ""
    stay.save(update_fields=["status", "discharged_at", "destination", "discharge_disposition"])
    stay.plan_items.filter(
        status=PlanItemStatus.TODO, phase=Phase.AFTER_DISCHARGE, source=PlanItemSource.PROTOCOL
    ).update(status=PlanItemStatus.CANCELLED)
    stay.plan_items.filter(status=PlanItemStatus.TODO, anchor=Anchor.DISCHARGE).update(due_at=None)
    _event(stay, StayEventKind.REOPENED, actor, ward=stay.ward, detail=previous)
    _audit(actor=actor, stay=stay, action=AuditAction.UPDATE, what="stay-reopen")
    _publish(stay)
    return stay


@atomic_action
def stay_admitting_physician_set(
    *,
    stay: Stay,
    actor: Actor,
    admitting_physician: Professional | None = None,
    admitting_physician_name: str = "",
) -> Stay:
    """Set (or clear, with neither) the admitting physician of a planned or open stay: a
    directory professional, else a name as the hospital sent it (HL7 PV1-17)."""
    stay = _locked(stay)
    if not stay.is_active:
        raise StayError(_("The admitting physician of a closed stay cannot change."))
    name = "" if admitting_physician is not None else admitting_physician_name[:200]
    before = (stay.admitting_physician_id, stay.admitting_physician_name)
    after = (admitting_physician.pk if admitting_physician else None, name)
    if before == after:
        return stay
    previous_label = stay.admitting_physician_label
    stay.admitting_physician = admitting_physician
    stay.admitting_physician_name = name
    stay.save(update_fields=["admitting_physician", "admitting_physician_name"])
    _event(
        stay,
        StayEventKind.PHYSICIAN,
        actor,
        ward=stay.ward,
        detail={"from": previous_label, "to": stay.admitting_physician_label},
    )
    _audit(
        actor=actor,
        stay=stay,
        action=AuditAction.UPDATE,
        what="stay-admitting-physician",
        physician=after[0],
    )
    _publish(stay)
    return stay


@atomic_action
def stay_expected_discharge_set(
    *, stay: Stay, expected_discharge_at: datetime | None, actor: Actor
) -> Stay:
    """Set (or clear) the expected discharge; open items anchored on it follow."""
    stay = _locked(stay)
    if not stay.is_active:
        raise StayError(_("The expected discharge of a closed stay cannot change."))
    if expected_discharge_at is not None and expected_discharge_at < stay.admitted_at:
        raise StayError(_("The expected discharge cannot be before the admission."))
    previous = stay.expected_discharge_at
    if previous == expected_discharge_at:
        return stay
    stay.expected_discharge_at = expected_discharge_at
    stay.save(update_fields=["expected_discharge_at"])
    moved = _recompute_due(stay, Anchor.EXPECTED_DISCHARGE)
    _event(
        stay,
        StayEventKind.EXPECTED_DISCHARGE,
        actor,
        detail={
            "from": previous.isoformat() if previous else None,
            "to": expected_discharge_at.isoformat() if expected_discharge_at else None,
        },
    )
    _audit(
        actor=actor,
        stay=stay,
        action=AuditAction.UPDATE,
        what="stay-expected-discharge",
        moved=moved,
    )
    _publish(stay)
    return stay


def _require_team(access: PatientAccess, stay: Stay) -> None:
    if access.patient.pk != stay.patient_id:
        raise StayForbidden(_("This stay is not this patient's."))
    if not is_stay_team(access.user, stay):
        raise StayForbidden(_("Only the hospital team of this stay can do this."))


@transaction.atomic
def stay_referent_assign(*, access: PatientAccess, stay: Stay, referent: User | None) -> Stay:
    """Name (or clear) the stay's complex-pathway referent, and tell them."""
    _require_team(access, stay)
    stay = _locked(stay)
    if not stay.is_active:
        raise StayError(_("The referent of a closed stay cannot change."))
    if referent is not None and not referent_candidates(stay).filter(pk=referent.pk).exists():
        raise StayError(_("The referent must be a member of this hospital's team."))
    previous = stay.referent_id
    if previous == (referent.pk if referent else None):
        return stay
    stay.referent = referent
    stay.save(update_fields=["referent"])
    event = _event(
        stay,
        StayEventKind.REFERENT,
        access.actor,
        detail={
            "from": previous,
            "to": referent.pk if referent else None,
            "name": (referent.get_full_name() or referent.username) if referent else "",
        },
    )
    if referent is not None and referent.pk != access.user.pk:
        notification_create(
            recipient=referent,
            kind=STAY_REFERENT_ASSIGNED.code,
            params={"hospital": stay.hospital.display_name},
            link=reverse("transitions:stay", args=[stay.pk]),
            patient_id=stay.patient_id,
            key=f"stay-referent-{event.pk}",
        )
        transaction.on_commit(
            lambda: publish_to_users(
                [referent.pk], {"topic": "notifications", "kind": STAY_REFERENT_ASSIGNED.code}
            )
        )
    _audit(
        actor=access.actor,
        stay=stay,
        action=AuditAction.UPDATE,
        what="stay-referent",
        referent=referent.pk if referent else None,
    )
    _publish(stay)
    return stay


# --- the plan ----------------------------------------------------------------------------


@transaction.atomic
def stay_plan_item_set_status(
    *, access: PatientAccess, item: PlanItem, status: str, note: str | None = None
) -> PlanItem:
    """Mark an item done, not applicable, cancelled, or back to do."""
    if status not in PlanItemStatus.values:
        raise StayError(_("Unknown status."))
    item = PlanItem.objects.select_for_update().select_related("stay__hospital").get(pk=item.pk)
    stay = item.stay
    if access.patient.pk != stay.patient_id:
        raise StayForbidden(_("This stay is not this patient's."))
    if not can_update_item(access, stay, item):
        raise StayForbidden(_("You cannot change this item."))
    if stay.status == StayStatus.CANCELLED:
        raise StayError(_("The plan of a cancelled stay cannot change."))
    previous = item.status
    item.status = status
    if status == PlanItemStatus.DONE:
        item.done_at = timezone.now()
        item.done_by = access.user
    else:
        item.done_at = None
        item.done_by = None
    if note is not None:
        item.note = note.strip()[:2000]
    item.save(update_fields=["status", "done_at", "done_by", "note"])
    _audit(
        actor=access.actor,
        stay=stay,
        action=AuditAction.UPDATE,
        what="stay-plan-item",
        item=item.pk,
        status=status,
        previous=previous,
    )
    _publish(stay)
    return item


@transaction.atomic
def stay_plan_item_add(
    *,
    access: PatientAccess,
    stay: Stay,
    label: str,
    phase: str = Phase.BEFORE_DISCHARGE,
    due_at: datetime | None = None,
    responsible_role: str = "",
    owner: User | None = None,
    owner_organisation: Organisation | None = None,
    note: str = "",
) -> PlanItem:
    """Add an item by hand (its label is kept in the author's language)."""
    _require_team(access, stay)
    label = label.strip()
    if not label:
        raise StayError(_("Write what has to be done."))
    if phase not in Phase.values:
        raise StayError(_("Unknown phase."))
    if stay.status == StayStatus.CANCELLED:
        raise StayError(_("The plan of a cancelled stay cannot change."))
    language = (translation.get_language() or "fr").split("-")[0]
    item = PlanItem.objects.create(
        stay=stay,
        label={language: label[:300]},
        phase=phase,
        anchor=Anchor.ADMISSION,
        offset_days=0,
        due_at=due_at,
        responsible_role=responsible_role,
        owner=owner,
        owner_organisation=owner_organisation,
        source=PlanItemSource.MANUAL,
        note=note.strip()[:2000],
        order=1000,
    )
    if owner is not None and owner.pk != access.user.pk:
        notification_create(
            recipient=owner,
            kind=PLAN_ITEM_ASSIGNED.code,
            params={
                "actor": access.user.get_full_name() or access.user.username,
                "hospital": stay.hospital.display_name,
            },
            link=reverse("transitions:stay", args=[stay.pk]),
            patient_id=stay.patient_id,
            key=f"plan-item-{item.pk}-{owner.pk}",
        )
    _audit(
        actor=access.actor,
        stay=stay,
        action=AuditAction.CREATE,
        what="stay-plan-item",
        item=item.pk,
    )
    _publish(stay)
    return item


# --- screenings --------------------------------------------------------------------------


def _apply_triggers(stay: Stay, record: ScreeningRecord) -> list[PlanItem]:
    existing = _live_codes(stay)
    fired_triggers = set(
        stay.plan_items.exclude(status=PlanItemStatus.CANCELLED)
        .exclude(trigger__isnull=True)
        .values_list("trigger_id", flat=True)
    )
    created: list[PlanItem] = []
    for trigger in triggers_for(stay=stay, instrument=record.instrument):
        condition = parse_condition(trigger.instrument, trigger.condition)
        matched = condition.matches(
            score=record.score,
            band=record.band,
            positive=record.positive,
            answers=record.answers,
            details=record.details,
        )
        if not matched:
            continue
        if trigger.code and trigger.code in existing:
            continue
        if not trigger.code and trigger.pk in fired_triggers:
            continue
        item = _plan_from(
            stay,
            trigger,
            source=PlanItemSource.SCREENING,
            order=trigger.order,
            trigger=trigger,
            screening=record,
        )
        item.save()
        created.append(item)
        if trigger.code:
            existing.add(trigger.code)
        fired_triggers.add(trigger.pk)
    return created


@transaction.atomic
def screening_record(
    *,
    access: PatientAccess,
    stay: Stay,
    instrument: str,
    answers: Mapping[str, object],
    recorded_at: datetime | None = None,
) -> tuple[ScreeningRecord, list[PlanItem]]:
    """Score `answers` with the instrument, store the result on the stay, apply the triggers.

    Raises KeyError for an unknown instrument and `IncompleteAnswers` (nothing stored) for
    answers that cannot be scored. Returns the record and the plan items the triggers added.
    """
    _require_team(access, stay)
    if not stay.is_active:
        raise StayError(_("Screenings are recorded during the stay."))
    definition = INSTRUMENTS.get(instrument)
    if definition is None:
        raise KeyError(instrument)
    result = definition.score(answers)
    record = ScreeningRecord.objects.create(
        stay=stay,
        instrument=result.instrument,
        version=result.version,
        answers=dict(result.answers),
        score=float(result.score),
        band=result.band,
        positive=result.positive,
        details=dict(result.details),
        thresholds=dict(result.thresholds),
        validated=result.validated,
        recorded_by=access.user,
        recorded_by_label=_actor_label(access.actor),
        recorded_at=recorded_at or timezone.now(),
    )
    created = _apply_triggers(stay, record)
    _audit(
        actor=access.actor,
        stay=stay,
        action=AuditAction.CREATE,
        what="stay-screening",
        screening=record.pk,
        instrument=record.instrument,
        plan_items=[item.pk for item in created],
    )
    _publish(stay)
    return record, created
