"""Writes of the liaison letter: save the nurse's draft, send a version, hand the patient's copy.

`liaison_letter_send` composes the stay's letter once (`parcours.transitions.letter`) and sends
it as ONE transmission (kind `liaison_letter`) with a body per recipient, each in their language
and limited to what they may see (`parcours.messaging.transmission_actions.transmission_send`
refuses excluded professionals, members who see nothing, and withdrawn consent). Every send is
a new `LiaisonLetter` version; earlier versions and their acknowledgements stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.audit.actions import audit_record
from parcours.audit.models import AuditAction, AuditOutcome
from parcours.messaging.models import TransmissionKind
from parcours.messaging.transmission_actions import Delivery, transmission_send
from parcours.messaging.transmission_selectors import recipient_option, recipient_options
from parcours.patients.access import PatientAccess
from parcours.patients.models import CircleMember
from parcours.transitions.actions import StayError, StayForbidden, _publish
from parcours.transitions.letter import (
    DRAFT_FIELDS,
    LetterSource,
    RecipientView,
    letter_source,
    member_copy,
    patient_copy,
)
from parcours.transitions.letter_models import LetterDraft, LiaisonLetter
from parcours.transitions.models import PlanItemStatus, Stay, StayStatus
from parcours.transitions.selectors import is_stay_team

TEXT_MAX = 10_000
LETTER_ITEM_CODE = "liaison-letter"  # the default protocol's item (transitions.protocols)
NOTE_MAX = 500


def _require_team(access: PatientAccess, stay: Stay) -> None:
    if access.patient.pk != stay.patient_id:
        raise StayForbidden(_("This stay is not this patient's."))
    if not is_stay_team(access.user, stay):
        raise StayForbidden(_("Only the hospital team of this stay can do this."))


def _audit(access: PatientAccess, stay: Stay, *, action: str, what: str, **detail: object) -> None:
    audit_record(
        actor=access.actor,
        action=action,
        what=what,
        outcome=AuditOutcome.SUCCESS,
        patient_id=stay.patient_id,
        purpose=access.purpose,
        detail={"stay": stay.pk, **detail},
    )


@transaction.atomic
def liaison_letter_draft_save(
    *,
    access: PatientAccess,
    stay: Stay,
    reason: str = "",
    care_instructions: str = "",
    medication_changes: str = "",
    non_medical_notes: str = "",
    plain_summary: str = "",
) -> LetterDraft:
    """Save what the liaison nurse writes for the stay's letter (the hospital team only)."""
    _require_team(access, stay)
    if stay.status == StayStatus.CANCELLED:
        raise StayError(_("The letter of a cancelled stay cannot change."))
    values = {
        "reason": reason,
        "care_instructions": care_instructions,
        "medication_changes": medication_changes,
        "non_medical_notes": non_medical_notes,
        "plain_summary": plain_summary,
    }
    cleaned = {name: value.strip() for name, value in values.items()}
    for value in cleaned.values():
        if len(value) > TEXT_MAX:
            raise StayError(_("Each text is at most 10,000 characters."))
    draft, _created = LetterDraft.objects.select_for_update().get_or_create(stay=stay)
    for name, value in cleaned.items():
        setattr(draft, name, value)
    draft.updated_at = timezone.now()
    draft.updated_by = access.user
    draft.save()
    _audit(access, stay, action=AuditAction.UPDATE, what="liaison-letter-draft")
    _publish(stay)
    return draft


def is_hospital_member(member: CircleMember, stay: Stay) -> bool:
    """The stay's own hospital (or ward) in the circle: it writes the letter, it does not get it."""
    own = {stay.hospital_id, stay.ward_id} - {None}
    if member.organisation_id in own and not member.person_name and not member.professional_id:
        return True
    return member.service is not None and member.service.organisation_id in own


def letter_recipients(
    access: PatientAccess, stay: Stay, source: LetterSource | None = None
) -> tuple[LetterSource, list[RecipientView]]:
    """The letter's source and every active circle member's copy (or why they get none)."""
    source = source or letter_source(stay)
    return source, [
        member_copy(source, option)
        for option in recipient_options(access)
        if not is_hospital_member(option.member, stay)
    ]


def _subject(stay: Stay, version: int) -> str:
    return str(
        _("Liaison letter — %(patient)s — version %(version)d")
        % {"patient": stay.patient.display_name, "version": version}
    )


