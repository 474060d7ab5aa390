"""python manage.py export_report --format csv|jsonl|xlsx|claimreview|prov [--output FILE] [filters]"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.reports.rows import ReportFilterError, ReportFilters
from claims.reports.services import FORMATS, export_write


class Command(BaseCommand):
    help = "Export the attribution report (streamed: memory stays flat whatever the size)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--output", "-o", help="File to write; standard output when absent (not for xlsx).")
        parser.add_argument("--metric", default="", help="Metric key: claims with a figure on it.")
        parser.add_argument("--tag", default="", help="Tag name.")
        parser.add_argument("--source", default="", help="Source key: claims whose chains name it.")
        parser.add_argument("--from", dest="date_from", default="", help="Start date: YYYY, YYYY-MM or YYYY-MM-DD.")
        parser.add_argument("--to", dest="date_to", default="", help="End date, same forms.")
        parser.add_argument("--status", default="", help="Claim statuses, comma-separated.")
        parser.add_argument("--flag", default="", help="Claims with an open flag of this code.")
        parser.add_argument("--quiet", action="store_true", help="No progress on standard error.")

    def handle(self, *args, **options) -> None:
        try:
            filters = ReportFilters.from_params({
                "metric": options["metric"], "tag": options["tag"], "source": options["source"],
                "from": options["date_from"], "to": options["date_to"], "status": options["status"],
                "flag": options["flag"],
            })
        except ReportFilterError as exc:
            raise CommandError(f"Bad filter: {exc}") from None
        fmt, output = options["format"], options["output"]
        if fmt == "xlsx" and not output:
            raise CommandError("An XLSX workbook needs --output FILE (it is a zip, not a stream).")
        started = time.monotonic()

        def progress(rows: int) -> None:
            if not options["quiet"]:
                rate = rows / max(time.monotonic() - started, 1e-9)
                sys.stderr.write(f"\r{rows:,} rows ({rate:,.0f} rows/s)")
                sys.stderr.flush()

        if output:
            try:
                out = open(output, "wb")  # noqa: SIM115 (closed below, also on error)
            except OSError as exc:
                raise CommandError(f"Cannot write {output}: {exc}") from None
        else:
            out = sys.stdout.buffer
        try:
            rows = export_write(fmt, filters, out, progress=progress)
        except BrokenPipeError:  # the reader (head, less) stopped early: not an error of ours
            sys.stderr.write("\noutput closed by the reader; export stopped\n")
            return
        finally:
            if output:
                out.close()
            else:
                out.flush()
        if not options["quiet"]:
            sys.stderr.write(f"\r{rows:,} rows in {time.monotonic() - started:.1f} s\n" if rows else "\rdone\n")
