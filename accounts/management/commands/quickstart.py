"""Prepare the quickstart: migrate, load the demo bundle, create a demo editor and print its login."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

from accounts.roles import EDITOR, ensure_roles

DEMO_BUNDLE = Path(settings.BASE_DIR) / "demo" / "demo-bundle.json"


class Command(BaseCommand):
    help = "Migrate, load the demo data and create the demo editor account (prints its password)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="editor")
        parser.add_argument("--no-demo", action="store_true", help="Skip loading the demo bundle.")

    def handle(self, *args, username: str, no_demo: bool, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database migrated.")
        groups = ensure_roles()
        if not no_demo and DEMO_BUNDLE.exists() and "import_bundle" in get_commands():
            call_command("import_bundle", str(DEMO_BUNDLE), verbosity=0)
            self.stdout.write(f"Demo data loaded from {DEMO_BUNDLE.relative_to(settings.BASE_DIR)}.")
            if "run_checks" in get_commands():
                call_command("run_checks", verbosity=0)
                self.stdout.write("Checks run on the demo data.")
        password = secrets.token_urlsafe(12)
        user, created = get_user_model().objects.get_or_create(username=username, defaults={"is_staff": True})
        user.is_staff = True
        user.set_password(password)
        user.save()
        user.groups.add(groups[EDITOR])
        self.stdout.write(self.style.SUCCESS(
            f"Demo editor {'created' if created else 'reset'}: username '{username}', password '{password}'"
        ))
