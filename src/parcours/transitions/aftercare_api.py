"""JSON API of the follow-up after discharge: watch lists, contacts, help reactivated, refusals.

Same rules as the pages (`aftercare_views.py`): every read of a patient goes through
`patients.access` and is audited the same way (purpose "coordination"; the watch list writes one
`watch-list` audit row), every write goes through `aftercare_actions`. An unknown patient or
watch and a refused access both give 404; a refused change gives 422 with the action's message
in the user's language.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from parcours.accounts.models import User
from parcours.audit.actions import audit_record
from parcours.audit.models import AuditAction, AuditOutcome
from parcours.directory.models import Organisation, OrganisationType, Service
from parcours.patients.access import (
    PatientAccess,
    PatientNotFound,
    Purpose,
    access_patient,
    actor_of,
)
from parcours.transitions import aftercare_actions as actions
from parcours.transitions import aftercare_selectors as selectors
from parcours.transitions.aftercare_models import (
    Contact,
    ContactChannel,
    Refusal,
    WatchEntry,
)

router = Router(tags=["follow-up"])

PAGE_LIMIT = 100

_Recorded = TypeVar("_Recorded", Contact, Refusal)


class ErrorOut(Schema):
    detail: str


class OrganisationRef(Schema):
    id: int
    code: str
    name: str


class PatientRef(Schema):
    id: int
    given_name: str
    family_name: str


class WatchOut(Schema):
    id: int
    patient: PatientRef
    organisation: OrganisationRef
    reason: str
    started_at: datetime
    started_by: str | None
    ended_at: datetime | None
    end_reason: str
    broken_follow_up: bool = Field(description="The broken-follow-up flag is up.")
    broken_follow_up_flagged_at: datetime | None


class WatchRowOut(WatchOut):
    last_contact_at: datetime | None = Field(
        description="Latest contact with the patient, by anyone."
    )
    days_since: int = Field(
        description="Whole days since the last contact or the watch start, whichever is later."
    )


class ContactOut(Schema):
    id: int
    patient: int
    kind: str = Field(description="`contact` or `help_reactivated`.")
    kind_label: str
    channel: str
    channel_label: str
    at: datetime
    by: str | None
    organisation: OrganisationRef | None
    note: str
    stay: int | None = Field(description="The discharge this contact follows.")
    recorded_at: datetime


class RefusalOut(Schema):
    id: int
    patient: int
    offered: str = Field(description="What was offered.")
    service: int | None = Field(description="The directory service offered, if named.")
    refused_by: str = Field(description="`patient`, `caregiver` or `legal_representative`.")
    refused_by_label: str
    at: datetime = Field(description="When the help was refused.")
    reason: str
    recorded_by: str | None
    recorded_organisation: OrganisationRef | None
    recorded_at: datetime
    stay: int | None


class WatchIn(Schema):
    organisation: int = Field(description="Id of the watching organisation.")
    reason: str = Field("", max_length=300)
    started_at: datetime | None = Field(None, description="Empty: now.")


class WatchEndIn(Schema):
    reason: str = Field(max_length=300, description="Why the watch ends (required).")


class ContactIn(Schema):
    channel: str = Field(description="visit, phone, message, consultation or other.")
    at: datetime | None = Field(None, description="Empty: now. Not in the future.")
    note: str = Field("", max_length=2000)
    organisation: int | None = Field(
        None, description="One of your organisations (empty: your first one)."
    )


class ReactivateIn(Schema):
    help_given: str = Field(max_length=2000, description="Which help was reactivated.")
    channel: str = ContactChannel.OTHER
    at: datetime | None = None


class RefusalIn(Schema):
    offered: str = Field("", max_length=300, description="What was offered (or give `service`).")
    service: int | None = Field(
        None, description="A directory service of an organisation of the circle or of yours."
    )
    refused_by: str = Field(description="patient, caregiver or legal_representative.")
    at: datetime | None = Field(None, description="Empty: now. Not in the future.")
    reason: str = Field("", max_length=2000)


class WatchListQuery(Schema):
    organisation: int | None = Field(None, description="Only this team of yours.")


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def _not_found() -> Status[Any]:
    return Status(404, ErrorOut(detail=_("No patient found.")))


def _invalid(message: object) -> Status[Any]:
    return Status(422, ErrorOut(detail=str(message)))


def _answered(view: Callable[..., Status[Any]]) -> Callable[..., Status[Any]]:
    """Answer a refused or unknown patient with 404 and a refused change with 422."""

    @functools.wraps(view)
    def answered(*args: Any, **kwargs: Any) -> Status[Any]:
        try:
            return view(*args, **kwargs)
        except PatientNotFound:
            return _not_found()
        except actions.AftercareError as exc:
            return _invalid(exc.message)

    return answered


def _latest(
    request: HttpRequest, patient_id: int, model: type[_Recorded], *related: str
) -> list[_Recorded]:
    """The patient's latest `model` rows (at most PAGE_LIMIT), once the patient may be read."""
    access = _read(request, patient_id)
    return list(model.objects.filter(patient=access.patient).select_related(*related)[:PAGE_LIMIT])


