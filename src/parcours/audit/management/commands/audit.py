from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from parcours.audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "The audit log: `parcours audit verify` checks the hash chain and names the first break."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="Check every row of the hash chain.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_verify()
        if report.problem is None:
            self.stdout.write(f"audit chain ok: {report.rows} rows")
            return
        problem = report.problem
        where = f"row id {problem.row_id}" if problem.row_id is not None else "end of chain"
        raise CommandError(
            f"audit chain broken at {where} (seq {problem.seq}): {problem.kind} — {problem.message}"
        )
