"""`parcours demo --professionals N --services N`: exactly N, deterministic, idempotent."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from parcours.directory.models import Professional, ProfessionalDocument, Service, ServiceDocument
from parcours.directory.selectors import ServiceQuery, municipality_lookup, search_services


def generated() -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    people = list(
        Professional.objects.filter(code__startswith="gen-p-")
        .order_by("code")
        .values_list("code", "family_name", "profession")
    )
    services = list(
        Service.objects.filter(code__startswith="gen-s-")
        .order_by("code")
        .values_list("code", "category")
    )
    return people, services


def test_demo_generates_the_requested_numbers_deterministically(db) -> None:  # type: ignore[no-untyped-def]
    call_command("demo", "--professionals", "40", "--services", "12", stdout=StringIO())
    people, services = generated()
    assert len(people) == 40 and len(services) == 12
    assert (
        ProfessionalDocument.objects.filter(professional__code__startswith="gen-p-").count() == 40
    )
    assert ServiceDocument.objects.filter(service__code__startswith="gen-s-").count() == 12
    out = StringIO()
    call_command("demo", "--professionals", "40", "--services", "12", stdout=out)
    assert "(already there)" in out.getvalue()
    assert generated() == (people, services)
    call_command("demo", "--professionals", "0", "--services", "0", stdout=StringIO())
    assert generated() == ([], [])
    call_command("demo", "--professionals", "40", "--services", "12", stdout=StringIO())
    assert generated() == (people, services)


def test_demo_directory_answers_the_stories(db) -> None:  # type: ignore[no-untyped-def]
    call_command("demo", "--professionals", "0", "--services", "0", stdout=StringIO())
    ixelles = municipality_lookup("BE:21009")
    found = search_services(ServiceQuery(q="thuisverpleging", municipality=ixelles, language="nl"))
    assert "thuiszorg-zuid-verpleging" in [h.service.code for h in found.hits]
    addiction = search_services(ServiceQuery(q="bas seuil", accepting=False))
    assert addiction.hits[0].service.code == "bas-seuil-gare-accueil"
    assert addiction.hits[0].service.waiting_list_length == 12
