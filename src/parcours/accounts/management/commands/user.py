from __future__ import annotations

import getpass
import os
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from parcours.accounts.actions import user_create
from parcours.accounts.models import Role
from parcours.directory.models import Organisation


class Command(BaseCommand):
    help = (
        "Manage users: `parcours user create --username U --email E --organisation CODE --role R`."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a user with one membership.")
        create.add_argument("--username", required=True)
        create.add_argument("--email", required=True)
        create.add_argument("--organisation", required=True, help="Organisation code")
        create.add_argument("--role", required=True, choices=Role.values)
        create.add_argument("--first-name", default="")
        create.add_argument("--last-name", default="")
        create.add_argument("--language", default="", choices=["", "fr", "nl", "en"])

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(code=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"unknown organisation code: {options['organisation']}")
        password = os.environ.get("PARCOURS_NEW_PASSWORD")
        if not password:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("the two passwords differ")
        try:
            user = user_create(
                username=options["username"],
                email=options["email"],
                password=password,
                organisation=organisation,
                role=options["role"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                language=options["language"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(
            f"created user {user.username} ({options['role']} at {organisation.code})"
        )
