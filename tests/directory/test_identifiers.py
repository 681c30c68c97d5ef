"""National identifiers: structure always, check digits where they exist."""

from __future__ import annotations

import pytest

from parcours.directory.identifiers import (
    check_identifier,
    kbo_complete,
    luhn_complete,
    riziv_complete,
)

pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("siret", "73282932000074"),
        ("siret", "732 829 320 00074"),
        ("siren", "404833048"),
        ("kbo", "0403.170.701"),
        ("kbo", "403170701"),  # legacy 9 digits get a leading 0
        ("finess", "750712184"),
        ("rpps", "10005173140"),
    ],
)
def test_valid_identifiers(kind: str, value: str) -> None:
    check = check_identifier(kind, value)
    assert check.valid and check.warning is None, (kind, value)


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("siret", "73282932000079", "check digit"),
        ("siret", "7328293200007", "14 digits"),
        ("siren", "404833047", "check digit"),
        ("kbo", "0403170702", "check digits"),
        ("kbo", "2403170701", "starts with 0 or 1"),
        ("finess", "75071218", "9 characters"),
        ("rpps", "1000517314", "11 digits"),
        ("riziv", "1234", "11 digits"),
    ],
)
def test_invalid_identifiers_are_rejected_with_a_reason(
    kind: str, value: str, message: str
) -> None:
    check = check_identifier(kind, value)
    assert not check.valid
    assert message in str(check.error)


def test_unofficial_check_digits_only_warn() -> None:
    # The ANS examples are fictitious and fail Luhn: kept, with a warning (standards §3.6).
    finess = check_identifier("finess", "754567860")
    assert finess.valid and "Luhn" in str(finess.warning)
    rpps = check_identifier("rpps", "10003461033")
    assert rpps.valid and rpps.warning
    riziv = check_identifier("riziv", "10000000000")
    assert riziv.valid and riziv.warning
    assert check_identifier("finess", "2A0000014").value == "2A0000014"


def test_generated_numbers_pass_their_checks() -> None:
    assert check_identifier("finess", luhn_complete("59078001")).warning is None
    assert check_identifier("kbo", kbo_complete("02589001")).valid
    assert check_identifier("riziv", riziv_complete("4", 1234)).warning is None
