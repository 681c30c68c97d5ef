"""Configuring a hospital's liaison protocol and screening triggers (organisation administrators).

Also the default content a hospital can start from: the usual preparation of a discharge, the
follow-up of issue #5 (day-2 call, first nurse visit, GP visit within 7 days, medication
reconciliation, day-30 check) and the screening triggers of the issue's examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from parcours.accounts.models import Role, User
from parcours.audit.actions import Actor, audit_record
from parcours.audit.models import AuditAction, AuditOutcome
from parcours.directory.models import Organisation, OrganisationType
from parcours.transitions.models import (
    Anchor,
    LiaisonProtocol,
    Phase,
    ProtocolItem,
    ScreeningTrigger,
)
from parcours.transitions.screening import INSTRUMENTS
from parcours.transitions.triggers import InvalidCondition, parse_condition


class ProtocolError(ValueError):
    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = message


def can_configure(user: User, hospital: Organisation) -> bool:
    """Organisation administrators of the hospital, and platform administrators."""
    if user.is_superuser or user.is_platform_admin:
        return True
    return user.memberships.filter(
        organisation=hospital, role=Role.ORGANISATION_ADMIN, active=True
    ).exists()


@dataclass
class ScheduleInput:
    """What a protocol item and a trigger share. Labels are {language: text}."""

    label: dict[str, str]
    anchor: str = Anchor.ADMISSION
    offset_days: int = 0
    phase: str = Phase.BEFORE_DISCHARGE
    responsible_role: str = ""
    code: str = ""
    order: int = 0


def _check_schedule(data: ScheduleInput) -> None:
    label = {lang: text.strip() for lang, text in data.label.items() if text and text.strip()}
    if not label:
        raise ProtocolError(_("Give the item a label in at least one language."))
    data.label = label
    if data.anchor not in Anchor.values:
        raise ProtocolError(_("Unknown anchor."))
    if data.phase not in Phase.values:
        raise ProtocolError(_("Unknown phase."))
    if data.anchor == Anchor.DISCHARGE and data.phase != Phase.AFTER_DISCHARGE:
        raise ProtocolError(_("An item counted from the discharge is done after the discharge."))
    if data.responsible_role and data.responsible_role not in Role.values:
        raise ProtocolError(_("Unknown role."))
    if not -365 <= data.offset_days <= 365:
        raise ProtocolError(_("The offset must be within a year."))


def _check_place(hospital: Organisation, ward: Organisation | None) -> None:
    if hospital.type != OrganisationType.HOSPITAL:
        raise ProtocolError(_("A liaison protocol belongs to a hospital."))
    if ward is not None and ward.parent_id != hospital.pk:
        raise ProtocolError(_("This ward does not belong to this hospital."))


def _audit(actor: Actor, action: str, what: str, **detail: Any) -> None:
    audit_record(actor=actor, action=action, what=what, outcome=AuditOutcome.SUCCESS, detail=detail)


@transaction.atomic
def liaison_protocol_create(
    *, hospital: Organisation, ward: Organisation | None = None, name: str, actor: Actor
) -> LiaisonProtocol:
    """A new active protocol for the hospital (or one ward); the previous one is deactivated."""
    _check_place(hospital, ward)
    if not name.strip():
        raise ProtocolError(_("Give the protocol a name."))
    LiaisonProtocol.objects.filter(hospital=hospital, ward=ward, active=True).update(active=False)
    protocol = LiaisonProtocol.objects.create(
        hospital=hospital, ward=ward, name=name.strip()[:200], active=True
    )
    _audit(actor, AuditAction.CREATE, "liaison-protocol", protocol=protocol.pk)
    return protocol


@transaction.atomic
def protocol_item_save(
    *,
    protocol: LiaisonProtocol,
    data: ScheduleInput,
    actor: Actor,
    item: ProtocolItem | None = None,
) -> ProtocolItem:
    """Add an item to a protocol, or change one (stays already planned keep their items)."""
    _check_schedule(data)
    if item is not None and item.protocol_id != protocol.pk:
        raise ProtocolError(_("This item is not in this protocol."))
    item = item or ProtocolItem(protocol=protocol)
    item.label = data.label
    item.anchor = data.anchor
    item.offset_days = data.offset_days
    item.phase = data.phase
    item.responsible_role = data.responsible_role
    item.code = data.code
    item.order = data.order
    item.save()
    _audit(actor, AuditAction.UPDATE, "protocol-item", protocol=protocol.pk, item=item.pk)
    return item


@transaction.atomic
def protocol_item_remove(*, item: ProtocolItem, actor: Actor) -> None:
    _audit(actor, AuditAction.DELETE, "protocol-item", protocol=item.protocol_id, item=item.pk)
    item.delete()


@transaction.atomic
def screening_trigger_save(
    *,
    hospital: Organisation,
    ward: Organisation | None = None,
    instrument: str,
    condition: str,
    data: ScheduleInput,
    actor: Actor,
    trigger: ScreeningTrigger | None = None,
) -> ScreeningTrigger:
    """Add or change a trigger; its condition is parsed against the instrument first."""
    _check_place(hospital, ward)
    _check_schedule(data)
    if instrument not in INSTRUMENTS:
        raise ProtocolError(
            _("There is no screening instrument with the code “%(code)s”.") % {"code": instrument}
        )
    try:
        parse_condition(instrument, condition)
    except InvalidCondition as exc:
        raise ProtocolError(exc.message) from exc  # type: ignore[arg-type]
    if trigger is not None and trigger.hospital_id != hospital.pk:
        raise ProtocolError(_("This trigger belongs to another hospital."))
    trigger = trigger or ScreeningTrigger(hospital=hospital)
    trigger.ward = ward
    trigger.instrument = instrument
    trigger.condition = condition.strip().replace(" ", "")
    trigger.label = data.label
    trigger.anchor = data.anchor
    trigger.offset_days = data.offset_days
    trigger.phase = data.phase
    trigger.responsible_role = data.responsible_role
    trigger.code = data.code
    trigger.order = data.order
    trigger.save()
    _audit(
        actor, AuditAction.UPDATE, "screening-trigger", hospital=hospital.code, trigger=trigger.pk
    )
    return trigger


@transaction.atomic
def screening_trigger_remove(*, trigger: ScreeningTrigger, actor: Actor) -> None:
    _audit(actor, AuditAction.DELETE, "screening-trigger", trigger=trigger.pk)
    trigger.delete()


# --- default content ---------------------------------------------------------------------

B, A = Phase.BEFORE_DISCHARGE, Phase.AFTER_DISCHARGE
ADM, EXP, DIS = Anchor.ADMISSION, Anchor.EXPECTED_DISCHARGE, Anchor.DISCHARGE

# (code, fr, nl, en, role, anchor, offset, phase)
DEFAULT_ITEMS: tuple[tuple[str, str, str, str, str, str, int, str], ...] = (
    (
        "fragility-screening",
        "Dépister la fragilité (ISAR, fragilité psychosociale)",
        "Kwetsbaarheid screenen (ISAR, psychosociale kwetsbaarheid)",
        "Screen for frailty (ISAR, psychosocial fragility)",
        Role.HOSPITAL_LIAISON_NURSE,
        ADM,
        1,
        B,
    ),
    (
        "gp-informed",
        "Informer le médecin généraliste de l'hospitalisation",
        "De huisarts op de hoogte brengen van de opname",
        "Tell the GP about the admission",
        Role.HOSPITAL_LIAISON_NURSE,
        ADM,
        1,
        B,
    ),
    (
        "home-needs",
        "Évaluer les besoins à domicile et organiser les services",
        "De noden thuis inschatten en de diensten regelen",
        "Assess needs at home and arrange services",
        Role.HOSPITAL_SOCIAL_WORKER,
        EXP,
        -3,
        B,
    ),
    (
        "discharge-medication",
        "Préparer la liste des médicaments de sortie",
        "De ontslagmedicatielijst opmaken",
        "Prepare the discharge medication list",
        Role.WARD_PHYSICIAN,
        EXP,
        -1,
        B,
    ),
    (
        "liaison-letter",
        "Envoyer la lettre de liaison avant la sortie",
        "De verbindingsbrief vóór het ontslag versturen",
        "Send the liaison letter before discharge",
        Role.HOSPITAL_LIAISON_NURSE,
        EXP,
        -1,
        B,
    ),
    (
        "first-nurse-visit",
        "Premier passage de l'infirmier·ère à domicile",
        "Eerste bezoek van de thuisverpleegkundige",
        "First home-nurse visit",
        Role.HOME_NURSE,
        DIS,
        1,
        A,
    ),
    (
        "day-2-call",
        "Appel téléphonique à J+2",
        "Telefonische opvolging op dag 2",
        "Day-2 phone call",
        Role.HOME_CARE_COORDINATOR,
        DIS,
        2,
        A,
    ),
    (
        "medication-reconciliation",
        "Conciliation médicamenteuse",
        "Medicatienazicht",
        "Medication reconciliation",
        Role.PHARMACIST,
        DIS,
        3,
        A,
    ),
    (
        "gp-visit-7d",
        "Consultation du médecin généraliste dans les 7 jours",
        "Consultatie bij de huisarts binnen 7 dagen",
        "GP visit within 7 days",
        Role.GP,
        DIS,
        7,
        A,
    ),
    (
        "day-30-check",
        "Point de suivi à J+30",
        "Opvolging op dag 30",
        "Day-30 check",
        Role.HOME_CARE_COORDINATOR,
        DIS,
        30,
        A,
    ),
)

GERIATRIC_ITEMS: tuple[tuple[str, str, str, str, str, str, int, str], ...] = (
    (
        "geriatric-assessment",
        "Évaluation gériatrique globale",
        "Geriatrisch assessment",
        "Comprehensive geriatric assessment",
        Role.WARD_PHYSICIAN,
        ADM,
        2,
        B,
    ),
    (
        "falls-prevention",
        "Bilan de chute et prévention",
        "Valrisico-evaluatie en valpreventie",
        "Falls assessment and prevention",
        Role.HOSPITAL_LIAISON_NURSE,
        ADM,
        3,
        B,
    ),
)

# (instrument, condition, code, fr, nl, en, role, anchor, offset, phase)
DEFAULT_TRIGGERS: tuple[tuple[str, str, str, str, str, str, str, str, int, str], ...] = (
    (
        "isar",
        "score>=2",
        "geriatric-assessment",
        "Évaluation gériatrique globale",
        "Geriatrisch assessment",
        "Comprehensive geriatric assessment",
        Role.WARD_PHYSICIAN,
        ADM,
        2,
        B,
    ),
    (
        "psychosocial",
        "answer:lives_alone=true",
        "home-help-referral",
        "Demande d'aide familiale / aide à domicile",
        "Aanvraag gezinszorg / thuishulp",
        "Home-help referral",
        Role.HOSPITAL_SOCIAL_WORKER,
        EXP,
        -2,
        B,
    ),
    (
        "psychosocial",
        "answer:lives_alone=true",
        "day-2-call",
        "Appel téléphonique à J+2",
        "Telefonische opvolging op dag 2",
        "Day-2 phone call",
        Role.HOME_CARE_COORDINATOR,
        DIS,
        2,
        A,
    ),
    (
        "hospital",
        "band=high",
        "gp-visit-7d",
        "Consultation du médecin généraliste dans les 7 jours",
        "Consultatie bij de huisarts binnen 7 dagen",
        "GP visit within 7 days",
        Role.GP,
        DIS,
        7,
        A,
    ),
    (
        "icope_step1",
        "positive",
        "icope-step2",
        "Évaluation ICOPE étape 2 des domaines positifs",
        "ICOPE stap 2 voor de positieve domeinen",
        "ICOPE step 2 for the positive domains",
        Role.WARD_PHYSICIAN,
        ADM,
        3,
        B,
    ),
)


@transaction.atomic
def liaison_protocol_install_default(
    *,
    hospital: Organisation,
    actor: Actor,
    ward: Organisation | None = None,
    name: str = "",
    with_triggers: bool = True,
) -> LiaisonProtocol:
    """Create the default protocol (plus the geriatric items for a ward) and, for the whole
    hospital, the default screening triggers."""
    protocol = liaison_protocol_create(
        hospital=hospital, ward=ward, name=name or "Protocole de liaison", actor=actor
    )
    rows = DEFAULT_ITEMS + (GERIATRIC_ITEMS if ward is not None else ())
    for order, (code, fr, nl, en, role, anchor, offset, phase) in enumerate(rows):
        protocol_item_save(
            protocol=protocol,
            data=ScheduleInput(
                label={"fr": fr, "nl": nl, "en": en},
                anchor=anchor,
                offset_days=offset,
                phase=phase,
                responsible_role=role,
                code=code,
                order=order * 10,
            ),
            actor=actor,
        )
    if with_triggers and ward is None:
        for order, row in enumerate(DEFAULT_TRIGGERS):
            instrument, condition, code, fr, nl, en, role, anchor, offset, phase = row
            screening_trigger_save(
                hospital=hospital,
                instrument=instrument,
                condition=condition,
                data=ScheduleInput(
                    label={"fr": fr, "nl": nl, "en": en},
                    anchor=anchor,
                    offset_days=offset,
                    phase=phase,
                    responsible_role=role,
                    code=code,
                    order=order * 10,
                ),
                actor=actor,
            )
    return protocol
