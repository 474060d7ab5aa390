"""Time the claims change list of the admin on a large table.

Fills a database of its own with synthetic claims (once; later runs reuse them), then requests the
claims change list as an editor: unfiltered, a later page, a search by source alias, and each
filter, reporting the median time and the number of queries of each page. It also times a plain
COUNT(*) of the claims table, the query the change list avoids.

Run from the project root, against PostgreSQL:

    createdb -h 127.0.0.1 -U postgres fc_admin_bench   # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fc_admin_bench DJANGO_DEBUG=1 \
        .venv/bin/python -m bench.admin_changelist --claims 100000

Figures from a run are in docs/admin.md.
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

import django

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.roles import EDITOR, ensure_roles  # noqa: E402
from claims.models import Attribution, AttributionLink, Claim, Figure, Metric, Tag  # noqa: E402
from sources.models import Source  # noqa: E402

BATCH = 5000
SOURCES = 1000


def populate(total: int) -> None:
    """Claims with one figure and one chain of two or three links each, in batches."""
    have = Claim.objects.count()
    if have >= total:
        return
    parent = Source.objects.get_or_create(key="bench-ministry", defaults={"name": "Bench ministry", "kind": "other",
                                                                          "reliability": "B"})[0]
    if Source.objects.count() < SOURCES:
        Source.objects.bulk_create([
            Source(key=f"bench-source-{i}", name=f"Bench source {i}", kind="other",
                   aliases=f"BS{i}\nAlias number {i}", reliability="" if i % 3 else "C",
                   parent=parent if i % 2 else None)
            for i in range(SOURCES)
        ], ignore_conflicts=True)
    source_ids = list(Source.objects.filter(key__startswith="bench-source-").values_list("id", flat=True))
    metrics = [Metric.objects.get_or_create(key=f"bench-metric-{i}", defaults={"name": f"Bench metric {i}"})[0]
               for i in range(20)]
    tag = Tag.objects.get_or_create(name="bench")[0]
    through = Claim.tags.through
    for start in range(have, total, BATCH):
        stop = min(start + BATCH, total)
        with transaction.atomic():
            claims = Claim.objects.bulk_create([
                Claim(key=f"bench-claim-{i}", text=f"About {i % 997} people were counted in bench claim {i}",
                      status="unreviewed" if i % 4 else "in_review")
                for i in range(start, stop)
            ])
            Figure.objects.bulk_create([
                Figure(claim=claim, metric=metrics[claim.pk % len(metrics)], qualifier="approximate",
                       value=claim.pk % 997, position=0)
                for claim in claims
            ])
            chains = Attribution.objects.bulk_create([Attribution(claim=claim, position=0) for claim in claims])
            links = []
            for chain in chains:
                for position in range(2 + chain.pk % 2):
                    speaker = source_ids[(chain.pk * 7 + position * 13) % len(source_ids)]
                    links.append(AttributionLink(attribution=chain, position=position, source_id=speaker))
            AttributionLink.objects.bulk_create(links)
            through.objects.bulk_create([through(claim_id=c.pk, tag_id=tag.pk) for c in claims if c.pk % 10 == 0])
        print(f"  {stop} claims", file=sys.stderr)
    with connection.cursor() as cursor:
        for table in ("claims_claim", "claims_figure", "claims_attribution", "claims_attributionlink"):
            cursor.execute(f"ANALYZE {table}")


def editor_client() -> Client:
    ensure_roles()
    user, _ = User.objects.get_or_create(username="bench-editor", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name=EDITOR))
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def timed(client: Client, params: dict, runs: int) -> tuple[float, int, str]:
    url = reverse("admin:claims_claim_changelist")
    times, queries = [], 0
    for _ in range(runs):
        reset_queries()
        started = time.perf_counter()
        response = client.get(url, params)
        times.append(time.perf_counter() - started)
        queries = len(connection.queries)
        assert response.status_code == 200, response.status_code
    label = response.context["cl"].paginator.count_label if response.context else "?"
    return statistics.median(times) * 1000, queries, label


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL: set DATABASE_URL.")
    call_command("migrate", verbosity=0)
    populate(args.claims)
    setup_test_environment()  # keeps response.context, for the count label
    client = editor_client()
    source = Source.objects.get(key="bench-source-7")
    cases = {
        "unfiltered, page 1": {},
        "unfiltered, page 100": {"p": "100"},
        "search by alias 'BS77'": {"q": "BS77"},
        "search, broad: 'Alias number 7'": {"q": "Alias number 7"},
        "filter status=in_review": {"status": "in_review"},
        "filter metric": {"metric": str(Metric.objects.get(key="bench-metric-3").pk)},
        "filter source (any link)": {"source": str(source.pk)},
        "filter origin grade C": {"origin_grade": "C"},
        "filter origin grade B (inherited)": {"origin_grade": "B"},
    }
    print(f"claims: {Claim.objects.count():,}; runs per page: {args.runs}")
    print(f"{'page':38} {'median ms':>10} {'queries':>8}  count shown")
    for name, params in cases.items():
        ms, queries, label = timed(client, params, args.runs)
        print(f"{name:38} {ms:10.1f} {queries:8d}  {label}")
    started = time.perf_counter()
    Claim.objects.count()
    print(f"{'(avoided) SELECT COUNT(*) FROM claims':38} {(time.perf_counter() - started) * 1000:10.1f}")


if __name__ == "__main__":
    main()
