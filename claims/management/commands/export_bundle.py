"""python manage.py export_bundle [--output FILE]"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand

from claims.bundle.exporter import bundle_export
from claims.management.commands.import_bundle import ProgressLine


class Command(BaseCommand):
    help = "Write the whole database as a bundle (standard output unless --output is given)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", "-o", help="file to write; it is replaced only once the export is complete")
        parser.add_argument("--progress", action="store_true", help="show progress even when stderr is not a terminal")
        parser.add_argument("--quiet", action="store_true", help="no progress line")

    def handle(self, *args, output: str | None, progress: bool, quiet: bool, **options) -> None:
        show = not quiet and (progress or sys.stderr.isatty())
        meter = ProgressLine(sys.stderr) if show else None
        if not output:
            bundle_export(stream=self.stdout._out, progress=meter)
            return
        target = Path(output)
        # Write beside the target and rename, so a failed export never leaves half a file.
        fd, temp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                bundle_export(stream=stream, progress=meter)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