@transaction.atomic
def liaison_letter_send(
    *,
    access: PatientAccess,
    stay: Stay,
    acknowledge_by: datetime,
    recipients: Sequence[CircleMember] | None = None,
    include_patient: bool = True,
) -> LiaisonLetter:
    """Send the stay's letter to the circle as one transmission; a new version each time.

    `recipients`: circle members; None means every active member with a way to receive it
    (members who see nothing, excluded professionals and former members are left out).
    Naming one who cannot receive it raises `RecipientRefused` and nothing is sent.
    `include_patient`: keep the patient's own plain-language copy with the version, to print
    and hand over (the patient has no account; the hand-over is recorded with a note).
    Sets `Stay.liaison_letter_sent_at` the first time the letter leaves.
    """
    _require_team(access, stay)
    stay = Stay.objects.select_related("patient", "hospital", "ward", "referent").get(pk=stay.pk)
    if stay.status == StayStatus.CANCELLED:
        raise StayError(_("The letter of a cancelled stay cannot be sent."))
    source = letter_source(stay)
    if recipients is None:
        options = [
            option
            for option in recipient_options(access)
            if option.can_receive and not is_hospital_member(option.member, stay)
        ]
    else:
        options = [recipient_option(member, patient=access.patient) for member in recipients]
    copies = [member_copy(source, option) for option in options]
    deliveries = []
    for option, copy in zip(options, copies, strict=True):
        if copy.view is None:
            # transmission_send names the member and refuses: nothing leaves.
            deliveries.append(Delivery(circle_member=option.member, body="—"))
            continue
        deliveries.append(
            Delivery(circle_member=option.member, body=copy.body or "—", language=copy.language)
        )
    if not deliveries:
        raise StayError(_("Nobody in the circle of care can receive the letter yet."))
    Stay.objects.select_for_update().filter(pk=stay.pk).first()
    version = (stay.liaison_letters.aggregate(last=Max("version"))["last"] or 0) + 1
    subject = _subject(stay, version)
    transmission = transmission_send(
        access=access,
        kind=TransmissionKind.LIAISON_LETTER,
        subject=subject,
        deliveries=deliveries,
        acknowledge_by=acknowledge_by,
        stay_id=stay.pk,
    )
    sent_at = transmission.created_at
    own = patient_copy(source, stay.patient) if include_patient else None
    letter = LiaisonLetter.objects.create(
        stay=stay,
        version=version,
        transmission=transmission,
        sent_at=sent_at,
        sent_by=access.user,
        left_before_discharge=stay.discharged_at is None or sent_at <= stay.discharged_at,
        draft={name: getattr(source, name) for name in DRAFT_FIELDS},
        patient_body=own.body if own else "",
        patient_language=own.language if own else "",
    )
    # The protocol's "send the liaison letter" item is done by sending it.
    done_items = stay.plan_items.filter(code=LETTER_ITEM_CODE, status=PlanItemStatus.TODO).update(
        status=PlanItemStatus.DONE, done_at=sent_at, done_by=access.user
    )
    if stay.liaison_letter_sent_at is None:
        Stay.objects.filter(pk=stay.pk).update(liaison_letter_sent_at=sent_at)
        stay.liaison_letter_sent_at = sent_at
    _audit(
        access,
        stay,
        action=AuditAction.CREATE,
        what="liaison-letter",
        version=version,
        transmission=transmission.pk,
        recipients=len(deliveries),
        views=sorted({copy.view.code for copy in copies if copy.view}),
        patient_copy=include_patient,
        plan_items_done=done_items,
    )
    _publish(stay)
    return letter


@transaction.atomic
def liaison_letter_patient_hand_over(
    *, access: PatientAccess, letter: LiaisonLetter, note: str
) -> LiaisonLetter:
    """Record that the patient received their printed copy (and understood it), with a note."""
    stay = letter.stay
    _require_team(access, stay)
    note = note.strip()[:NOTE_MAX]
    if not letter.patient_body:
        raise StayError(_("This version has no copy for the patient."))
    if not note:
        raise StayError(_("Say how the letter was handed over and confirmed."))
    letter = LiaisonLetter.objects.select_for_update().get(pk=letter.pk)
    if letter.patient_handed_over_at is not None:
        return letter
    letter.patient_handed_over_at = timezone.now()
    letter.patient_handed_over_by = access.user
    letter.patient_hand_over_note = note
    letter.save(
        update_fields=["patient_handed_over_at", "patient_handed_over_by", "patient_hand_over_note"]
    )
    _audit(
        access,
        stay,
        action=AuditAction.UPDATE,
        what="liaison-letter-hand-over",
        version=letter.version,
    )
    _publish(stay)
    return letter
