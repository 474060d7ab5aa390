"""python manage.py import_bundle FILE|-"""

from __future__ import annotations

import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from claims.bundle.errors import BundleInvalid
from claims.bundle.importer import reader_import
from claims.bundle.reader import open_bundle_file


class ProgressLine:
    """One status line on stderr, rewritten in place: what is being done, how far, how fast."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.2 and done < total:
            return
        self.last = now
        rate = done / max(now - self.started, 1e-6)
        self.stream.write(f"\r{stage}: {done}/{total} ({rate:,.0f}/s)\033[K")
        self.stream.flush()
        if done >= total:
            self.stream.write("\n")
            self.started = now


class Command(BaseCommand):
    help = "Import a bundle (all or nothing). FILE '-' reads standard input."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="bundle file, or - for standard input")
        parser.add_argument("--user", help="username named in the history as the author of the changes")
        parser.add_argument("--progress", action="store_true", help="show progress even when stderr is not a terminal")
        parser.add_argument("--quiet", action="store_true", help="no progress line")

    def handle(self, *args, file: str, user: str | None, progress: bool, quiet: bool, **options) -> None:
        author = None
        if user:
            author = get_user_model().objects.filter(username=user).first()
            if author is None:
                raise CommandError(f"no user {user!r}")
        show = not quiet and (progress or sys.stderr.isatty())
        try:
            with open_bundle_file(file, stdin=sys.stdin.buffer if file == "-" else None) as reader:
                result = reader_import(reader, user=author, progress=ProgressLine(sys.stderr) if show else None)
        except FileNotFoundError:
            raise CommandError(f"no such file: {file}") from None
        except BundleInvalid as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(exc.errors)} error(s): nothing was imported") from None
        if options.get("verbosity", 1) > 0:
            self.stdout.write(result.summary())
