"""Benchmark: the attribution CSV export against PostgreSQL's own COPY of the same rows.

    .venv/bin/python bench/report_export.py --rows 1000000

Loads N chain links (3 per claim, one figure per claim, open flags on a few claims) into a
separate database (fc_bench_reports, created if missing) with COPY, then runs, each in a fresh
process so that peak memory (ru_maxrss) belongs to that run alone:
  export  claims.reports: attribution_rows -> csv_stream, written to /dev/null
  copy    COPY (the report's own query, claims.reports.sql) TO STDOUT as CSV, to /dev/null
and prints rows/s, seconds and peak memory for both. --skip-load reuses the loaded data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fc_bench_reports"
LINKS_PER_CHAIN = 3
N_SOURCES, N_DOCUMENTS = 300, 2000

# Columns other engineers add with NOT NULL and no default would break a fixed column list: give
# them a neutral value (false, '', 0) so the bench keeps loading while the schema grows.
NEUTRAL = {"boolean": False, "character varying": "", "text": "", "integer": 0, "smallint": 0, "bigint": 0}


def copy_rows(raw, table: str, columns: list[str], rows) -> None:
    raw.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
                "AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'", [table])
    extra = [(name, NEUTRAL.get(kind)) for name, kind in raw.fetchall() if name not in columns]
    names = ", ".join([*columns, *(name for name, _ in extra)])
    tail = tuple(value for _, value in extra)
    with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*row, *tail))


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def load(url: str, rows: int) -> None:
    """Fill the bench database with COPY: far faster than the ORM, and the loader is not measured."""
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    claims = rows // LINKS_PER_CHAIN
    now = dt.datetime.now(dt.UTC)
    start = time.monotonic()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute("TRUNCATE claims_flag, claims_attributionlink, claims_attribution, claims_figure, "
                    "claims_claim_tags, claims_claim, claims_metric, sources_document, sources_source "
                    "RESTART IDENTITY CASCADE")
        copy_rows(raw, "sources_source", ["id", "version", "key", "name", "kind", "country", "aliases", "parent_id",
                  "reliability", "url", "wikidata", "notes", "created_at", "updated_at"], (
            # every tenth source is ungraded and inherits its parent's grade
            (i, 1, f"source-{i}", f"Source {i}", "news_agency", "GB", "", (i - 1) if i % 10 == 0 else None,
             "" if i % 10 == 0 else "ABCDEF"[i % 6], "", "", "", now, now) for i in range(1, N_SOURCES + 1)))
        copy_rows(raw, "sources_document", ["id", "version", "key", "title", "url", "publisher_id", "published",
                  "published_precision", "language", "text", "sha256", "created_at", "updated_at"], (
            (i, 1, f"doc-{i}", f"Document {i}", f"https://example.org/{i}", i % N_SOURCES + 1,
             dt.date(2025, 1, 1) + dt.timedelta(days=i % 300), "day", "en", "", "", now, now)
            for i in range(1, N_DOCUMENTS + 1)))
        copy_rows(raw, "claims_metric", ["id", "version", "key", "name", "unit", "cumulative", "tolerance",
                  "window_days", "created_at", "updated_at"], [(1, 1, "killed", "Killed", "people", True, 0.1, 31,
                                                                now, now)])
        copy_rows(raw, "claims_claim", ["id", "version", "key", "text", "language", "status", "verdict_summary",
                  "created_at", "updated_at"], (
            (i, 1, f"claim-{i}", f"About {i % 900 + 100} troops were killed, officials said", "en", "unreviewed", "",
             now, now) for i in range(1, claims + 1)))
        copy_rows(raw, "claims_figure", ["claim_id", "position", "metric_id", "qualifier", "value", "as_of",
                  "as_of_precision", "text"], (
            (i, 0, 1, "approximate", i % 900 + 100, dt.date(2025, 1 + i % 12, 1), "month", f"About {i % 900 + 100}")
            for i in range(1, claims + 1)))
        copy_rows(raw, "claims_attribution", ["id", "claim_id", "position"], ((i, i, 0) for i in range(1, claims + 1)))
        copy_rows(raw, "claims_attributionlink", ["attribution_id", "position", "source_id", "document_id", "verb",
                  "date", "date_precision", "quote"], (
            (i, position, (i * 7 + position * 13) % N_SOURCES + 1, (i % N_DOCUMENTS + 1) if position == 0 else None,
             ("reported", "said", "citing")[position], dt.date(2025, 1 + i % 12, 1), "month", "")
            for i in range(1, claims + 1) for position in range(LINKS_PER_CHAIN)))
        copy_rows(raw, "claims_flag", ["kind", "code", "claim_a_id", "status", "explanation", "dismissed_fingerprint",
                  "dismissed_note", "created_at", "updated_at"], (
            ("unverified", "single_origin", i, "open", "", "", "", now, now) for i in range(1, claims + 1, 50)))
        for table in ("sources_source", "sources_document", "claims_claim", "claims_attribution",
                      "claims_attributionlink", "claims_figure", "claims_flag", "claims_metric"):
            raw.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(max(id), 1) FROM {table}))")
        raw.execute("ANALYZE")
    print(f"loaded {claims * LINKS_PER_CHAIN:,} links ({claims:,} claims) in {time.monotonic() - start:.1f} s",
          file=sys.stderr)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_export(url: str, in_sql: bool | None = None) -> dict:
    setup_django(url)
    from claims.reports.formats import csv_stream
    from claims.reports.rows import attribution_rows

    rows = 0

    def counting():
        nonlocal rows
        for row in attribution_rows(in_sql=in_sql):
            rows += 1
            yield row

    start = time.monotonic()
    with open(os.devnull, "wb") as sink:
        for chunk in csv_stream(counting()):
            sink.write(chunk)
    return {"rows": rows, "seconds": time.monotonic() - start, "peak_mb": peak_mb()}


def phase_copy(url: str) -> dict:
    """COPY of the very statement the export reads its rows from (claims.reports.sql), as CSV: the
    same rows, one per chain link plus one per claim without a chain. Building the statement reads
    the sources' grades once; that is left out of the timing, which is the server's work alone."""
    setup_django(url)
    from django.db import connection

    from claims.reports.sql import report_query

    query, params = report_query()
    lines = 0
    start = time.monotonic()
    with connection.cursor() as cursor, open(os.devnull, "wb") as sink, \
            cursor.cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)", params) as copy:
        for block in copy:
            lines += bytes(block).count(b"\n")
            sink.write(block)
    return {"rows": lines - 1, "seconds": time.monotonic() - start, "peak_mb": peak_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="chain links to export (<= 1,000,000)")
    parser.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--phase", choices=("export", "copy"), help=argparse.SUPPRESS)
    parser.add_argument("--portable", action="store_true",
                        help="build the export's rows with the portable batches instead of the PostgreSQL query")
    args = parser.parse_args()
    if args.phase:
        in_sql = False if args.portable else None
        print(json.dumps(phase_export(args.db_url, in_sql) if args.phase == "export" else phase_copy(args.db_url)))
        return
    if not 0 < args.rows <= 1_000_000:
        parser.error("--rows must be between 1 and 1,000,000")
    ensure_database(args.db_url)
    if not args.skip_load:
        load(args.db_url, args.rows)
    results = {}
    for phase in ("copy", "export"):
        portable = ["--portable"] if args.portable else []
        out = subprocess.run([sys.executable, __file__, "--phase", phase, "--db-url", args.db_url, *portable],
                             check=True, capture_output=True, text=True).stdout
        results[phase] = json.loads(out.strip().splitlines()[-1])
    for phase, result in results.items():
        rate = result["rows"] / result["seconds"]
        print(f"{phase:7s} {result['rows']:>10,} rows  {result['seconds']:7.2f} s  {rate:>10,.0f} rows/s  "
              f"peak {result['peak_mb']:6.1f} MB")
    ratio = results["export"]["seconds"] / results["copy"]["seconds"]
    print(f"export takes {ratio:.2f}x the time of COPY (goal: within 3x)")


if __name__ == "__main__":
    main()
