"""Revoke API tokens: `python manage.py revoke_token PREFIX_OR_TOKEN` or `--user USERNAME`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.tokens import api_token_revoke


class Command(BaseCommand):
    help = "Revoke a token (by the prefix issue_token printed, or the whole token) or all tokens of a user."

    def add_arguments(self, parser) -> None:
        parser.add_argument("token", nargs="?", default="", help="The token's 12-character prefix or the token.")
        parser.add_argument("--user", default="", help="Revoke every active token of this user.")

    def handle(self, *args, token: str, user: str, **options) -> None:
        try:
            count = api_token_revoke(token=token, username=user)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if count == 0:
            raise CommandError("No active token matched: nothing was revoked.")
        self.stdout.write(f"Revoked {count} token{'s' if count != 1 else ''}.")
