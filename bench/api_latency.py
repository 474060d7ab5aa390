"""In-process latency of the REST API's claim list on a large table.

Fills a database of its own with synthetic claims (claims.synthetic: COPY on PostgreSQL; later
runs reuse them and add only what is missing), issues an editor token, then requests
GET /api/v1/claims/?page_size=100 through Django's test client with that token: the first page,
a deep page reached by following cursors, and the main filters. Prints the median time and the
number of queries of each request. No web server is involved (gunicorn+wrk runs are elsewhere).

Run from the project root, against PostgreSQL:

    createdb -h 127.0.0.1 -U postgres fc_api_bench   # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fc_api_bench DJANGO_DEBUG=1 \\
        .venv/bin/python -m bench.api_latency --claims 100000

On a database already filled, `--skip-load` skips migrate and the load, and `--only NAME` (repeatable)
times only the cases whose name starts with NAME, e.g. `--skip-load --runs 9 --only page --only status`.

Figures from a run are in docs/api.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
# The benchmark measures the API, not the throttle.
os.environ.setdefault("API_THROTTLE_USER", "1000000/min")
# Uncached unless the environment says API_RESPONSE_CACHE=1: what is timed is building a page.
os.environ.setdefault("API_RESPONSE_CACHE", "0")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.roles import EDITOR  # noqa: E402
from accounts.tokens import api_token_issue  # noqa: E402
from claims.models import Claim, Metric  # noqa: E402
from claims.synthetic import SyntheticPlan, generate  # noqa: E402
from sources.models import Source  # noqa: E402

PAGE = "/api/v1/claims/?page_size=100"


def populate(total: int) -> None:
    have = Claim.objects.count()
    if have >= total:
        return
    started = time.perf_counter()
    generate(SyntheticPlan(claims=total - have, seed=have + 1))
    with connection.cursor() as cursor:
        # Every table the list reads: without statistics the planner guessed that half of
        # claims_claim_tags matched a page and scanned all of it (40 ms of a 130 ms request).
        for table in ("claims_claim", "claims_figure", "claims_attribution", "claims_attributionlink",
                      "claims_claim_tags", "claims_tag", "claims_metric", "sources_source", "sources_document",
                      "claims_flag"):
            cursor.execute(f"ANALYZE {table}")
    print(f"loaded {total - have:,} claims in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def timed(client: Client, url: str, runs: int) -> tuple[float, int, int]:
    times, queries, shown = [], 0, 0
    for _ in range(runs):
        reset_queries()
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        queries = len(connection.queries)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        shown = len(response.json()["results"])
    return statistics.median(times) * 1000, queries, shown


def deep_page(client: Client, hops: int) -> str:
    """The URL of the page `hops` pages in, reached the way a client would: by cursors."""
    url = PAGE
    for _ in range(hops):
        url = client.get(url).json()["next"]
    return url.replace("http://localhost", "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--skip-load", action="store_true",
                        help="Use the claims already in the database: no migrate, no synthetic load.")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="Time only the cases whose name starts with NAME (repeatable), e.g. --only 'page 1'.")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL: set DATABASE_URL.")
    if not args.skip_load:
        call_command("migrate", verbosity=0)
        populate(args.claims)
    from django.conf import settings

    settings.DEBUG = True  # count queries
    _, token = api_token_issue(username="bench-editor", role=EDITOR, name="bench")
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {token}")
    source = Source.objects.order_by("id").first()
    metric = Metric.objects.order_by("id").first()
    cases = {
        "page 1": PAGE,
        # A callable, so that a run that skips it does not walk 49 pages to build its URL.
        "page 50 (by cursor)": lambda: deep_page(client, 49),
        "status=in_review": f"{PAGE}&status=in_review",
        "metric": f"{PAGE}&metric={metric.key}",
        "source anywhere in a chain": f"{PAGE}&source={source.key}",
        "origin grade B (inherited)": f"{PAGE}&origin_grade=B",
        "has open flags": f"{PAGE}&has_open_flags=true",
        "full-text q=killed": f"{PAGE}&q=killed",
    }
    print(f"claims: {Claim.objects.count():,}; runs per request: {args.runs}")
    print(f"{'GET /api/v1/claims/?page_size=100 ...':40} {'median ms':>10} {'queries':>8} {'rows':>6}")
    for name, url in cases.items():
        if args.only and not any(name.startswith(prefix) for prefix in args.only):
            continue
        ms, queries, shown = timed(client, url() if callable(url) else url, args.runs)
        print(f"{name:40} {ms:10.1f} {queries:8d} {shown:6d}")


if __name__ == "__main__":
    main()
