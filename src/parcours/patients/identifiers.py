"""Patient identifiers: Belgian NISS/INSZ and BIS, French NIR/INS, hospital local numbers.

python-stdnum does the arithmetic (mod 97 with the `2` prefix for births from 2000, BIS months
+20/+40, NIR key 97 with Corsica 2A/2B); this module turns its exceptions into messages a
professional can act on, in their language.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from stdnum.be import bis as be_bis
from stdnum.be import nn as be_nn
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import nir as fr_nir


class IdentifierSystem(models.TextChoices):
    BE_NISS = "be-niss", _("Belgian national number (NISS/INSZ)")
    BE_BIS = "be-bis", _("Belgian BIS number")
    FR_NIR = "fr-nir", _("French NIR / INS")
    LOCAL = "local", _("Hospital local identifier")


FHIR_SYSTEMS: dict[str, str] = {
    IdentifierSystem.BE_NISS: "https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin",
    IdentifierSystem.BE_BIS: "https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin",
    IdentifierSystem.FR_NIR: "urn:oid:1.2.250.1.213.1.4.8",
}

NATIONAL_SYSTEMS = frozenset(
    {IdentifierSystem.BE_NISS, IdentifierSystem.BE_BIS, IdentifierSystem.FR_NIR}
)


class InvalidIdentifier(ValueError):
    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class CheckedIdentifier:
    system: str
    value: str  # compact form, as stored


MESSAGES = {
    "length_niss": _("A Belgian national number has 11 digits."),
    "length_nir": _("A NIR has 15 characters: 13 digits and a 2-digit key."),
    "format": _("This number contains characters that are not allowed."),
    "checksum": _("The check digits do not match: the number was probably mistyped."),
    "date_niss": _("The birth date inside this national number is not a real date."),
    "bis_month": _("This is a BIS number (month + 20 or + 40), not a national number: choose BIS."),
    "not_bis": _("This is a national number, not a BIS number: choose NISS/INSZ."),
    "local_empty": _("Enter the hospital's identifier."),
    "local_authority": _("A local identifier needs the hospital that assigned it."),
    "component": _("A part of this number is not valid (date or place of birth)."),
}


def _stdnum_message(exc: StdnumError, length_key: str) -> str | Promise:
    if isinstance(exc, InvalidLength):
        return MESSAGES[length_key]
    if isinstance(exc, InvalidFormat):
        return MESSAGES["format"]
    if isinstance(exc, InvalidChecksum):
        return MESSAGES["checksum"]
    if isinstance(exc, InvalidComponent):
        return MESSAGES["date_niss" if length_key == "length_niss" else "component"]
    return MESSAGES["format"]


def _bis_month(compact: str) -> bool:
    return len(compact) == 11 and compact.isdigit() and int(compact[2:4]) >= 20


def check_identifier(*, system: str, value: str, has_authority: bool = False) -> CheckedIdentifier:
    """Validate and normalise; raise InvalidIdentifier with a translated message."""
    raw = (value or "").strip()
    if system == IdentifierSystem.LOCAL:
        if not raw:
            raise InvalidIdentifier(MESSAGES["local_empty"])
        if not has_authority:
            raise InvalidIdentifier(MESSAGES["local_authority"])
        return CheckedIdentifier(system, raw)
    if system == IdentifierSystem.BE_NISS:
        compact = be_nn.compact(raw)
        if _bis_month(compact):
            raise InvalidIdentifier(MESSAGES["bis_month"])
        try:
            return CheckedIdentifier(system, be_nn.validate(compact))
        except StdnumError as exc:
            raise InvalidIdentifier(_stdnum_message(exc, "length_niss")) from exc
    if system == IdentifierSystem.BE_BIS:
        compact = be_bis.compact(raw)
        if len(compact) == 11 and compact.isdigit() and not _bis_month(compact):
            raise InvalidIdentifier(MESSAGES["not_bis"])
        try:
            return CheckedIdentifier(system, be_bis.validate(compact))
        except StdnumError as exc:
            raise InvalidIdentifier(_stdnum_message(exc, "length_niss")) from exc
    if system == IdentifierSystem.FR_NIR:
        try:
            return CheckedIdentifier(system, fr_nir.validate(raw))
        except StdnumError as exc:
            raise InvalidIdentifier(_stdnum_message(exc, "length_nir")) from exc
    raise InvalidIdentifier(_("Unknown identifier type."))


def display(system: str, value: str) -> str:
    """The usual printed form (NISS 85.07.30-033.28, NIR 2 95 10 99 126 111 93)."""
    try:
        if system == IdentifierSystem.BE_NISS:
            return str(be_nn.format(value))
        if system == IdentifierSystem.BE_BIS:
            return str(be_bis.format(value))
        if system == IdentifierSystem.FR_NIR:
            return str(fr_nir.format(value))
    except StdnumError:
        return value
    return value
