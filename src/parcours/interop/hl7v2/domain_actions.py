"""The wired port: each ADT event applied through the patients and transitions actions.

- Patients are matched on PID-3: NNBEL → Belgian NISS (BIS when the month is +20/+40), NNFRA →
  French NIR, anything else → a local identifier assigned by the source's hospital. An invalid
  national number is refused (AE `invalid_identifier`): a wrong number must not be attached to
  a record, and the hospital corrects it and sends again. An unknown patient is created.
- Stays are keyed on PV1-19 (visit number) with the source's facility. Wards are the hospital's
  units coded `<hospital code>-<PV1-3.1 lower-cased>`; an unknown one is an AE (`unknown_ward`),
  nothing applied. The full event → action table is in docs/interop.md.
- The actor of every write is the feed: "hl7:<facility>", organisation the source's hospital.
- Admission and discharge notify the circle of care through the messaging outbox (kinds
  `stay.admitted` / `stay.discharged`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from parcours.audit.actions import Actor
from parcours.directory.models import Organisation, Professional
from parcours.interop.hl7v2.domain import Discharge, NotApplicable, Outcome
from parcours.interop.hl7v2.parse import AdtMessage, Identifier, Location, PatientIdentity
from parcours.patients.actions import (
    DuplicatePatient,
    IdentifierInput,
    PatientData,
    PatientError,
    circle_notify,
    patient_merge_by_system,
    patient_register_by_system,
    patient_update_by_system,
)
from parcours.patients.identifiers import IdentifierSystem, InvalidIdentifier
from parcours.patients.models import Patient, PatientIdentifier, PatientStatus
from parcours.patients.notifications import STAY_ADMITTED, STAY_DISCHARGED
from parcours.territory.models import Municipality
from parcours.transitions.actions import (
    StayError,
    stay_admit,
    stay_admitting_physician_set,
    stay_cancel,
    stay_discharge,
    stay_expected_discharge_set,
    stay_reopen,
    stay_start,
    stay_transfer,
)
from parcours.transitions.models import Stay, StayEventKind, StayStatus

if TYPE_CHECKING:
    from parcours.interop.models import Hl7Source

logger = logging.getLogger(__name__)

SEX = {"F": "female", "M": "male", "O": "other", "U": "unknown", "A": "other", "N": "unknown"}
RIZIV_AUTHORITIES = frozenset({"RIZIV", "INAMI", "NIHDI"})
NATIONAL_TYPES = {"NNBEL": IdentifierSystem.BE_NISS, "NNFRA": IdentifierSystem.FR_NIR}


def feed_actor(source: Hl7Source) -> Actor:
    return Actor(
        user_id=None,
        username=f"hl7:{source.facility}",
        role="system",
        organisation=source.organisation.code,
    )


def _identifier_input(item: Identifier, source: Hl7Source) -> IdentifierInput:
    system = NATIONAL_TYPES.get(item.type_code.upper())
    value = item.value
    if system == IdentifierSystem.BE_NISS and len(value) == 11 and value.isdigit():
        system = IdentifierSystem.BE_BIS if int(value[2:4]) >= 20 else system
    if system is not None:
        return IdentifierInput(system, item.value)
    return IdentifierInput(IdentifierSystem.LOCAL, item.value, source.organisation)


def _identifiers(identity: PatientIdentity, source: Hl7Source) -> list[IdentifierInput]:
    return [_identifier_input(i, source) for i in identity.identifiers if i.value]


def _holder(item: IdentifierInput) -> Patient | None:
    rows = PatientIdentifier.objects.filter(system=item.system, value=item.value)
    if item.system == IdentifierSystem.LOCAL:
        rows = rows.filter(assigning_authority=item.assigning_authority)
    row = rows.select_related("patient").first()
    if row is None:
        return None
    patient = row.patient
    while patient.status == PatientStatus.MERGED and patient.merged_into_id:
        patient = Patient.objects.get(pk=patient.merged_into_id)
    return patient


# Reference data read for nearly every message: the listener keeps wards and municipalities for
# a few seconds, like sources (ingest.SOURCE_CACHE_SECONDS). A ward saved or deleted in this
# process clears the ward cache at once (interop/apps.py); a change made by another process is
# seen within LOOKUP_CACHE_SECONDS.
LOOKUP_CACHE_SECONDS = 5.0
_LOOKUP_CACHE_SIZE = 2048
_wards: dict[tuple[int, str], tuple[float, Organisation | None]] = {}
_municipalities: dict[tuple[str, str], tuple[float, int | None]] = {}


def clear_lookup_cache(**kwargs: object) -> None:
    _wards.clear()
    _municipalities.clear()


def _municipality(postcode: str, city: str) -> int | None:
    if not postcode:
        return None
    key = (postcode, city)
    now = time.monotonic()
    cached = _municipalities.get(key)
    if cached is not None and now - cached[0] < LOOKUP_CACHE_SECONDS:
        return cached[1]
    if len(_municipalities) >= _LOOKUP_CACHE_SIZE:
        _municipalities.clear()
    found = _municipality_lookup(postcode, city)
    _municipalities[key] = (now, found)
    return found


def _municipality_lookup(postcode: str, city: str) -> int | None:
    rows = Municipality.objects.annotate(codes=Cast("postcodes", TextField()))
    candidates = [
        m for m in rows.filter(codes__contains=f'"{postcode}"')[:20] if postcode in m.postcodes
    ]
    if len(candidates) > 1 and city:
        named = [
            m for m in candidates if city.casefold() in {str(n).casefold() for n in m.name.values()}
        ]
        candidates = named or candidates[:1]
    return candidates[0].pk if candidates else None


def _data(identity: PatientIdentity) -> PatientData:
    name = next((n for n in identity.names if n.type_code in ("L", "")), None) or (
        identity.names[0] if identity.names else None
    )
    address = identity.addresses[0] if identity.addresses else None
    phone = next((p.number for p in identity.home_phones if p.number), "")
    return PatientData(
        given_name=name.given if name else "",
        family_name=name.family if name else "",
        birth_date=identity.birth_date,
        administrative_sex=SEX.get(identity.sex.upper(), "unknown"),
        address_line=address.street if address else "",
        postcode=address.postcode[:10] if address else "",
        municipality_id=_municipality(address.postcode, address.city) if address else None,
        phone=phone[:40],
    )


class DomainActionsPort:
    """Applies ADT events with the patients and transitions actions (see the module docstring)."""

    # --- patients ---------------------------------------------------------------------

    def _patient(self, message: AdtMessage, source: Hl7Source, *, update: bool = True) -> Patient:
        if not source.organisation.active:
            raise NotApplicable("inactive_organisation", {"organisation": source.organisation.code})
        identity = message.patient
        assert identity is not None  # checked by the handler
        items = _identifiers(identity, source)
        actor = feed_actor(source)
        try:
            found = {p.pk: p for p in (_holder(i) for i in items) if p is not None}
            if len(found) > 1:
                raise NotApplicable("identifiers_conflict", location="PID^1^3")
            if not found:
                return patient_register_by_system(
                    actor=actor, data=_data(identity), identifiers=items
                )
            patient = next(iter(found.values()))
            if update:  # A02/A03/A11/A12/A13 match only: no address lookup, no write
                return patient_update_by_system(
                    actor=actor, patient=patient, data=_data(identity), identifiers=items
                )
            return patient
        except InvalidIdentifier as exc:
            raise NotApplicable(
                "invalid_identifier", {"detail": str(exc.message)}, "PID^1^3"
            ) from exc
        except DuplicatePatient as exc:
            raise NotApplicable("identifiers_conflict", location="PID^1^3") from exc
        except PatientError as exc:
            raise NotApplicable("patient_refused", {"detail": str(exc.message)}, "PID^1^5") from exc

    # --- stays ------------------------------------------------------------------------

    def _visit_number(self, message: AdtMessage) -> str:
        assert message.visit is not None and message.visit.visit_number is not None
        return message.visit.visit_number.value

    def _stay(self, message: AdtMessage, source: Hl7Source, patient: Patient) -> Stay:
        number = self._visit_number(message)
        stay = Stay.objects.filter(source=source.facility, external_id=number).first()
        if stay is None:
            raise NotApplicable("no_such_stay", {"visit": number}, "PV1^1^19")
        if stay.patient_id != patient.pk:
            raise NotApplicable("stay_of_another_patient", {"visit": number}, "PV1^1^19")
        return stay

    def _ward(
        self, location: Location | None, source: Hl7Source, field: str = "PV1-3"
    ) -> Organisation | None:
        """The ward a PL names: `<hospital code>-<point of care>` among the hospital's units.
        No point of care: None. A point of care without a ward: AE `unknown_ward`."""
        if location is None or not location.point_of_care:
            return None
        code = f"{source.organisation.code}-{location.point_of_care.lower()}"
        key = (source.organisation.pk, code)
        now = time.monotonic()
        cached = _wards.get(key)
        if cached is not None and now - cached[0] < LOOKUP_CACHE_SECONDS:
            ward = cached[1]
        else:
            ward = Organisation.objects.filter(code=code, parent=source.organisation).first()
            if len(_wards) >= _LOOKUP_CACHE_SIZE:
                _wards.clear()
            _wards[key] = (now, ward)
        if ward is None:
            raise NotApplicable(
                "unknown_ward",
                {"point_of_care": location.point_of_care, "field": field, "ward": code},
                f"PV1^1^{field.removeprefix('PV1-')}",
            )
        return ward

    def _physician(self, message: AdtMessage) -> tuple[Professional | None, str]:
        """PV1-17 (first repetition): the directory professional with that RIZIV/INAMI or RPPS
        number (XCN-9 names the register; without it an 11-digit number matching exactly one
        professional), else None and the name as sent."""
        assert message.visit is not None
        if not message.visit.admitting:
            return None, ""
        xcn = message.visit.admitting[0]
        name = " ".join(p for p in (xcn.prefix, xcn.given, xcn.family) if p)
        number = xcn.id.replace(".", "").replace("-", "").replace(" ", "")
        authority = xcn.authority.upper()
        found: list[Professional] = []
        if number:
            if authority in RIZIV_AUTHORITIES:
                found = list(Professional.objects.filter(riziv=number, active=True)[:2])
            elif authority == "RPPS":
                found = list(Professional.objects.filter(rpps=number, active=True)[:2])
            elif not authority and len(number) == 11 and number.isdigit():
                found = list(
                    Professional.objects.filter(Q(riziv=number) | Q(rpps=number), active=True)[:2]
                )
        if len(found) == 1:
            return found[0], ""
        return None, name or xcn.id

    def _state(self, exc: StayError, message: AdtMessage) -> NotApplicable:
        return NotApplicable(
            "stay_state", {"visit": self._visit_number(message), "detail": str(exc)}, "PV1^1^19"
        )

    def _notify(self, stay: Stay, patient: Patient, kind: str) -> None:
        circle_notify(
            patient=patient,
            kind=kind,
            params={"hospital": stay.hospital.name},
            key=f"{kind}-{stay.pk}",
        )

    def _open(self, message: AdtMessage, source: Hl7Source, *, planned: bool = False) -> Outcome:
        """A01/A04 (and A05 with `planned`): a new stay; A01/A04 on the visit number of a
        planned stay begin it (`stay_start`)."""
        patient = self._patient(message, source)
        number = self._visit_number(message)
        visit = message.visit
        assert visit is not None
        ward = self._ward(visit.location, source)
        actor = feed_actor(source)
        admitted_at = (
            visit.admit_time
            or (visit.expected_admit_time if planned else None)
            or message.event_time
            or timezone.now()
        )
        existing = Stay.objects.filter(source=source.facility, external_id=number).first()
        try:
            if existing is not None:
                if planned or existing.status != StayStatus.PLANNED:
                    raise NotApplicable("stay_exists", {"visit": number}, "PV1^1^19")
                if existing.patient_id != patient.pk:
                    raise NotApplicable("stay_of_another_patient", {"visit": number}, "PV1^1^19")
                physician, physician_name = self._physician(message)
                stay = stay_start(
                    stay=existing,
                    actor=actor,
                    admitted_at=admitted_at,
                    ward=ward,
                    admitting_physician=physician,
                    admitting_physician_name=physician_name,
                )
                if visit.expected_discharge_time is not None:
                    stay_expected_discharge_set(
                        stay=stay, expected_discharge_at=visit.expected_discharge_time, actor=actor
                    )
            else:
                physician, physician_name = self._physician(message)
                stay = stay_admit(
                    patient=patient,
                    hospital=source.organisation,
                    ward=ward,
                    admitted_at=admitted_at,
                    expected_discharge_at=visit.expected_discharge_time,
                    external_id=number,
                    source=source.facility,
                    actor=actor,
                    admitting_physician=physician,
                    admitting_physician_name=physician_name,
                    planned=planned,
                )
        except StayError as exc:
            raise self._state(exc, message) from exc
        if not planned:
            self._notify(stay, patient, STAY_ADMITTED.code)
        return Outcome.APPLIED

    def admit(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        return self._open(message, source)

    def register(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        return self._open(message, source)

    def pre_admit(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        return self._open(message, source, planned=True)

    def transfer(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        patient = self._patient(message, source, update=False)
        stay = self._stay(message, source, patient)
        assert message.visit is not None
        ward = self._ward(message.visit.location, source)
        try:
            stay_transfer(stay=stay, ward=ward, actor=feed_actor(source), at=message.event_time)
        except StayError as exc:
            raise self._state(exc, message) from exc
        return Outcome.APPLIED

    def cancel_transfer(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        """A12: back to PV1-3, which HL7 v2.5 §3.3.12 says holds the location before the
        transfer; without PV1-3, back to the ward the last transfer left.

        The transfer cancelled is the latest one that is neither a cancellation itself nor
        already cancelled: two A12s in a row undo the last two A02s, one after the other."""
        patient = self._patient(message, source, update=False)
        stay = self._stay(message, source, patient)
        assert message.visit is not None
        transfers = list(stay.events.filter(kind=StayEventKind.TRANSFERRED).order_by("-at", "-pk"))
        cancelled = {e.detail.get("cancelled_event") for e in transfers}
        last = next(
            (
                e
                for e in transfers
                if not e.detail.get("cancels_transfer") and e.pk not in cancelled
            ),
            None,
        )
        if last is None:
            raise NotApplicable(
                "no_transfer_to_cancel", {"visit": self._visit_number(message)}, "PV1^1^19"
            )
        location = message.visit.location
        if location is not None and location.point_of_care:
            ward = self._ward(location, source)
        else:
            previous = last.detail.get("from")
            ward = (
                Organisation.objects.filter(pk=previous, parent=source.organisation).first()
                if previous
                else None
            )
        try:
            stay_transfer(
                stay=stay,
                ward=ward,
                actor=feed_actor(source),
                at=message.event_time,
                detail={"cancels_transfer": True, "cancelled_event": last.pk},
            )
        except StayError as exc:
            raise self._state(exc, message) from exc
        return Outcome.APPLIED

    def discharge(self, *, message: AdtMessage, source: Hl7Source, discharge: Discharge) -> Outcome:
        patient = self._patient(message, source, update=False)
        stay = self._stay(message, source, patient)
        assert message.visit is not None
        try:
            stay = stay_discharge(
                stay=stay,
                actor=feed_actor(source),
                discharged_at=message.visit.discharge_time or message.event_time,
                destination=discharge.destination,
                discharge_disposition=discharge.code,
            )
        except StayError as exc:
            raise self._state(exc, message) from exc
        self._notify(stay, patient, STAY_DISCHARGED.code)
        return Outcome.APPLIED

    def cancel_admit(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        patient = self._patient(message, source, update=False)
        stay = self._stay(message, source, patient)
        try:
            stay_cancel(stay=stay, actor=feed_actor(source))
        except StayError as exc:
            raise self._state(exc, message) from exc
        return Outcome.APPLIED

    def cancel_discharge(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        patient = self._patient(message, source, update=False)
        stay = self._stay(message, source, patient)
        try:
            stay_reopen(stay=stay, actor=feed_actor(source))
        except StayError as exc:
            raise self._state(exc, message) from exc
        return Outcome.APPLIED

    def update(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        """A08: PID always; with PV1-19 naming an open or planned stay of this patient, also
        PV1-3 (a ward change is recorded as a transfer), PV1-17 (admitting physician, when
        sent and different) and PV2-9 (expected discharge). A closed or unknown stay leaves the
        visit part aside."""
        patient = self._patient(message, source)
        visit = message.visit
        if visit is None or visit.visit_number is None:
            return Outcome.APPLIED
        stay = Stay.objects.filter(
            source=source.facility, external_id=visit.visit_number.value
        ).first()
        if stay is None or not stay.is_active:
            return Outcome.APPLIED
        if stay.patient_id != patient.pk:
            raise NotApplicable(
                "stay_of_another_patient", {"visit": visit.visit_number.value}, "PV1^1^19"
            )
        actor = feed_actor(source)
        ward = self._ward(visit.location, source)
        try:
            if ward is not None and ward.pk != stay.ward_id:
                stay = stay_transfer(stay=stay, ward=ward, actor=actor, at=message.event_time)
            physician, physician_name = self._physician(message)
            sent = (physician.pk if physician else None, "" if physician else physician_name[:200])
            unchanged = sent == (stay.admitting_physician_id, stay.admitting_physician_name)
            if (physician is not None or physician_name) and not unchanged:
                stay = stay_admitting_physician_set(
                    stay=stay,
                    actor=actor,
                    admitting_physician=physician,
                    admitting_physician_name=physician_name,
                )
            if (
                visit.expected_discharge_time is not None
                and visit.expected_discharge_time != stay.expected_discharge_at
            ):
                stay_expected_discharge_set(
                    stay=stay, expected_discharge_at=visit.expected_discharge_time, actor=actor
                )
        except StayError as exc:
            raise self._state(exc, message) from exc
        return Outcome.APPLIED

    def merge(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        actor = feed_actor(source)
        for merge in message.merges:
            identity = merge.surviving
            try:
                retired = {
                    p.pk: p
                    for p in (
                        _holder(_identifier_input(i, source)) for i in merge.retired_identifiers
                    )
                    if p is not None
                }
            except InvalidIdentifier as exc:
                raise NotApplicable(
                    "invalid_identifier", {"detail": str(exc.message)}, "MRG^1^1"
                ) from exc
            if not retired:
                value = merge.retired_identifiers[0].value
                raise NotApplicable("unknown_retired_patient", {"identifier": value}, "MRG^1^1")
            target = self._patient(replace(message, patient=identity), source)
            for patient in retired.values():
                if patient.pk != target.pk:
                    patient_merge_by_system(actor=actor, source=patient, target=target)
        return Outcome.APPLIED
