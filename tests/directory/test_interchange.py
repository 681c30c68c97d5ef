"""Import and export: FHIR R4 Bundle, Open Referral HSDS 3.0 JSON, CSV; all or nothing,
idempotent, every rejected row explained."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from fhir.resources.R4B.bundle import Bundle

from parcours.directory.documents import professionals_reindex
from parcours.directory.interchange import DirectoryImportError, export, import_file, read_text
from parcours.directory.interchange.records import dataset_apply
from parcours.directory.models import (
    Organisation,
    OrganisationIdentifier,
    Professional,
    ProfessionalRole,
    Referent,
    Service,
)
from parcours.directory.selectors import ServiceQuery, search_services

pytestmark = pytest.mark.usefixtures("english")

FIXTURES = Path(__file__).parent / "fixtures"


def snapshot() -> str:
    """The whole directory as text: equal snapshots mean an equal directory."""
    return export("csv") + export("fhir")


def test_csv_import_creates_a_searchable_directory(directory) -> None:  # type: ignore[no-untyped-def]
    report = import_file(FIXTURES / "services.csv")
    assert (report.organisations, report.services) == (2, 3)
    service = Service.objects.get(code="soins-etterbeek-7j")
    assert service.name == {"fr": "Infirmières à domicile 7j/7", "nl": "Thuisverpleging 7/7"}
    assert {(h.day, h.opens, h.closes) for h in service.opening_hours.all()} >= {
        (5, 420, 1260),
        (7, 480, 720),
    }
    assert service.closures.get().starts_on.isoformat() == "2026-12-24"
    assert service.capacity_status == "accepting"
    assert service.capacity_updated_at.isoformat().startswith("2026-11-20T08:00")
    assert Service.objects.get(code="soins-etterbeek-nuit").waiting_list_length == 4
    assert OrganisationIdentifier.objects.get(kind="siret").value == "73282932000074"
    found = search_services(ServiceQuery(q="thuisverpleging", municipality=directory.saint_gilles))
    assert "soins-etterbeek-7j" in [h.service.code for h in found.hits]


def test_import_twice_gives_the_same_directory(directory) -> None:  # type: ignore[no-untyped-def]
    import_file(FIXTURES / "services.csv")
    first = snapshot()
    report = import_file(FIXTURES / "services.csv")
    assert report.changed == 0
    assert snapshot() == first


def test_rejected_rows_are_listed_with_line_and_field_and_nothing_is_written(directory) -> None:  # type: ignore[no-untyped-def]
    before = snapshot()
    with pytest.raises(DirectoryImportError) as caught:
        import_file(FIXTURES / "bad.csv")
    problems = {(p.where, p.field) for p in caught.value.problems}
    messages = [str(p) for p in caught.value.problems]
    assert ("line 4", "hours") in problems  # "every day"
    assert ("line 4", "municipalities_served") in problems  # BE21009
    assert {
        ("line 3", "type"),
        ("line 3", "identifiers.siret"),
        ("line 3", "municipalities_served"),
    } <= problems
    assert ("line 3", "hours") in problems  # closes before it opens
    assert ("line 3", "capacity") in problems
    assert ("line 4", "code") in problems and ("line 4", "country") in problems
    assert ("line 4", "category") in problems and ("line 4", "languages") in problems
    assert any("check digit" in m for m in messages)
    assert any("BE:99999" in m for m in messages)
    assert not Organisation.objects.filter(code="good-org").exists()
    assert snapshot() == before


def test_csv_without_required_columns_is_refused() -> None:
    with pytest.raises(DirectoryImportError) as caught:
        read_text("name,phone\nx,y\n")
    assert caught.value.problems[0].where == "line 1"


def _with_people(directory) -> None:  # type: ignore[no-untyped-def]
    els = Professional.objects.create(
        code="els-vermeulen", given_name="Els", family_name="Vermeulen", profession="nurse",
        languages=["nl", "fr"], riziv="40001234567",
    )  # fmt: skip
    ProfessionalRole.objects.create(
        professional=els, organisation=directory.hospital_ward, phone="+32 2 555 10 01"
    )
    Referent.objects.create(
        professional=els, organisation=directory.hospital_ward, kind="complex_pathway",
        starts_on="2025-01-01",
    )  # fmt: skip
    professionals_reindex([els.id])


def test_fhir_export_is_a_valid_bundle_and_round_trips(directory) -> None:  # type: ignore[no-untyped-def]
    _with_people(directory)
    import_file(FIXTURES / "services.csv")
    text = export("fhir")
    bundle = Bundle.model_validate_json(text)
    kinds = {entry.resource.get_resource_type() for entry in bundle.entry}
    assert {
        "Organization",
        "HealthcareService",
        "Location",
        "Endpoint",
        "Practitioner",
        "PractitionerRole",
    } <= kinds
    data = json.loads(text)
    zuid = next(
        e["resource"] for e in data["entry"] if e["resource"]["id"] == "thuiszorg-zuid-service"
    )
    assert zuid["_name"]["extension"][0]["extension"][0] == {"url": "lang", "valueCode": "nl"}
    before = snapshot()
    report = dataset_apply(read_text(text))
    assert report.changed == 0
    assert snapshot() == before


def test_fhir_import_creates_from_another_directory(directory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _with_people(directory)
    text = export("fhir")
    Referent.objects.all().delete()
    Professional.objects.all().delete()
    Service.objects.filter(code="bas-seuil-gare-service").delete()
    path = tmp_path / "bundle.json"
    path.write_text(text)
    import_file(path)
    els = Professional.objects.get(code="els-vermeulen")
    assert els.referent_for.get().kind == "complex_pathway"
    assert els.roles.get().phone == "+32 2 555 10 01"
    restored = Service.objects.get(code="bas-seuil-gare-service")
    assert restored.waiting_list_length == 12 and restored.target_groups == [
        "addiction",
        "precarity",
    ]


def test_fhir_entries_are_validated(directory) -> None:  # type: ignore[no-untyped-def]
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Organization", "id": "ok", "name": "OK"}},
            {"resource": {"resourceType": "HealthcareService", "id": "x", "active": "maybe"}},
            {"resource": {"resourceType": "Spaceship", "id": "y"}},
        ],
    }
    with pytest.raises(DirectoryImportError) as caught:
        read_text(json.dumps(bundle))
    where = {(p.where, p.field) for p in caught.value.problems}
    assert ("entry 2", "HealthcareService.active") in where
    assert ("entry 3", "resourceType") in where


def test_hsds_export_and_import_round_trip(directory) -> None:  # type: ignore[no-untyped-def]
    import_file(FIXTURES / "services.csv")
    data = json.loads(export("hsds"))
    service = next(s for s in data["services"] if s["x-parcours"]["code"] == "soins-etterbeek-7j")
    assert service["status"] == "active"
    assert {lang["code"] for lang in service["languages"]} == {"fr", "nl"}
    assert any(s.get("byday") == "SA" for s in service["schedules"])
    assert service["service_capacity"][0]["description"] == "accepting"
    before = snapshot()
    assert dataset_apply(read_text(json.dumps(data))).changed == 0
    assert snapshot() == before


def test_hsds_without_extensions_is_read_from_standard_fields(directory) -> None:  # type: ignore[no-untyped-def]
    data = {
        "organizations": [
            {"id": "org-1", "name": "Accueil de nuit", "description": "",
             "organization_identifiers": [{"identifier_type": "kbo", "identifier": "0403170701"}]}
        ],
        "services": [
            {
                "id": "svc-1", "organization_id": "org-1", "name": "Accueil de nuit",
                "alternate_name": "Nachtopvang", "status": "active",
                "languages": [{"code": "fr"}, {"code": "nl"}],
                "service_areas": [{"extent": "BE:21004"}],
                "schedules": [{"byday": "SA,SU", "opens_at": "20:00", "closes_at": "23:00"}],
            }
        ],
    }  # fmt: skip
    dataset_apply(read_text(json.dumps(data)))
    service = Service.objects.get(code="svc-1")
    assert service.name == {"fr": "Accueil de nuit", "nl": "Nachtopvang"}
    assert sorted(service.opening_hours.values_list("day", flat=True)) == [5, 6]


def test_commands_import_and_export(directory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("directory", "import", str(FIXTURES / "services.csv"), stdout=out)
    assert "3 services" in out.getvalue()
    for fmt in ("fhir", "hsds", "csv"):
        target = tmp_path / f"export.{fmt}"
        call_command("directory", "export", "--format", fmt, "--output", str(target))
        assert target.stat().st_size > 100
    errors = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("directory", "import", str(FIXTURES / "bad.csv"), stderr=errors)
    assert "bad.csv: line 3, type:" in errors.getvalue()
