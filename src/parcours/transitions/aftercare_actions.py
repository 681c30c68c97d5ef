"""Follow-up after discharge: watch lists, contacts, refusals of help, the broken-follow-up
check run by `parcours worker`, and the 30-day readmission check run at every admission.

Rules (docs/followup.md):
- A watching organisation must be in the patient's circle of care, so that its team reaches the
  patient through `access.py` like everyone else. `watch_start` by a circle manager (a referent,
  the hospital team of an open or planned stay) adds the organisation to the circle when it is
  missing, at "non-medical" visibility; anyone else is refused with a message saying whom to
  ask.
- A watched patient with no contact recorded for PARCOURS_BROKEN_FOLLOWUP_DAYS days (counted
  from the watch start or the last contact, whichever is later) is flagged once; the watching
  team, the circle's referents and the patient's single point of contact are told. The next
  contact clears the flag.
- A stay that begins at most 30 days (calendar days, Europe/Brussels) after the patient's
  previous discharge, in any hospital, is a readmission: the whole circle is told at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from parcours.accounts.models import User
from parcours.audit.actions import Actor, audit_record
from parcours.audit.models import AuditAction, AuditOutcome
from parcours.directory.models import Organisation, OrganisationType, Service
from parcours.live import publish_to_users
from parcours.messaging.actions import notifications_create
from parcours.patients.access import PatientAccess, referent_user_ids
from parcours.patients.actions import MemberInput, circle_member_add
from parcours.patients.models import MemberRole, Patient, Visibility
from parcours.transitions import aftercare_selectors as selectors
from parcours.transitions.aftercare_models import (
    BrokenFollowUp,
    Contact,
    ContactChannel,
    ContactKind,
    Readmission,
    Refusal,
    RefusedBy,
    WatchEntry,
)
from parcours.transitions.aftercare_notifications import (
    FOLLOWUP_BROKEN,
    HELP_REACTIVATED,
    STAY_READMISSION,
)
from parcours.transitions.models import Stay, StayStatus

READMISSION_DAYS = 30
CHECKER = Actor(user_id=None, username="followup-check")

# The circle role a watching organisation takes when `watch_start` adds it to the circle.
WATCH_ROLE: dict[str, str] = {
    OrganisationType.HOME_CARE_COORDINATION: MemberRole.HOME_CARE_COORDINATION,
    OrganisationType.HOME_NURSING: MemberRole.HOME_NURSE,
    OrganisationType.SSIAD: MemberRole.HOME_NURSE,
    OrganisationType.HOME_HELP: MemberRole.HOME_HELP,
    OrganisationType.SOCIAL_ACTION_CENTRE: MemberRole.SOCIAL_WORKER,
    OrganisationType.MENTAL_HEALTH_MOBILE_TEAM: MemberRole.MENTAL_HEALTH_TEAM,
    OrganisationType.HEALTH_MEDIATION: MemberRole.HEALTH_MEDIATOR,
    OrganisationType.DAC: MemberRole.CASE_MANAGER,
    OrganisationType.ADDICTION_SERVICE: MemberRole.CASE_MANAGER,
}


class AftercareError(ValueError):
    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = message


def _audit(access: PatientAccess, *, action: str, what: str, detail: dict[str, object]) -> None:
    audit_record(
        actor=access.actor,
        action=action,
        what=what,
        outcome=AuditOutcome.SUCCESS,
        patient_id=access.patient.pk,
        purpose=access.purpose,
        detail=detail,
    )


def _send(
    user_ids: list[int],
    *,
    kind: str,
    params: dict[str, object],
    key: str,
    patient: Patient,
) -> int:
    recipients = list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))
    link = reverse("followup:patient", args=[patient.pk])
    notifications_create(
        recipients=recipients,
        kind=kind,
        params=params,
        link=link,
        patient_id=patient.pk,
        keys=[f"{key}-{recipient.pk}" for recipient in recipients],
    )
    ids = [r.pk for r in recipients]
    event = {"topic": "notifications", "kind": kind}
    transaction.on_commit(lambda: publish_to_users(ids, event))
    return len(ids)


WATCH_LIST_TOPIC = "watch-list"


def _refresh_watch_lists(patient_id: int) -> None:
    """Open watch-list pages of the organisations watching this patient refresh themselves."""
    organisation_ids = set(
        WatchEntry.objects.filter(patient_id=patient_id).values_list("organisation_id", flat=True)
    )
    user_ids = sorted(selectors.organisation_user_ids(organisation_ids))
    if user_ids:
        event = {"topic": WATCH_LIST_TOPIC}
        transaction.on_commit(lambda: publish_to_users(user_ids, event))


def _may_act_for(access: PatientAccess, organisation: Organisation) -> bool:
    return access.can_manage or any(
        o.pk == organisation.pk for o in selectors.care_organisations(access.user)
    )


def _user_organisation(
    access: PatientAccess, organisation: Organisation | None
) -> Organisation | None:
    mine = selectors.care_organisations(access.user)
    if organisation is not None:
        if not any(o.pk == organisation.pk for o in mine):
            raise AftercareError(_("You do not work for this organisation."))
        return organisation
    return mine[0] if mine else None


def _at(value: datetime | None) -> datetime:
    now = timezone.now()
    at = value or now
    if at > now + timedelta(minutes=5):
        raise AftercareError(_("This date is in the future."))
    return at


# Watch list -----------------------------------------------------------------------------------


@transaction.atomic
def watch_start(
    *,
    access: PatientAccess,
    organisation: Organisation,
    reason: str = "",
    started_at: datetime | None = None,
) -> WatchEntry:
    """Put the patient on `organisation`'s watch list (see the module rules for the circle)."""
    if not _may_act_for(access, organisation):
        raise AftercareError(
            _("Only the circle's referent or a member of this organisation can start a watch.")
        )
    patient = access.patient
    if WatchEntry.objects.filter(
        patient=patient, organisation=organisation, ended_at__isnull=True
    ).exists():
        raise AftercareError(_("This organisation already watches this patient."))
    if not selectors.in_circle(patient, organisation):
        if not access.can_manage:
            raise AftercareError(
                _(
                    "Your organisation is not in this patient's circle of care. Ask the "
                    "circle's referent to add it, or to start the watch."
                )
            )
        circle_member_add(
            access=access,
            member=MemberInput(
                role=WATCH_ROLE.get(str(organisation.type), MemberRole.OTHER_PROFESSIONAL),
                organisation=organisation,
                visibility=Visibility.NON_MEDICAL,
            ),
        )
    entry = WatchEntry.objects.create(
        patient=patient,
        organisation=organisation,
        reason=reason.strip()[:300],
        started_at=_at(started_at),
        started_by=access.user,
    )
    _audit(
        access,
        action=AuditAction.CREATE,
        what="watch",
        detail={"watch": entry.pk, "organisation": organisation.code},
    )
    _refresh_watch_lists(patient.pk)
    return entry


