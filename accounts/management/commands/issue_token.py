"""Issue an API token: `python manage.py issue_token USERNAME --role ROLE [--write]`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.roles import API_CONSUMER, ROLES
from accounts.tokens import api_token_issue


class Command(BaseCommand):
    help = (
        "Create the user if needed, add it to a role and print a new API token once "
        "(only its SHA-256 is stored, so it cannot be shown again)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=ROLES, default=API_CONSUMER)
        parser.add_argument(
            "--write", action="store_true", help="Grant this token the right to write (for an api_consumer)."
        )
        parser.add_argument("--name", default="", help="What the token is for, shown beside its prefix.")

    def handle(self, *args, username: str, role: str, write: bool, name: str, **options) -> None:
        try:
            token, raw = api_token_issue(username=username, role=role, can_write=write, name=name[:100])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if options["verbosity"] >= 1:
            self.stderr.write(
                f"Token {token.prefix} issued to '{username}' (role {role}{', write grant' if write else ''}). "
                "Store it now: it is not kept and cannot be shown again."
            )
        # The token alone on stdout, so that scripts can capture it.
        self.stdout.write(raw)
