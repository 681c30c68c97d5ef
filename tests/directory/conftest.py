"""A small bilingual directory around Ixelles and Lille, built through the app's own code."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.utils import translation

from parcours.directory.models import Organisation, Service
from parcours.territory.models import Municipality
from tests.directory.factories import add_service, municipality


@dataclass
class Directory:
    ixelles: Municipality
    saint_gilles: Municipality
    bruxelles: Municipality
    lille: Municipality
    ronchin: Municipality
    zuid: Service  # Dutch-speaking, 7/7, accepting, serves Ixelles
    ixelles_nursing: Service  # French only, weekdays + Saturday morning, limited
    arc_en_ciel: Service  # FR/NL, weekdays, full, LGBTQIA+
    bas_seuil: Service  # addiction, waiting list
    ssiad: Service  # France, 7/7
    hospital_ward: Organisation


@pytest.fixture
def directory(db: None) -> Directory:
    ixelles = municipality("BE", "21009", "Ixelles", "Elsene", 50.8333, 4.3667)
    saint_gilles = municipality("BE", "21013", "Saint-Gilles", "Sint-Gillis", 50.8262, 4.3453)
    bruxelles = municipality("BE", "21004", "Bruxelles", "Brussel", 50.8467, 4.3525)
    lille = municipality("FR", "59350", "Lille", None, 50.6311, 3.0468)
    ronchin = municipality("FR", "59507", "Ronchin", None, 50.6044, 3.0903)
    every_day = [(d, 7 * 60, 21 * 60) for d in range(8)]
    weekdays = [(d, 8 * 60, 18 * 60) for d in range(5)]
    zuid = add_service(
        "thuiszorg-zuid",
        {"fr": "Soins infirmiers Bruxelles-Sud 7/7", "nl": "Thuisverpleging Brussel-Zuid 7/7"},
        "home_nursing",
        areas=[ixelles, saint_gilles],
        languages=["fr", "nl"],
        target_groups=["geriatrics"],
        hours=every_day,
        capacity="accepting",
        place=saint_gilles,
    )
    ixelles_nursing = add_service(
        "soins-ixelles",
        {"fr": "Soins à domicile Ixelles"},
        "home_nursing",
        areas=[ixelles],
        languages=["fr"],
        target_groups=["geriatrics", "adults"],
        hours=[*weekdays, (5, 8 * 60, 12 * 60)],
        capacity="limited",
        place=ixelles,
    )
    arc_en_ciel = add_service(
        "infi-arc-en-ciel",
        {"fr": "Infirmières Arc-en-ciel", "nl": "Verpleging Regenboog"},
        "home_nursing",
        areas=[bruxelles, ixelles],
        languages=["fr", "nl"],
        target_groups=["lgbtqia", "precarity"],
        hours=weekdays,
        capacity="full",
        place=bruxelles,
    )
    bas_seuil = add_service(
        "bas-seuil-gare",
        {"fr": "Accueil bas seuil de la Gare", "nl": "Laagdrempelig onthaal Station"},
        "addiction_service",
        areas=[bruxelles],
        languages=["fr", "nl", "ar"],
        target_groups=["addiction", "precarity"],
        hours=[(d, 10 * 60, 18 * 60) for d in range(7)],
        capacity="waiting_list",
        waiting=12,
        place=bruxelles,
        description={"fr": "Réduction des risques, sans rendez-vous.", "nl": "Zonder afspraak."},
    )
    ssiad = add_service(
        "ssiad-ronchin",
        {"fr": "SSIAD de Ronchin"},
        "ssiad",
        areas=[ronchin, lille],
        languages=["fr"],
        target_groups=["geriatrics"],
        hours=every_day,
        capacity="accepting",
        country="FR",
        place=ronchin,
    )
    hospital = Organisation.objects.create(
        code="chu-bxl", name={"fr": "CHU Bruxelles-Sud", "nl": "UZ Brussel-Zuid"}, type="hospital"
    )
    ward = Organisation.objects.create(
        code="chu-bxl-ger",
        name={"fr": "Gériatrie", "nl": "Geriatrie"},
        type="ward",
        parent=hospital,
    )
    return Directory(
        ixelles, saint_gilles, bruxelles, lille, ronchin, zuid, ixelles_nursing, arc_en_ciel,
        bas_seuil, ssiad, ward,
    )  # fmt: skip


@pytest.fixture
def english() -> Iterator[None]:
    """Messages in English, for tests that read them (the default language is French)."""
    with translation.override("en"):
        yield
