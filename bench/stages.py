"""The measurements of `python -m bench`, one function per stage. Each runs in a process of its own
(`python -m bench --stage NAME ...`), started by bench.__main__, so that its peak memory is its own;
Django is set up from the environment the parent passes (DATABASE_URL names the bench database)."""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

HOT_METRIC_LIMIT = 100_000
INCREMENTAL_EDITS = 6


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    import django

    django.setup()


def _bench_user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get_or_create(username="bench")[0]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _timings(values_ms: list[float]) -> dict:
    return {"median_ms": round(statistics.median(values_ms), 2), "p95_ms": round(_percentile(values_ms, 0.95), 2),
            "runs": len(values_ms)}


def stage_load(claims: int, seed: int, outlier_share: float) -> dict:
    """Schema, then the synthetic newsroom with one metric of min(100,000, N) figures (the hot metric
    the incremental check edits).

    In claims.synthetic only outliers conflict (1.3 times too high or too low, dated to a day), at
    most a few per metric, so the conflicts grow linearly with the data set, also in the hot metric;
    `outlier_share` is the share of figures made outliers before that cap. The other flags are the
    unverified claims the generator plants (no chain, no document, weak origins). The counts include
    that known share, to compare with the flags the sweep finds."""
    _setup()
    from django.core.management import call_command
    from django.db import connection

    from claims.synthetic import SyntheticPlan, generate

    call_command("migrate", verbosity=0)
    plan = SyntheticPlan(claims=claims, seed=seed, hot_metric_figures=min(HOT_METRIC_LIMIT, claims),
                         outlier_share=outlier_share)

    def progress(stage: str, done: int, total: int) -> None:
        if done % 100_000 == 0 or done == total:
            log(f"load: {stage} {done:,}/{total:,}")

    started = time.perf_counter()
    counts = generate(plan, progress=progress)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"seconds": round(time.perf_counter() - started, 2), "counts": counts, "outlier_share": outlier_share}


def stage_sweep(workers: int) -> dict:
    """The full sweep twice (the first fills the check columns, the second finds them fresh), beside
    one plain read of the figure rows: the floor no sweep can go below on this machine right now.

    With workers, the first sweep is the production one: that many real Celery worker processes
    (one task at a time each, as in the compose file) run the beat's `claims.checks_sweep`, which fans
    out per metric group and claim batch; it is timed from queueing until the broker holds no
    message. The second then runs in this process and must change no flag: the workers' flags are
    the in-process ones. With workers, a third runs on them again: the recurring (hourly) sweep over
    checks that are up to date, which must write nothing either."""
    _setup()
    from bench.sweep import read_figures_once, sweep_workers
    from claims.checks.engine import sweep_all
    from claims.models import Flag

    user = _bench_user()
    rows, read_once = read_figures_once()
    log(f"sweep: PostgreSQL reads {rows:,} figure rows once in {read_once:.2f} s")
    runs = []
    if workers:
        # The bench's own Redis database (the stages' CELERY_BROKER_URL), flushed before and after.
        with sweep_workers(workers, os.environ["CELERY_BROKER_URL"]) as timed_sweep:
            runs.append(round(timed_sweep(), 2))
        log(f"sweep: first sweep on {workers} Celery workers {runs[-1]:.1f} s")
    while len(runs) < 2:
        started = time.perf_counter()
        summary = sweep_all(user=user)
        runs.append(round(time.perf_counter() - started, 2))
        changes = sum(summary.values())
        log(f"sweep: {('first', 'second')[len(runs) - 1]} sweep in process {runs[-1]:.1f} s, {changes:,} flag changes")
    if workers and changes:
        raise RuntimeError(f"the in-process sweep after the workers' changed {changes:,} flags")
    recurring = {}
    if workers:
        # The sweep the beat runs every hour, on the same workers, over checks that are up to date:
        # it must write nothing (no flag history row), like the in-process one.
        history = Flag.history.count()
        with sweep_workers(workers, os.environ["CELERY_BROKER_URL"]) as timed_sweep:
            recurring["recurring_sweep_workers_s"] = round(timed_sweep(), 2)
        log(f"sweep: recurring sweep on {workers} Celery workers {recurring['recurring_sweep_workers_s']:.1f} s")
        if Flag.history.count() != history:
            raise RuntimeError("the recurring sweep on the workers changed flags")
    return {"figure_rows": rows, "read_once_s": round(read_once, 2), "first_sweep_s": runs[0],
            "second_sweep_s": runs[1], "ratio_to_read": round(runs[0] / max(read_once, 1e-6), 1),
            "first_sweep_workers": workers, **recurring, "open_flags": Flag.objects.filter(status="open").count()}


