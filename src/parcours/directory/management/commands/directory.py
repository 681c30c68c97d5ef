"""`parcours directory import FILE`, `parcours directory export --format fhir|hsds|csv`,
`parcours directory reindex`."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from parcours.directory.actions import directory_reindex
from parcours.directory.interchange import FORMATS, DirectoryImportError, export, import_file


class Command(BaseCommand):
    help = "Import or export the directory (FHIR R4 Bundle, Open Referral HSDS 3.0 JSON, CSV)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        importing = commands.add_parser("import", help="Import a file; all or nothing.")
        importing.add_argument("file", type=Path)
        exporting = commands.add_parser("export", help="Write the directory to standard output.")
        exporting.add_argument("--format", choices=FORMATS, required=True)
        exporting.add_argument("--output", type=Path, help="Write to this file instead.")
        exporting.add_argument(
            "--without-professionals",
            action="store_true",
            help="FHIR: organisations and services only.",
        )
        commands.add_parser(
            "reindex", help="Rebuild the search documents (after editing synonyms)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "import":
            path: Path = options["file"]
            if not path.exists():
                raise CommandError(f"{path}: no such file")
            try:
                report = import_file(path)
            except DirectoryImportError as exc:
                for problem in exc.problems:
                    self.stderr.write(f"{path.name}: {problem}")
                raise CommandError(
                    f"{len(exc.problems)} problem(s): nothing was imported"
                ) from None
            for warning in report.warnings:
                self.stderr.write(f"{path.name}: warning: {warning}")
            self.stdout.write(
                f"imported {report.organisations} organisations, {report.services} services, "
                f"{report.professionals} professionals ({report.changed} changes)"
            )
        elif action == "export":
            text = export(options["format"], professionals=not options["without_professionals"])
            if options["output"]:
                options["output"].write_text(text, encoding="utf-8")
            else:
                sys.stdout.write(text)
        else:
            services, professionals = directory_reindex()
            self.stdout.write(f"reindexed {services} services and {professionals} professionals")