def _entry_of(access: PatientAccess, entry_id: int) -> WatchEntry:
    entry = (
        WatchEntry.objects.select_for_update()
        .filter(pk=entry_id, patient=access.patient, ended_at__isnull=True)
        .first()
    )
    if entry is None:
        raise AftercareError(_("This watch has ended or does not exist."))
    organisation = Organisation.objects.get(pk=entry.organisation_id)
    if not _may_act_for(access, organisation):
        raise AftercareError(
            _("Only the circle's referent or a member of the watching organisation can do this.")
        )
    return entry


@transaction.atomic
def watch_end(*, access: PatientAccess, entry_id: int, reason: str) -> WatchEntry:
    entry = _entry_of(access, entry_id)
    reason = reason.strip()
    if not reason:
        raise AftercareError(_("Say why the watch ends."))
    entry.ended_at = timezone.now()
    entry.ended_by = access.user
    entry.end_reason = reason[:300]
    entry.save(update_fields=["ended_at", "ended_by", "end_reason"])
    _audit(access, action=AuditAction.UPDATE, what="watch-end", detail={"watch": entry.pk})
    _refresh_watch_lists(entry.patient_id)
    return entry


@transaction.atomic
def watch_reactivate_help(
    *,
    access: PatientAccess,
    entry_id: int,
    help_given: str,
    channel: str = ContactChannel.OTHER,
    at: datetime | None = None,
) -> Contact:
    """Record that the watching organisation reactivated help (a contact of its own kind) and
    tell the circle's referents."""
    entry = _entry_of(access, entry_id)
    if not help_given.strip():
        raise AftercareError(_("Say which help was reactivated."))
    contact = _contact(
        access,
        kind=ContactKind.HELP_REACTIVATED,
        channel=channel,
        at=_at(at),
        note=help_given.strip(),
        organisation=Organisation.objects.get(pk=entry.organisation_id),
    )
    _send(
        referent_user_ids(access.patient),
        kind=HELP_REACTIVATED.code,
        params={
            "by": access.user.get_full_name() or access.user.username,
            "organisation": contact.by_organisation.name if contact.by_organisation else "",
        },
        key=f"help-reactivated-{contact.pk}",
        patient=access.patient,
    )
    return contact


