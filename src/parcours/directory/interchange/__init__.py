"""Directory import and export: FHIR R4 Bundle, Open Referral HSDS 3.0 JSON, CSV."""

from __future__ import annotations

import json
from pathlib import Path

from django.utils.translation import gettext as _

from parcours.directory.interchange.csvfile import read_csv, write_csv
from parcours.directory.interchange.export import dataset_from_database
from parcours.directory.interchange.fhir import read_fhir, write_fhir
from parcours.directory.interchange.hsds import read_hsds, write_hsds
from parcours.directory.interchange.records import (
    Dataset,
    DirectoryImportError,
    ImportReport,
    Problem,
    dataset_apply,
    dataset_validate,
)

FORMATS = ("fhir", "hsds", "csv")


def read_text(text: str, name: str = "") -> Dataset:
    """Parse a file of any supported format; raise DirectoryImportError listing every problem."""
    stripped = text.lstrip("\ufeff \n\r\t")
    if stripped.startswith("{") or stripped.startswith("["):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise DirectoryImportError(
                [Problem(_("line %(number)s") % {"number": exc.lineno}, "JSON", exc.msg)]
            ) from None
        if isinstance(data, dict) and data.get("resourceType") == "Bundle":
            dataset, problems = read_fhir(data)
        else:
            dataset, problems = read_hsds(data)
    else:
        dataset, problems = read_csv(text)
    if problems:
        # Report the rest of the file too, not only what could not be read.
        errors, _warnings = dataset_validate(dataset)
        raise DirectoryImportError(_in_file_order([*problems, *errors]))
    return dataset


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    def key(problem: Problem) -> tuple[int, str]:
        digits = "".join(ch for ch in problem.where if ch.isdigit())
        return (int(digits) if digits else 0, problem.where)

    return sorted(dict.fromkeys(problems), key=key)


def import_file(path: Path) -> ImportReport:
    """Read, validate every row, then write all or nothing."""
    dataset = read_text(path.read_text(encoding="utf-8"), path.name)
    return dataset_apply(dataset)


def export(fmt: str, *, professionals: bool = True) -> str:
    dataset = dataset_from_database(professionals=professionals and fmt == "fhir")
    if fmt == "csv":
        return write_csv(dataset)
    if fmt == "hsds":
        return json.dumps(write_hsds(dataset), ensure_ascii=False, indent=1, default=str)
    if fmt == "fhir":
        return json.dumps(write_fhir(dataset), ensure_ascii=False, indent=1)
    raise ValueError(fmt)


__all__ = ["FORMATS", "DirectoryImportError", "ImportReport", "export", "import_file", "read_text"]
