"""python manage.py intake_article FILE --publisher KEY --published DATE [--url U] [--title T]"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from claims.bundle.errors import BundleInvalid
from claims.intake import intake_draft
from claims.intake.jsontext import dumps


class Command(BaseCommand):
    help = (
        "Draft claims from an article's text: prints a factcheck-bundle/1 draft (the document, proposed "
        "sources and metrics, one unreviewed claim per sentence with a figure or an attribution). Writes "
        "nothing; import the reviewed file with import_bundle. FILE '-' reads standard input."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="UTF-8 text of the article, or - for standard input")
        parser.add_argument("--publisher", required=True, help="key of the stored source that published it")
        parser.add_argument("--published", required=True, help="publication date: YYYY, YYYY-MM or YYYY-MM-DD")
        parser.add_argument("--url", default="", help="address of the article")
        parser.add_argument("--title", default="", help="title of the article")

    def handle(self, *args, file: str, publisher: str, published: str, url: str, title: str, **options) -> None:
        text = self._read(file)
        try:
            draft = intake_draft(text=text, publisher=publisher, published=published, url=url, title=title)
        except BundleInvalid as exc:
            for error in exc.errors:
                self.stderr.write(f"--{error}" if error.path != "text" else f"{file}: {error.message}")
            raise CommandError("nothing drafted") from None
        for note in draft.notes:
            self.stderr.write(note)
        self.stdout.write(dumps(draft.bundle))
        self.stderr.write(
            f"{len(draft.claims)} draft claims, {len(draft.bundle['sources'])} proposed sources, "
            f"{len(draft.bundle['metrics'])} proposed metrics"
        )

    def _read(self, file: str) -> str:
        try:
            if file == "-":
                return sys.stdin.buffer.read().decode("utf-8")
            with open(file, encoding="utf-8") as handle:
                return handle.read()
        except FileNotFoundError:
            raise CommandError(f"no such file: {file}") from None
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