def stage_incremental() -> dict:
    """Edit one figure in the biggest metric and time the incremental check of its claim, as the
    queued task would run it. The timed edits are corrections: the value moves by 3% and back, so
    every edit changes the figure's interval (and its neighbours' corroboration must be re-decided)
    while the figure stays plausible. Then, apart, one edit that makes the figure an outlier (value
    doubled) and its undo: those open and then resolve a conflict with every figure the doubled value
    contradicts, so they time the writing of that many flags, and are reported with the count."""
    _setup()
    from django.db.models import Count

    from claims.checks.engine import checks_run
    from claims.models import Figure

    user = _bench_user()
    hot = Figure.objects.values("metric_id").annotate(n=Count("id")).order_by("-n").first()
    in_metric = Figure.objects.filter(metric_id=hot["metric_id"], as_of__isnull=False, value__isnull=False)
    figure = in_metric.order_by("id")[in_metric.count() // 3]
    original = figure.value

    def timed_edit(value) -> tuple[float, int]:
        figure.value = value
        figure._history_user = user
        figure.save()
        started = time.perf_counter()
        summary = checks_run(claim_ids=[figure.claim_id], user=user)
        return (time.perf_counter() - started) * 1000, sum(summary.values())

    corrections = [timed_edit(original * Decimal("1.03") if n % 2 == 0 else original)[0]
                   for n in range(INCREMENTAL_EDITS)]
    outlier_ms, opened = timed_edit(original * 2)
    undo_ms, resolved = timed_edit(original)
    log(f"incremental: corrections {', '.join(f'{t:.0f}' for t in corrections)} ms; outlier edit "
        f"{outlier_ms:.0f} ms ({opened:,} flag changes), undo {undo_ms:.0f} ms ({resolved:,}); "
        f"metric of {hot['n']:,} figures")
    return {"metric_figures": hot["n"], **_timings(corrections), "max_ms": round(max(corrections), 2),
            "outlier_edit": {"ms": round(outlier_ms, 1), "flag_changes": opened},
            "outlier_undo": {"ms": round(undo_ms, 1), "flag_changes": resolved}}


def stage_export(path: str) -> dict:
    """The whole bench database as a bundle file, with the exporter the command uses."""
    _setup()
    from claims.bundle.exporter import bundle_export
    from claims.models import Claim

    claims = Claim.objects.count()
    started = time.perf_counter()
    with open(path, "w", encoding="utf-8") as stream:
        bundle_export(stream=stream)
    seconds = time.perf_counter() - started
    size = Path(path).stat().st_size
    log(f"export: {claims:,} claims, {size / 1e6:.0f} MB in {seconds:.1f} s")
    return {"claims": claims, "seconds": round(seconds, 2), "claims_per_s": round(claims / seconds),
            "megabytes": round(size / 1e6, 1)}


def stage_import(path: str) -> dict:
    """The exported file into a fresh database, streamed as `import_bundle FILE` does. The checks it
    queues go to Redis (the bench's own db), not into the timing."""
    _setup()
    from django.core.management import call_command

    from claims.bundle.importer import reader_import
    from claims.bundle.reader import open_bundle_file
    from claims.models import Claim

    call_command("migrate", verbosity=0)
    user = _bench_user()
    started = time.perf_counter()
    with open_bundle_file(path) as reader:
        reader_import(reader, user=user)
    seconds = time.perf_counter() - started
    claims = Claim.objects.count()
    # A large import is checked by a forked process (claims/bundle/checking.py): its peak apart.
    checker_mb = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    log(f"import: {claims:,} claims in {seconds:.1f} s (checking process peak {checker_mb} MB)")
    return {"claims": claims, "seconds": round(seconds, 2), "claims_per_s": round(claims / seconds),
            "checker_peak_mb": checker_mb}


def stage_api(runs: int) -> dict:
    """GET of the claim list (page_size=100) and of single claims through Django's test client with a
    researcher's token: the cost of the view, the serializer and the queries, without a server.
    The response cache is off here: what is timed is building the page (the gunicorn stage times
    the cache)."""
    os.environ["API_RESPONSE_CACHE"] = "0"
    _setup()
    from django.test import Client

    from accounts.roles import RESEARCHER
    from accounts.tokens import api_token_issue
    from bench.api_latency import PAGE
    from claims.models import Claim

    _, token = api_token_issue(username="bench", role=RESEARCHER, name="bench in process")
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT="application/json")
    total = Claim.objects.count()
    keys = list(Claim.objects.filter(id__in=[1 + i * total // 20 for i in range(20)]).values_list("key", flat=True))

    def timed(urls: list[str]) -> list[float]:
        times = []
        for n in range(runs):
            url = urls[n % len(urls)]
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:200]!r}")
        return times

    timed([PAGE])  # warm up: first-request imports and connection set-up are not the view's cost
    listing = _timings(timed([PAGE]))
    detail = _timings(timed([f"/api/v1/claims/{key}/" for key in keys]))
    log(f"api in process: list median {listing['median_ms']} ms, detail median {detail['median_ms']} ms")
    return {"list": listing, "detail": detail}


def stage_admin(runs: int) -> dict:
    """The claims and flags change lists as a staff editor (admin_changelist's login), at full size."""
    _setup()
    from django.contrib.admin import site
    from django.urls import reverse

    from bench.admin_changelist import editor_client
    from claims.models import Claim

    client = editor_client()
    middle = str(max(1, Claim.objects.count() // site._registry[Claim].list_per_page // 2))
    pages = {
        "claims, page 1": (reverse("admin:claims_claim_changelist"), {}),
        f"claims, page {middle}": (reverse("admin:claims_claim_changelist"), {"p": middle}),
        "claims, status=in_review": (reverse("admin:claims_claim_changelist"), {"status": "in_review"}),
        "flags, page 1": (reverse("admin:claims_flag_changelist"), {}),
        "flags, status=open": (reverse("admin:claims_flag_changelist"), {"status": "open"}),
    }
    results = {}
    for name, (url, params) in pages.items():
        client.get(url, params)  # warm up
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url, params)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} {params} answered {response.status_code}")
        results[name] = _timings(times)
        log(f"admin: {name} median {results[name]['median_ms']} ms")
    return {"pages": results, "max_median_ms": max(r["median_ms"] for r in results.values())}
