"""The port between HL7 ADT handlers and the domain (patients, transitions).

Each handler validates its message, then calls one method of the port. The port applies the
event to patients and stays and says so with `Outcome.APPLIED`, or raises `NotApplicable`
(→ AE with the reason) when the message is understood but cannot be applied. It runs inside
the ingestion transaction, in a savepoint: whatever it wrote is rolled back if it raises.

The default port is `domain_actions.DomainActionsPort`, which applies each event with the
patients and transitions actions. `AcceptForProcessing` below applies nothing: it checks that
the source's organisation is active and returns `Outcome.ACCEPTED` (status `received`); the
transport's own tests install it with `use_domain_port`.
The domain never imports this package.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from parcours.interop.hl7v2.parse import AdtMessage
from parcours.interop.hl7v2.reasons import Hl7Error

if TYPE_CHECKING:
    from parcours.interop.models import Hl7Source


class Outcome(enum.Enum):
    ACCEPTED = "received"  # validated and stored; not yet applied to patients and stays
    APPLIED = "applied"  # applied by the domain actions


class NotApplicable(Hl7Error):
    """Understood, but cannot be applied: acknowledged AE with the reason."""

    def __init__(self, code: str, params: dict[str, Any] | None = None, location: str = "") -> None:
        super().__init__(code, params or {}, location)
        if self.ack_code != "AE":
            raise ValueError(f"{code!r} is not an application-error reason")


@dataclass(frozen=True)
class Discharge:
    """A03 details resolved by the handler: PV1-36 as sent, and mapped through the source's
    discharge-disposition table to a stay destination (`transitions.models.Destination`)."""

    code: str  # PV1-36 as sent, "" when empty
    destination: str  # Destination value, "" when PV1-36 is empty


class AdtDomainPort(Protocol):
    def admit(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        """A01: open a stay (or start the planned one of A05), matching the patient on PID-3."""
        ...

    def transfer(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        """A02: move the open stay to PV1-3."""
        ...

    def discharge(self, *, message: AdtMessage, source: Hl7Source, discharge: Discharge) -> Outcome:
        """A03: close the stay at PV1-45 with the mapped discharge disposition."""
        ...

    def register(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        """A04: outpatient or emergency registration."""
        ...

    def pre_admit(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        """A05: a planned stay (status planned), begun by a later A01."""
        ...

    def update(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        """A08: demographics and visit details, no state change."""
        ...

    def cancel_admit(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        """A11: undo A01/A04 (stay entered in error)."""
        ...

    def cancel_transfer(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        """A12: undo A02 (back to PV1-3, the location before the transfer)."""
        ...

    def cancel_discharge(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        """A13: reopen the stay closed by A03."""
        ...

    def merge(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        """A40: merge each MRG-1 patient into the PID-3 patient."""
        ...


class AcceptForProcessing:
    """The transport-only port: nothing is applied to patients or stays (for tests)."""

    def _accept(self, source: Hl7Source) -> Outcome:
        organisation = source.organisation
        if not organisation.active:
            raise NotApplicable("inactive_organisation", {"organisation": organisation.code})
        return Outcome.ACCEPTED

    def admit(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        return self._accept(source)

    def transfer(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        return self._accept(source)

    def discharge(self, *, message: AdtMessage, source: Hl7Source, discharge: Discharge) -> Outcome:
        return self._accept(source)

    def register(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        return self._accept(source)

    def pre_admit(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        return self._accept(source)

    def update(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        return self._accept(source)

    def cancel_admit(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        return self._accept(source)

    def cancel_transfer(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        return self._accept(source)

    def cancel_discharge(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        return self._accept(source)

    def merge(self, *, message: AdtMessage, source: Hl7Source) -> Outcome:
        return self._accept(source)
