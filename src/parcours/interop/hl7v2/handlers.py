"""One handler per ADT trigger event: check that the message carries what the event needs, then
call the domain port. A missing segment or field is an AE with its location."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from parcours.interop.hl7v2.domain import (
    AdtDomainPort,
    Discharge,
    NotApplicable,
    Outcome,
)
from parcours.interop.hl7v2.domain_actions import DomainActionsPort
from parcours.interop.hl7v2.parse import AdtMessage, PatientIdentity, Visit
from parcours.interop.models import destination_for

if TYPE_CHECKING:
    from parcours.interop.models import Hl7Source


Handler = Callable[[AdtMessage, "Hl7Source", AdtDomainPort], Outcome]

_port: AdtDomainPort = DomainActionsPort()


def domain_port() -> AdtDomainPort:
    return _port


@contextmanager
def use_domain_port(port: AdtDomainPort) -> Iterator[None]:
    """Install another port (the wired domain, or a test double) for the duration."""
    global _port
    previous, _port = _port, port
    try:
        yield
    finally:
        _port = previous


# --- checks -------------------------------------------------------------------------------


def _patient(message: AdtMessage) -> PatientIdentity:
    if message.patient is None:
        raise NotApplicable("missing_segment", {"segment": "PID", "event": message.event})
    if not message.patient.identifiers:
        raise NotApplicable("missing_field", {"field": "PID-3", "event": message.event}, "PID^1^3")
    return message.patient


def _visit(message: AdtMessage, *, visit_number: bool = True) -> Visit:
    if message.visit is None:
        raise NotApplicable("missing_segment", {"segment": "PV1", "event": message.event})
    if visit_number and message.visit.visit_number is None:
        raise NotApplicable(
            "missing_field", {"field": "PV1-19", "event": message.event}, "PV1^1^19"
        )
    return message.visit


def _event_time(message: AdtMessage, field: str) -> None:
    if message.event_time is None:
        raise NotApplicable("missing_field", {"field": field, "event": message.event}, "EVN^1^6")


def _patient_class(message: AdtMessage, visit: Visit) -> None:
    if not visit.patient_class:
        raise NotApplicable("missing_field", {"field": "PV1-2", "event": message.event}, "PV1^1^2")


# --- handlers -----------------------------------------------------------------------------


def handle_a01(message: AdtMessage, source: Hl7Source, port: AdtDomainPort) -> Outcome:
    _patient(message)
    visit = _visit(message)
    _patient_class(message, visit)
    if visit.admit_time is None and message.event_time is None:
        raise NotApplicable(
            "missing_field", {"field": "PV1-44", "event": message.event}, "PV1^1^44"
        )
    return port.admit(message=message, source=source)


def handle_a02(message: AdtMessage, source: Hl7Source, port: AdtDomainPort) -> Outcome:
    _patient(message)
    visit = _visit(message)
    if visit.location is None or visit.location.is_empty:
        raise NotApplicable("missing_field", {"field": "PV1-3", "event": message.event}, "PV1^1^3")
    _event_time(message, "EVN-6")
    return port.transfer(message=message, source=source)


def handle_a03(message: AdtMessage, source: Hl7Source, port: AdtDomainPort) -> Outcome:
    _patient(message)
    visit = _visit(message)
    if visit.discharge_time is None and message.event_time is None:
        raise NotApplicable(
            "missing_field", {"field": "PV1-45", "event": message.event}, "PV1^1^45"
        )
    code = visit.discharge_disposition
    destination = ""
    if code:
        mapped = destination_for(str(source.discharge_dispositions.get(code) or ""))
        if not mapped:
            raise NotApplicable("unmapped_disposition", {"code": code}, "PV1^1^36")
        destination = mapped
    return port.discharge(
        message=message, source=source, discharge=Discharge(code=code, destination=destination)
    )


def handle_a04(message: AdtMessage, source: Hl7Source, port: AdtDomainPort) -> Outcome:
    _patient(message)
    visit = _visit(message)
    _patient_class(message, visit)
    _event_time(message, "EVN-6")
    return port.register(message=message, source=source)


def handle_a05(message: AdtMessage, source: Hl7Source, port: AdtDomainPort) -> Outcome:
    _patient(message)
    _visit(message)
    if message.visit and message.visit.admit_time is None and message.event_time is None:
        raise NotApplicable(
            "missing_field", {"field": "PV1-44", "event": message.event}, "PV1^1^44"
        )
    return port.pre_admit(message=message, source=source)


def handle_a08(message: AdtMessage, source: Hl7Source, port: AdtDomainPort) -> Outcome:
    _patient(message)
    return port.update(message=message, source=source)


def handle_a11(message: AdtMessage, source: Hl7Source, port: AdtDomainPort) -> Outcome:
    _patient(message)
    _visit(message)
    return port.cancel_admit(message=message, source=source)


def handle_a12(message: AdtMessage, source: Hl7Source, port: AdtDomainPort) -> Outcome:
    _patient(message)
    _visit(message)
    return port.cancel_transfer(message=message, source=source)


def handle_a13(message: AdtMessage, source: Hl7Source, port: AdtDomainPort) -> Outcome:
    _patient(message)
    _visit(message)
    return port.cancel_discharge(message=message, source=source)


def handle_a40(message: AdtMessage, source: Hl7Source, port: AdtDomainPort) -> Outcome:
    _patient(message)
    if not message.merges:
        raise NotApplicable("missing_segment", {"segment": "MRG", "event": message.event})
    for merge in message.merges:
        if not merge.surviving.identifiers:
            raise NotApplicable(
                "missing_field", {"field": "PID-3", "event": message.event}, "PID^1^3"
            )
        if not merge.retired_identifiers:
            raise NotApplicable(
                "missing_field", {"field": "MRG-1", "event": message.event}, "MRG^1^1"
            )
        surviving = {(i.value, i.authority, i.authority_uid) for i in merge.surviving.identifiers}
        retired = {(i.value, i.authority, i.authority_uid) for i in merge.retired_identifiers}
        if surviving & retired:
            raise NotApplicable("merge_into_itself", location="MRG^1^1")
    return port.merge(message=message, source=source)


HANDLERS: dict[str, Handler] = {
    "A01": handle_a01,
    "A02": handle_a02,
    "A03": handle_a03,
    "A04": handle_a04,
    "A05": handle_a05,
    "A08": handle_a08,
    "A11": handle_a11,
    "A12": handle_a12,
    "A13": handle_a13,
    "A40": handle_a40,
}


def dispatch(message: AdtMessage, source: Hl7Source) -> Outcome:
    return HANDLERS[message.event](message, source, domain_port())