# Contacts and refusals ------------------------------------------------------------------------


def _contact(
    access: PatientAccess,
    *,
    kind: str,
    channel: str,
    at: datetime,
    note: str,
    organisation: Organisation | None,
    stay: Stay | None = None,
) -> Contact:
    if channel not in ContactChannel.values:
        raise AftercareError(_("Choose how the contact took place."))
    contact = Contact.objects.create(
        patient=access.patient,
        stay=stay or selectors.followed_stay(access.patient, at),
        kind=kind,
        channel=channel,
        at=at,
        by_user=access.user,
        by_organisation=organisation,
        note=note,
    )
    _clear_flags(contact)
    _audit(
        access,
        action=AuditAction.CREATE,
        what="contact",
        detail={"contact": contact.pk, "kind": kind, "channel": channel},
    )
    _refresh_watch_lists(contact.patient_id)
    return contact


def _clear_flags(contact: Contact) -> None:
    """A contact lowers the broken-follow-up flag of every active watch of the patient."""
    flagged = WatchEntry.objects.filter(
        patient_id=contact.patient_id,
        ended_at__isnull=True,
        broken_follow_up_flagged_at__isnull=False,
    )
    ids = list(flagged.values_list("pk", flat=True))
    if not ids:
        return
    WatchEntry.objects.filter(pk__in=ids).update(broken_follow_up_flagged_at=None)
    BrokenFollowUp.objects.filter(entry_id__in=ids, cleared_at__isnull=True).update(
        cleared_at=contact.recorded_at, cleared_by=contact
    )


@transaction.atomic
def contact_record(
    *,
    access: PatientAccess,
    channel: str,
    at: datetime | None = None,
    note: str = "",
    organisation: Organisation | None = None,
    stay: Stay | None = None,
) -> Contact:
    """Record a contact with the patient, on behalf of one of the user's organisations."""
    if stay is not None and stay.patient_id != access.patient.pk:
        raise AftercareError(_("This stay is not this patient's."))
    return _contact(
        access,
        kind=ContactKind.CONTACT,
        channel=channel,
        at=_at(at),
        note=note.strip(),
        organisation=_user_organisation(access, organisation),
        stay=stay,
    )


@transaction.atomic
def refusal_record(
    *,
    access: PatientAccess,
    offered: str,
    refused_by: str,
    at: datetime | None = None,
    reason: str = "",
    service: Service | None = None,
    stay: Stay | None = None,
) -> Refusal:
    """Record that help was refused: what was offered, who refused, when."""
    offered = offered.strip()
    if not offered and service is not None:
        offered = service.display_name
    if not offered:
        raise AftercareError(_("Say what was offered."))
    if refused_by not in RefusedBy.values:
        raise AftercareError(_("Say who refused."))
    if stay is not None and stay.patient_id != access.patient.pk:
        raise AftercareError(_("This stay is not this patient's."))
    when = _at(at)
    refusal = Refusal.objects.create(
        patient=access.patient,
        stay=stay or selectors.followed_stay(access.patient, when) or _open_stay(access.patient),
        offered=offered[:300],
        service=service,
        refused_by=refused_by,
        at=when,
        reason=reason.strip(),
        recorded_by=access.user,
        recorded_organisation=_user_organisation(access, None),
    )
    _audit(
        access,
        action=AuditAction.CREATE,
        what="refusal",
        detail={"refusal": refusal.pk, "service": service.pk if service else None},
    )
    return refusal


def _open_stay(patient: Patient) -> Stay | None:
    return (
        Stay.objects.filter(patient=patient, status=StayStatus.OPEN)
        .order_by("-admitted_at")
        .first()
    )


