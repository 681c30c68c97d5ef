from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from parcours.accounts.actions import api_token_create, api_token_revoke
from parcours.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Manage API tokens: `parcours token create --user U [--name N]` prints the new token."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token; prints it once, and nothing else.")
        create.add_argument("--user", required=True)
        create.add_argument("--name", default="")
        revoke = sub.add_parser("revoke", help="Revoke every token of a user with that name.")
        revoke.add_argument("--user", required=True)
        revoke.add_argument("--name", required=True)
        listing = sub.add_parser("list", help="List a user's tokens (never their values).")
        listing.add_argument("--user", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"unknown user: {options['user']}")
        if options["action"] == "create":
            issued = api_token_create(user=user, name=options["name"])
            self.stdout.write(issued.raw)
        elif options["action"] == "revoke":
            tokens = ApiToken.objects.filter(user=user, name=options["name"], revoked_at=None)
            if not tokens:
                raise CommandError(f"no active token named {options['name']!r}")
            for token in tokens:
                api_token_revoke(token=token)
            self.stdout.write(f"revoked {len(tokens)} token(s)")
        else:
            for token in ApiToken.objects.filter(user=user).order_by("created_at"):
                state = "revoked" if token.is_revoked else "active"
                used = token.last_used_at.isoformat() if token.last_used_at else "never"
                self.stdout.write(
                    f"{token.name}\t{state}\tcreated {token.created_at:%Y-%m-%d}\tused {used}"
                )
