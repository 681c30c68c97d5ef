"""The directory pages, in French and in Dutch."""

from __future__ import annotations

from django.urls import reverse


def test_search_page_in_french_and_dutch(directory, claire, logged_in) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(claire)
    url = reverse("directory:search")
    params = {"q": "thuisverpleging", "municipality": "BE:21009", "language": "nl"}
    page = client.get(url, params, HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Soins infirmiers Bruxelles-Sud 7/7" in text
    assert "Infirmières Arc-en-ciel" in text
    claire.language = "nl"
    claire.save()
    text = client.get(url, params).content.decode()
    assert "Thuisverpleging Brussel-Zuid 7/7" in text
    assert "Verpleging Regenboog" in text


def test_professional_search_page(directory, claire, logged_in) -> None:  # type: ignore[no-untyped-def]
    page = logged_in(claire).get(reverse("directory:search"), {"kind": "professionals", "q": "x"})
    assert page.status_code == 200


def test_bad_search_input_is_explained(directory, claire, logged_in) -> None:  # type: ignore[no-untyped-def]
    page = logged_in(claire).get(reverse("directory:search"), {"sort": "distance", "q": "soins"})
    assert page.status_code == 200
    assert 'class="form-errors"' in page.content.decode()


def test_service_and_organisation_pages(directory, claire, logged_in) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(claire)
    page = client.get(reverse("directory:service", args=[directory.bas_seuil.id]))
    assert page.status_code == 200
    assert "Accueil bas seuil de la Gare" in page.content.decode()
    org = client.get(reverse("directory:organisation", args=["chu-bxl-ger"]))
    assert org.status_code == 200
    assert client.get(reverse("directory:service", args=[999999])).status_code == 404


def test_directory_needs_login(directory, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("directory:search"))
    assert response.status_code == 302