def _read(request: HttpRequest, patient_id: int) -> PatientAccess:
    return access_patient(
        _user(request), patient_id, purpose=Purpose.COORDINATION, what="follow-up"
    )


def _write(request: HttpRequest, patient_id: int, what: str) -> PatientAccess:
    return access_patient(
        _user(request),
        patient_id,
        purpose=Purpose.COORDINATION,
        what=what,
        action=AuditAction.UPDATE,
    )


def _organisation(organisation: Organisation | None) -> OrganisationRef | None:
    if organisation is None:
        return None
    return OrganisationRef(
        id=organisation.pk, code=organisation.code, name=organisation.display_name
    )


def _name(user: User | None) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.username


def watch_out(entry: WatchEntry) -> dict[str, Any]:
    patient = entry.patient
    return {
        "id": entry.pk,
        "patient": PatientRef(
            id=patient.pk, given_name=patient.given_name, family_name=patient.family_name
        ),
        "organisation": _organisation(entry.organisation),
        "reason": entry.reason,
        "started_at": entry.started_at,
        "started_by": _name(entry.started_by),
        "ended_at": entry.ended_at,
        "end_reason": entry.end_reason,
        "broken_follow_up": entry.broken_follow_up_flagged_at is not None,
        "broken_follow_up_flagged_at": entry.broken_follow_up_flagged_at,
    }


def contact_out(contact: Contact) -> ContactOut:
    return ContactOut(
        id=contact.pk,
        patient=contact.patient_id,
        kind=contact.kind,
        kind_label=str(contact.get_kind_display()),
        channel=contact.channel,
        channel_label=str(contact.get_channel_display()),
        at=contact.at,
        by=_name(contact.by_user),
        organisation=_organisation(contact.by_organisation),
        note=contact.note,
        stay=contact.stay_id,
        recorded_at=contact.recorded_at,
    )


def refusal_out(refusal: Refusal) -> RefusalOut:
    return RefusalOut(
        id=refusal.pk,
        patient=refusal.patient_id,
        offered=refusal.offered,
        service=refusal.service_id,
        refused_by=refusal.refused_by,
        refused_by_label=str(refusal.get_refused_by_display()),
        at=refusal.at,
        reason=refusal.reason,
        recorded_by=_name(refusal.recorded_by),
        recorded_organisation=_organisation(refusal.recorded_organisation),
        recorded_at=refusal.recorded_at,
        stay=refusal.stay_id,
    )


# Watch list -----------------------------------------------------------------------------------


@router.get(
    "/watch",
    response={200: list[WatchRowOut], 404: ErrorOut},
    summary="The watch list of my teams",
    description="Active watches of your organisations (or only `organisation`), for patients "
    "you may reach; flagged first, then the longest silence. Audited as `watch-list`.",
)
def watch_list(request: HttpRequest, query: Query[WatchListQuery]) -> Status[Any]:
    user = _user(request)
    organisation_ids = None
    if query.organisation is not None:
        if query.organisation not in {o.pk for o in selectors.care_organisations(user)}:
            return Status(404, ErrorOut(detail=_("No watch list found.")))
        organisation_ids = [query.organisation]
    rows = selectors.watch_list(user, organisation_ids=organisation_ids)
    audit_record(
        actor=actor_of(user),
        action=AuditAction.READ,
        what="watch-list",
        outcome=AuditOutcome.SUCCESS,
        purpose=Purpose.COORDINATION,
        detail={"count": len(rows)},
    )
    return Status(
        200,
        [
            WatchRowOut(
                **watch_out(row.entry),
                last_contact_at=row.last_contact_at,
                days_since=row.days_since,
            )
            for row in rows
        ],
    )


@router.post(
    "/patients/{patient_id}/watch",
    response={201: WatchOut, 404: ErrorOut, 422: ErrorOut},
    summary="Put a patient on a watch list",
)
@_answered
def watch_start(request: HttpRequest, patient_id: int, body: WatchIn) -> Status[Any]:
    access = _write(request, patient_id, "watch")
    organisation = next(
        (o for o in selectors.watch_organisations(access) if o.pk == body.organisation), None
    )
    if organisation is None and access.can_manage:
        # A circle manager may name any community organisation: `watch_start` adds it to the
        # circle (the page offers only those already in it, to keep its list short).
        organisation = (
            Organisation.objects.filter(pk=body.organisation)
            .exclude(type__in=[OrganisationType.HOSPITAL, OrganisationType.WARD])
            .first()
        )
    if organisation is None:
        return _invalid(_("Choose an organisation you may start a watch for."))
    entry = actions.watch_start(
        access=access,
        organisation=organisation,
        reason=body.reason,
        started_at=body.started_at,
    )
    return Status(201, WatchOut(**watch_out(entry)))


