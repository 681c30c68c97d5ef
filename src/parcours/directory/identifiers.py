"""National identifiers of organisations and professionals, checked where a check digit exists.

A number whose structure is wrong is rejected. Where the check-digit rule is official (SIRET,
SIREN, KBO/BCE) a failing check is rejected too; where it is only observed (FINESS and RPPS use
Luhn in practice, RIZIV/INAMI has two variants) a failing check is kept with a warning
(reference: standards §3.6–3.7).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from stdnum import luhn
from stdnum.be import vat as be_vat
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret


class IdentifierKind(models.TextChoices):
    FINESS = "finess", "FINESS"
    SIRET = "siret", "SIRET"
    SIREN = "siren", "SIREN"
    KBO = "kbo", "KBO/BCE"
    RIZIV = "riziv", "RIZIV/INAMI"
    RPPS = "rpps", "RPPS"


# FHIR identifier systems (standards §3.6–3.7).
SYSTEMS: dict[str, str] = {
    IdentifierKind.FINESS: "https://finess.esante.gouv.fr",
    IdentifierKind.SIRET: "https://sirene.fr",
    IdentifierKind.SIREN: "https://sirene.fr",
    IdentifierKind.KBO: "https://kbopub.economie.fgov.be",
    IdentifierKind.RIZIV: "https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/nihdi",
    IdentifierKind.RPPS: "https://rpps.esante.gouv.fr",
}


@dataclass(frozen=True)
class IdentifierCheck:
    value: str  # normalised (digits, FINESS may hold 2A/2B)
    error: str | Promise | None = None  # rejects the identifier
    warning: str | Promise | None = None  # kept, but flagged

    @property
    def valid(self) -> bool:
        return self.error is None


def _digits(value: str) -> str:
    return re.sub(r"[\s.\-/]", "", value or "")


def check_identifier(kind: str, raw: str) -> IdentifierCheck:
    value = _digits(raw).upper()
    if kind == IdentifierKind.SIRET:
        if not re.fullmatch(r"\d{14}", value):
            return IdentifierCheck(value, error=_("A SIRET number has 14 digits."))
        if not fr_siret.is_valid(value):
            return IdentifierCheck(value, error=_("This SIRET number fails its check digit."))
        return IdentifierCheck(value)
    if kind == IdentifierKind.SIREN:
        if not re.fullmatch(r"\d{9}", value):
            return IdentifierCheck(value, error=_("A SIREN number has 9 digits."))
        if not fr_siren.is_valid(value):
            return IdentifierCheck(value, error=_("This SIREN number fails its check digit."))
        return IdentifierCheck(value)
    if kind == IdentifierKind.KBO:
        if re.fullmatch(r"\d{9}", value):
            value = "0" + value
        if not re.fullmatch(r"[01]\d{9}", value):
            return IdentifierCheck(
                value, error=_("A KBO/BCE number has 10 digits and starts with 0 or 1.")
            )
        if not be_vat.is_valid(value):
            return IdentifierCheck(value, error=_("This KBO/BCE number fails its check digits."))
        return IdentifierCheck(value)
    if kind == IdentifierKind.FINESS:
        if not re.fullmatch(r"(\d{2}|2A|2B)\d{7}", value):
            return IdentifierCheck(value, error=_("A FINESS number has 9 characters."))
        digits = value.replace("2A", "20").replace("2B", "20")
        if not luhn.is_valid(digits):
            return IdentifierCheck(
                value, warning=_("This FINESS number fails the usual Luhn check.")
            )
        return IdentifierCheck(value)
    if kind == IdentifierKind.RPPS:
        if not re.fullmatch(r"\d{11}", value):
            return IdentifierCheck(value, error=_("An RPPS number has 11 digits."))
        if not luhn.is_valid(value):
            return IdentifierCheck(value, warning=_("This RPPS number fails the usual Luhn check."))
        return IdentifierCheck(value)
    if kind == IdentifierKind.RIZIV:
        if not re.fullmatch(r"\d{11}", value):
            return IdentifierCheck(value, error=_("A RIZIV/INAMI number has 11 digits."))
        if not riziv_check_digits_ok(value):
            return IdentifierCheck(
                value, warning=_("The check digits of this RIZIV/INAMI number do not match.")
            )
        return IdentifierCheck(value)
    return IdentifierCheck(value, error=_("Unknown identifier type."))


def riziv_check_digits_ok(value: str) -> bool:
    """Digits 7-8 against the first six: 97 - n mod 97 (older numbers) or 89 - n mod 89."""
    base, check = int(value[:6]), int(value[6:8])
    return check in {97 - base % 97, 89 - base % 89, base % 97, base % 89}


def luhn_complete(prefix: str) -> str:
    """`prefix` followed by its Luhn check digit (demo and test data)."""
    return prefix + luhn.calc_check_digit(prefix)


def kbo_complete(prefix: str) -> str:
    """A KBO/BCE number from its first 8 digits."""
    return f"{prefix}{97 - int(prefix) % 97:02d}"


def riziv_complete(profession: str, sequence: int, qualification: str = "000") -> str:
    first_six = f"{profession}{sequence:05d}"
    return f"{first_six}{97 - int(first_six) % 97:02d}{qualification}"
