"""Mapping helpers shared by the resource modules: names, addresses, telecom, code systems."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from parcours.directory.interchange.fhir import BASE, CS_ORGANISATION_TYPE, CS_PROFESSION
from parcours.directory.models import ChannelKind, ContactChannel
from parcours.i18n import localized
from parcours.patients.export import LOCAL_ROLES
from parcours.territory.models import Municipality

if TYPE_CHECKING:
    from parcours.accounts.models import User

Json = dict[str, Any]

# Our own code systems, naming systems and extensions, under the base the directory
# interchange and the patient export already use.
NS = BASE
ORGANISATION_CODE = f"{BASE}/NamingSystem/organisation-code"
ORGANISATION_TYPE = CS_ORGANISATION_TYPE
PROFESSIONAL_CODE = f"{BASE}/NamingSystem/professional-code"
PROFESSION = CS_PROFESSION
SERVICE_CODE = f"{BASE}/NamingSystem/service-code"
LOCATION_CODE = f"{BASE}/NamingSystem/location-code"
CIRCLE_ROLE = LOCAL_ROLES
BCP47 = "urn:ietf:bcp:47"


def text_of(value: Mapping[str, str] | None) -> str:
    return localized(value)


def aliases(value: Mapping[str, str] | None, main: str) -> list[str]:
    return sorted({text for text in (value or {}).values() if text and text != main})


def address(
    line: str, postcode: str, municipality: Municipality | None, country: str = ""
) -> list[Json]:
    item: Json = {}
    if line:
        item["line"] = [line]
    if postcode:
        item["postalCode"] = postcode
    if municipality is not None:
        item["city"] = municipality.display_name
        country = country or municipality.country
    if country and item:
        item["country"] = country
    return [item] if item else []


TELECOM = {
    ChannelKind.PHONE: "phone",
    ChannelKind.EMAIL: "email",
    ChannelKind.WEBSITE: "url",
    ChannelKind.MSSANTE: "email",
}


def telecom(channels: Iterable[ContactChannel]) -> list[Json]:
    """Phone, e-mail and web channels; eHealthBox and Parcours messaging are endpoints, not
    telecom, and are left out."""
    found = []
    for channel in channels:
        system = (
            TELECOM.get(ChannelKind(channel.kind)) if channel.kind in ChannelKind.values else None
        )
        if system and channel.value:
            found.append({"system": system, "value": channel.value})
    return found


def coding(system: str, code: str, display: str = "") -> Json:
    item = {"system": system, "code": code}
    if display:
        item["display"] = display
    return item


def reference(resource_type: str, pk: int | None, display: str = "") -> Json | None:
    if pk is None:
        return None
    item: Json = {"reference": f"{resource_type}/{pk}"}
    if display:
        item["display"] = display
    return item


def compact(resource: Json) -> Json:
    """Drop empty elements: FHIR forbids empty strings, lists and objects."""
    return {k: v for k, v in resource.items() if v not in (None, "", [], {})}


def person(user: User | None) -> Json | None:
    """A user as sender, requester or owner: a reference to their Practitioner when they
    have a directory record, else just their name."""
    if user is None:
        return None
    name = user.get_full_name() or user.get_username()
    professional = getattr(user, "professional", None)
    if professional is not None:
        return reference("Practitioner", professional.pk, name)
    return {"display": name}