def _entry_access(request: HttpRequest, entry_id: int, what: str) -> PatientAccess:
    patient_id = WatchEntry.objects.filter(pk=entry_id).values_list("patient_id", flat=True).first()
    if patient_id is None:
        raise PatientNotFound
    return _write(request, patient_id, what)


@router.post(
    "/watch/{entry_id}/end",
    response={200: WatchOut, 404: ErrorOut, 422: ErrorOut},
    summary="End a watch",
)
@_answered
def watch_end(request: HttpRequest, entry_id: int, body: WatchEndIn) -> Status[Any]:
    access = _entry_access(request, entry_id, "watch-end")
    entry = actions.watch_end(access=access, entry_id=entry_id, reason=body.reason)
    return Status(200, WatchOut(**watch_out(entry)))


@router.post(
    "/watch/{entry_id}/reactivate",
    response={201: ContactOut, 404: ErrorOut, 422: ErrorOut},
    summary="Record help reactivated by the watching organisation",
    description="Recorded as a contact of kind `help_reactivated`; the circle's referents are "
    "told and the broken-follow-up flag is cleared.",
)
@_answered
def watch_reactivate(request: HttpRequest, entry_id: int, body: ReactivateIn) -> Status[Any]:
    access = _entry_access(request, entry_id, "help-reactivated")
    contact = actions.watch_reactivate_help(
        access=access,
        entry_id=entry_id,
        help_given=body.help_given,
        channel=body.channel,
        at=body.at,
    )
    return Status(201, contact_out(contact))


# A patient's contacts and refusals ------------------------------------------------------------


@router.get(
    "/patients/{patient_id}/contacts",
    response={200: list[ContactOut], 404: ErrorOut},
    summary="A patient's contacts (latest first, at most 100)",
)
@_answered
def contact_list(request: HttpRequest, patient_id: int) -> Status[Any]:
    contacts = _latest(request, patient_id, Contact, "by_user", "by_organisation")
    return Status(200, [contact_out(contact) for contact in contacts])


@router.post(
    "/patients/{patient_id}/contacts",
    response={201: ContactOut, 404: ErrorOut, 422: ErrorOut},
    summary="Record a contact with a patient",
)
@_answered
def contact_add(request: HttpRequest, patient_id: int, body: ContactIn) -> Status[Any]:
    access = _write(request, patient_id, "contact")
    organisation = None
    if body.organisation is not None:
        organisation = Organisation.objects.filter(pk=body.organisation).first()
        if organisation is None:
            return _invalid(_("You do not work for this organisation."))
    contact = actions.contact_record(
        access=access,
        channel=body.channel,
        at=body.at,
        note=body.note,
        organisation=organisation,
    )
    return Status(201, contact_out(contact))


@router.get(
    "/patients/{patient_id}/refusals",
    response={200: list[RefusalOut], 404: ErrorOut},
    summary="A patient's refusals of help (latest first, at most 100)",
)
@_answered
def refusal_list(request: HttpRequest, patient_id: int) -> Status[Any]:
    refusals = _latest(request, patient_id, Refusal, "recorded_by", "recorded_organisation")
    return Status(200, [refusal_out(refusal) for refusal in refusals])


@router.post(
    "/patients/{patient_id}/refusals",
    response={201: RefusalOut, 404: ErrorOut, 422: ErrorOut},
    summary="Record a refusal of help",
    description="Who refused, when, what was offered (text or a directory service); the "
    "authenticated user and their organisation are recorded as who recorded it.",
)
@_answered
def refusal_add(request: HttpRequest, patient_id: int, body: RefusalIn) -> Status[Any]:
    access = _write(request, patient_id, "refusal")
    service = None
    if body.service is not None:
        service = Service.objects.filter(
            pk=body.service,
            active=True,
            organisation_id__in=selectors.refusal_service_organisation_ids(access),
        ).first()
        if service is None:
            return _invalid(_("Choose a service of an organisation of the circle or of yours."))
    refusal = actions.refusal_record(
        access=access,
        offered=body.offered,
        refused_by=body.refused_by,
        at=body.at,
        reason=body.reason,
        service=service,
    )
    return Status(201, refusal_out(refusal))