# Broken follow-up (periodic, run by `parcours worker`) ---------------------------------------


def broken_followup_check(*, now: datetime | None = None, days: int | None = None) -> int:
    """Flag each active watch with no contact for `days` days (PARCOURS_BROKEN_FOLLOWUP_DAYS),
    once per silence, and tell who should reach out. Returns how many watches were flagged."""
    now = now or timezone.now()
    days = days or settings.BROKEN_FOLLOWUP_DAYS
    threshold = now - timedelta(days=days)
    last = (
        Contact.objects.filter(patient=OuterRef("patient"))
        .order_by()
        .values("patient")
        .annotate(last=Max("at"))
        .values("last")
    )
    candidates = (
        WatchEntry.objects.filter(
            ended_at__isnull=True,
            broken_follow_up_flagged_at__isnull=True,
            started_at__lte=threshold,
        )
        .annotate(last_contact=Subquery(last))
        .select_related("patient", "organisation")
        .order_by("pk")
    )
    flagged = 0
    for entry in candidates.iterator(chunk_size=500):
        last_at: datetime | None = entry.last_contact
        since = max(entry.started_at, last_at) if last_at else entry.started_at
        if since > threshold:
            continue
        if _flag(entry, since=since, now=now, days=days):
            flagged += 1
    return flagged


def _flag(entry: WatchEntry, *, since: datetime, now: datetime, days: int) -> bool:
    try:
        with transaction.atomic():
            updated = WatchEntry.objects.filter(
                pk=entry.pk, ended_at__isnull=True, broken_follow_up_flagged_at__isnull=True
            ).update(broken_follow_up_flagged_at=now)
            if not updated:
                return False
            # One row per silence: a second run (or a second worker) cannot flag it twice.
            alert = BrokenFollowUp.objects.create(
                entry=entry, patient=entry.patient, flagged_at=now, since=since
            )
            silent_days = (now - since).days
            _send(
                selectors.broken_followup_user_ids(entry.patient, entry.organisation),
                kind=FOLLOWUP_BROKEN.code,
                params={"days": silent_days, "organisation": entry.organisation.name},
                key=f"followup-broken-{alert.pk}",
                patient=entry.patient,
            )
            audit_record(
                actor=CHECKER,
                action=AuditAction.UPDATE,
                what="broken-follow-up",
                outcome=AuditOutcome.SUCCESS,
                patient_id=entry.patient_id,
                purpose="coordination",
                detail={"watch": entry.pk, "days": silent_days, "threshold": days},
            )
            _refresh_watch_lists(entry.patient_id)
    except IntegrityError:
        return False
    return True


# Readmission (called by stay_admit) ----------------------------------------------------------


def readmission_check(*, stay: Stay, actor: Actor) -> Readmission | None:
    """If `stay` begins at most 30 days after the patient's previous discharge (any hospital),
    record the readmission and tell the whole circle of care, in the admission's transaction."""
    local_admission = timezone.localdate(stay.admitted_at)
    previous = (
        Stay.objects.filter(
            patient_id=stay.patient_id,
            status=StayStatus.DISCHARGED,
            discharged_at__lte=stay.admitted_at,
            discharged_at__gte=stay.admitted_at - timedelta(days=READMISSION_DAYS + 1),
        )
        .exclude(pk=stay.pk)
        .select_related("hospital")
        .order_by("-discharged_at")
        .first()
    )
    if previous is None or previous.discharged_at is None:
        return None
    days = (local_admission - timezone.localdate(previous.discharged_at)).days
    if days > READMISSION_DAYS:
        return None
    with transaction.atomic():
        readmission = Readmission.objects.create(
            stay=stay, previous_stay=previous, patient_id=stay.patient_id, days=days
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            what="readmission",
            outcome=AuditOutcome.SUCCESS,
            patient_id=stay.patient_id,
            purpose="treatment",
            detail={"stay": stay.pk, "previous_stay": previous.pk, "days": days},
        )
        patient = Patient.objects.get(pk=stay.patient_id)
        _send(
            selectors.circle_user_ids(patient),
            kind=STAY_READMISSION.code,
            params={
                "hospital": stay.hospital.name,
                "days": days,
                "previous": previous.hospital.name,
            },
            key=f"readmission-{stay.pk}",
            patient=patient,
        )
    return readmission
