"""Identifier checks against the reference vectors (standards.md §3.6–3.7)."""

from __future__ import annotations

import pytest
from django.utils import translation

from parcours.patients.identifiers import InvalidIdentifier, check_identifier, display


@pytest.fixture(autouse=True)
def in_english():  # type: ignore[no-untyped-def]
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    "value",
    ["48021408235", "03051712376", "75110304760", "85073003328", "85.07.30-033.28"],
)
def test_valid_national_numbers(value: str) -> None:
    assert check_identifier(system="be-niss", value=value).value == value.replace(".", "").replace(
        "-", ""
    )


def test_births_from_2000_use_the_2_prefix() -> None:
    # 03051712376: 2003-05-17; the check only matches with 2 prefixed to the first 9 digits.
    assert check_identifier(system="be-niss", value="03051712376").value == "03051712376"


@pytest.mark.parametrize("value", ["06092473240", "79080412345", "48021408234"])
def test_invalid_national_numbers_from_public_examples(value: str) -> None:
    with pytest.raises(InvalidIdentifier) as error:
        check_identifier(system="be-niss", value=value)
    assert "check digits" in str(error.value)


def test_bis_number() -> None:
    assert check_identifier(system="be-bis", value="98472899765").value == "98472899765"
    with pytest.raises(InvalidIdentifier, match="BIS"):
        check_identifier(system="be-niss", value="98472899765")
    with pytest.raises(InvalidIdentifier, match="national number"):
        check_identifier(system="be-bis", value="85073003328")


def test_wrong_length_and_characters() -> None:
    with pytest.raises(InvalidIdentifier, match="11 digits"):
        check_identifier(system="be-niss", value="4802140823")
    with pytest.raises(InvalidIdentifier, match="15 characters"):
        check_identifier(system="fr-nir", value="29510991261119")


@pytest.mark.parametrize("value", ["295109912611193", "253072A07300443", "253072B07300470"])
def test_valid_nir_including_corsica(value: str) -> None:
    assert check_identifier(system="fr-nir", value=value).value == value


@pytest.mark.parametrize("value", ["295109912611194", "253072A07300470", "253072B07300443"])
def test_invalid_nir_keys(value: str) -> None:
    with pytest.raises(InvalidIdentifier):
        check_identifier(system="fr-nir", value=value)


def test_local_identifier_needs_its_authority() -> None:
    with pytest.raises(InvalidIdentifier, match="hospital that assigned"):
        check_identifier(system="local", value="IPP-1234")
    assert (
        check_identifier(system="local", value=" IPP-1234 ", has_authority=True).value == "IPP-1234"
    )
    with pytest.raises(InvalidIdentifier):
        check_identifier(system="local", value=" ", has_authority=True)


def test_messages_are_translated() -> None:
    for language, expected in [("nl", "controlecijfers"), ("fr", "chiffres de contrôle")]:
        with translation.override(language):
            with pytest.raises(InvalidIdentifier) as error:
                check_identifier(system="be-niss", value="06092473240")
            assert expected in str(error.value.message)


def test_display_forms() -> None:
    assert display("be-niss", "85073003328") == "85.07.30-033.28"
    assert display("fr-nir", "295109912611193") == "2 95 10 99 126 111 93"
