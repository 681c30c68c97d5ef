"""Search through the selector: bilingual synonyms, accents, each facet, sort and pagination."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from parcours.directory.documents import professionals_reindex
from parcours.directory.models import Professional, ProfessionalRole, Referent
from parcours.directory.selectors import (
    ProfessionalQuery,
    SearchError,
    ServiceQuery,
    municipality_lookup,
    search_professionals,
    search_services,
)

BRUSSELS = ZoneInfo("Europe/Brussels")


def codes(query: ServiceQuery) -> list[str]:
    return [hit.service.organisation.code for hit in search_services(query).hits]


def test_french_and_dutch_words_find_the_same_services(directory) -> None:  # type: ignore[no-untyped-def]
    french = set(codes(ServiceQuery(q="infirmière à domicile")))
    dutch = set(codes(ServiceQuery(q="thuisverpleging")))
    english = set(codes(ServiceQuery(q="home nursing")))
    assert french == dutch == english
    assert {"thuiszorg-zuid", "soins-ixelles", "infi-arc-en-ciel", "ssiad-ronchin"} <= french
    assert "bas-seuil-gare" not in french


def test_search_ignores_accents_and_case(directory) -> None:  # type: ignore[no-untyped-def]
    assert codes(ServiceQuery(q="INFIRMIERE A DOMICILE")) == codes(
        ServiceQuery(q="infirmière à domicile")
    )
    assert codes(ServiceQuery(q="GÉRIATRIE")) == codes(ServiceQuery(q="geriatrie"))
    assert "bas-seuil-gare" in codes(ServiceQuery(q="réduction des risques"))
    assert "bas-seuil-gare" in codes(ServiceQuery(q="REDUCTION RISQUES"))


def test_prefix_and_inner_words_match(directory) -> None:  # type: ignore[no-untyped-def]
    assert codes(ServiceQuery(q="regenb")) == ["infi-arc-en-ciel"]
    # "verpleging" only occurs inside "thuisverpleging" for the Zuid service: the trigram
    # fallback finds it when no whole word matches.
    result = search_services(ServiceQuery(q="zuidverpl"))
    assert result.total == 0
    result = search_services(ServiceQuery(q="sverpleging brussel"))
    assert result.infix is True
    assert [h.service.organisation.code for h in result.hits] == ["thuiszorg-zuid"]


def test_each_result_says_why_it_matches(directory) -> None:  # type: ignore[no-untyped-def]
    with translation.override("en"):
        result = search_services(
            ServiceQuery(q="thuisverpleging", language="nl", municipality=directory.ixelles)
        )
    hit = next(h for h in result.hits if h.service == directory.zuid)
    labels = [str(reason.label) for reason in hit.reasons]
    assert labels[0].startswith("“thuisverpleging” in ")
    assert "category" in labels[0]
    assert any("NL" in label for label in labels)
    assert any("Ixelles" in label for label in labels)


def test_facet_category(directory) -> None:  # type: ignore[no-untyped-def]
    assert codes(ServiceQuery(category="addiction_service")) == ["bas-seuil-gare"]
    assert codes(ServiceQuery(category="ssiad")) == ["ssiad-ronchin"]


def test_facet_target_group(directory) -> None:  # type: ignore[no-untyped-def]
    assert codes(ServiceQuery(target_group="lgbtqia")) == ["infi-arc-en-ciel"]
    assert set(codes(ServiceQuery(target_group="precarity"))) == {
        "infi-arc-en-ciel",
        "bas-seuil-gare",
    }


def test_facet_language(directory) -> None:  # type: ignore[no-untyped-def]
    dutch = set(codes(ServiceQuery(q="infirmière à domicile", language="nl")))
    assert dutch == {"thuiszorg-zuid", "infi-arc-en-ciel"}
    assert codes(ServiceQuery(language="ar")) == ["bas-seuil-gare"]


def test_facet_municipality_served(directory) -> None:  # type: ignore[no-untyped-def]
    ixelles = set(codes(ServiceQuery(municipality=directory.ixelles)))
    assert ixelles == {"thuiszorg-zuid", "soins-ixelles", "infi-arc-en-ciel"}
    assert codes(ServiceQuery(municipality=directory.lille)) == ["ssiad-ronchin"]


def test_facet_accepting(directory) -> None:  # type: ignore[no-untyped-def]
    accepting = set(codes(ServiceQuery(q="thuisverpleging", accepting=True)))
    assert accepting == {"thuiszorg-zuid", "soins-ixelles", "ssiad-ronchin"}


def test_facet_open_at_a_saturday_morning_and_afternoon(directory) -> None:  # type: ignore[no-untyped-def]
    saturday_morning = datetime(2026, 11, 28, 10, 0, tzinfo=BRUSSELS)
    saturday_afternoon = datetime(2026, 11, 28, 15, 0, tzinfo=BRUSSELS)
    query = ServiceQuery(q="thuisverpleging", municipality=directory.ixelles)
    query.open_at = saturday_morning
    assert set(codes(query)) == {"thuiszorg-zuid", "soins-ixelles"}
    query.open_at = saturday_afternoon
    assert codes(query) == ["thuiszorg-zuid"]


def test_facet_open_at_a_public_holiday(directory) -> None:  # type: ignore[no-untyped-def]
    # 21 July is Belgium's national day (not a French holiday); 14 July the other way round.
    belgian_day = datetime(2026, 7, 21, 10, 0, tzinfo=BRUSSELS)  # a Tuesday
    french_day = datetime(2026, 7, 14, 10, 0, tzinfo=BRUSSELS)  # a Tuesday
    on_belgian_day = set(codes(ServiceQuery(q="infirmière à domicile", open_at=belgian_day)))
    assert on_belgian_day == {"thuiszorg-zuid", "ssiad-ronchin"}  # both have holiday hours
    on_french_day = set(codes(ServiceQuery(q="infirmière à domicile", open_at=french_day)))
    assert on_french_day == {"thuiszorg-zuid", "soins-ixelles", "infi-arc-en-ciel", "ssiad-ronchin"}
    directory.ssiad.opening_hours.filter(day=7).delete()
    on_french_day = set(codes(ServiceQuery(q="infirmière à domicile", open_at=french_day)))
    assert "ssiad-ronchin" not in on_french_day


def test_the_friday_discharge_search(directory) -> None:  # type: ignore[no-untyped-def]
    """Claire's Friday question: Dutch, Ixelles, reachable on Saturday, with capacity."""
    saturday = datetime(2026, 11, 28, 16, 0, tzinfo=BRUSSELS)
    query = ServiceQuery(
        q="thuisverpleging",
        municipality=directory.ixelles,
        language="nl",
        open_at=saturday,
        accepting=True,
    )
    assert codes(query) == ["thuiszorg-zuid"]


