"""Edits through the admin rebuild the search documents they touch."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.admin.sites import site
from django.test import RequestFactory

from parcours.directory.admin import ServiceAdmin
from parcours.directory.models import Service
from parcours.directory.selectors import ServiceQuery, search_services


def test_a_service_renamed_in_the_admin_is_found_by_its_new_name(directory) -> None:  # type: ignore[no-untyped-def]
    service = directory.bas_seuil
    service.name = {"fr": "Comptoir d'échange de seringues", "nl": "Spuitenruil"}
    service.save()
    assert search_services(ServiceQuery(q="spuitenruil")).total == 0
    form = SimpleNamespace(instance=service, save_m2m=lambda: None)
    ServiceAdmin(Service, site).save_related(RequestFactory().post("/"), form, [], True)
    assert [h.service for h in search_services(ServiceQuery(q="spuitenruil")).hits] == [service]