def test_sort_by_distance_and_pagination(directory) -> None:  # type: ignore[no-untyped-def]
    query = ServiceQuery(
        q="infirmière à domicile", sort="distance", near=directory.ixelles, page_size=2
    )
    first = search_services(query)
    assert first.total == 4
    assert first.pages == 2 and first.has_next
    assert [h.service.organisation.code for h in first.hits] == ["soins-ixelles", "thuiszorg-zuid"]
    assert first.hits[0].distance_km is not None and first.hits[0].distance_km < 1
    query.page = 2
    second = search_services(query)
    assert [h.service.organisation.code for h in second.hits] == [
        "infi-arc-en-ciel",
        "ssiad-ronchin",
    ]
    assert second.hits[-1].distance_km is not None and second.hits[-1].distance_km > 50


def test_relevance_puts_name_matches_first_and_counts_facets(directory) -> None:  # type: ignore[no-untyped-def]
    result = search_services(ServiceQuery(q="regenboog verpleging"))
    assert result.hits[0].service == directory.arc_en_ciel
    result = search_services(ServiceQuery(q="infirmière à domicile"))
    assert dict((k, n) for k, _label, n in result.facets["category"]) == {
        "home_nursing": 3,
        "ssiad": 1,
    }


def test_invalid_parameters_are_explained(directory) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SearchError):
        search_services(ServiceQuery(category="bakery"))
    with pytest.raises(SearchError):
        search_services(ServiceQuery(sort="distance"))
    with pytest.raises(SearchError):
        municipality_lookup("BE:99999")


def test_the_gp_finds_the_complex_pathway_referent_of_a_geriatric_ward(directory) -> None:  # type: ignore[no-untyped-def]
    els = Professional.objects.create(
        given_name="Els", family_name="Vermeulen", profession="nurse", languages=["nl", "fr"]
    )
    other = Professional.objects.create(
        given_name="Emma", family_name="Geriatrie", profession="gp", languages=["fr"]
    )
    ProfessionalRole.objects.create(professional=els, organisation=directory.hospital_ward)
    Referent.objects.create(
        professional=els,
        organisation=directory.hospital_ward,
        kind="complex_pathway",
        starts_on=datetime(2025, 1, 1).date(),
    )
    professionals_reindex([els.id, other.id])
    for words in ("référent parcours complexe gériatrie", "referent complexe zorg geriatrie"):
        result = search_professionals(ProfessionalQuery(q=words))
        assert [hit.professional for hit in result.hits] == [els], words
        assert result.hits[0].referent_for[0].kind == "complex_pathway"
    result = search_professionals(ProfessionalQuery(q="geriatrie"))
    assert result.hits[0].professional == other  # a name match ranks first
    ended = Referent.objects.get(professional=els)
    ended.ends_on = datetime(2025, 6, 30).date()
    ended.save()
    professionals_reindex([els.id])
    assert search_professionals(ProfessionalQuery(q="référent gériatrie")).hits == []
