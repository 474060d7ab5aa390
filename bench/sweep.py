"""Benchmark of the checks on PostgreSQL: the full sweep over N figures and the incremental check of
one claim in a metric of 100,000 figures, beside the time PostgreSQL takes to read the rows once.

    .venv/bin/python -m bench.sweep --figures 1000000

Uses its own database (fc_bench by default, dropped and recreated), loads a synthetic data set with
COPY, then times `sweep_all` twice (first run fills the check columns, second finds them fresh) and
`checks_run` for one edited claim (a small edit and its undo, a repeated check, an outlier edit and its
undo). Results go to stdout; docs/checks.md records them.

    .venv/bin/python -m bench.sweep --figures 1000000 --workers 2

times the production sweep instead: N real Celery worker processes (concurrency 1 each, Redis db 3
by default) run the beat task `claims.checks_sweep`, which fans out one task per metric and then one
per claim batch; the wall time runs from queueing it until the broker holds no message, queued or
unacknowledged (the tasks acknowledge late, and each queues its successors before it returns). An
in-process `sweep_all` afterwards must change no flag: the workers' flags are the in-process ones.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal

FIGURES_PER_METRIC = 100_000


def _admin_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


def read_figures_once() -> tuple[int, float]:
    """The floor under any sweep: PostgreSQL reading the figure rows once (rows, seconds). In slices,
    so that two million rows are never held at once (that made this comparison, not the sweep, the
    peak memory of the unified bench's sweep stage: 1.4 GB at 1,000,000 claims)."""
    from django.db import connection

    started, rows = time.perf_counter(), 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, claim_id, metric_id, qualifier, value, lower, upper, as_of, as_of_precision "
                       "FROM claims_figure")
        while chunk := cursor.fetchmany(50_000):
            rows += len(chunk)
    return rows, time.perf_counter() - started


def recreate(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def load(figures: int, seed: int) -> None:
    """Sources in a few parent lines, metrics of 100,000 figures (half cumulative), claims of two
    figures and one or two chains each. Values follow a trend with noise, and about 1 in 100,000 is an
    outlier a quarter below the trend: each conflicts with thousands of neighbours, so the checks
    have findings to write without the data being mostly conflicts."""
    from django.db import connection

    rng = random.Random(seed)
    metrics = max(1, figures // FIGURES_PER_METRIC)
    claims = figures // 2
    base = dt.date(2023, 1, 1)
    with connection.cursor() as cur:
        raw = cur.cursor
        with raw.copy("COPY sources_source (id, key, name, kind, country, aliases, parent_id, reliability, url, "
                      "wikidata, notes, version, created_at, updated_at) FROM STDIN") as copy:
            now = dt.datetime.now(dt.UTC)
            for sid in range(1, 1001):
                parent = None if sid <= 100 else rng.randint(1, 100)
                grade = rng.choice("ABCDEF") if parent is None or rng.random() < 0.3 else ""
                copy.write_row((sid, f"s{sid}", f"Source {sid}", "government", "", "", parent, grade, "", "", "", 1,
                                now, now))
        with raw.copy("COPY claims_metric (id, key, name, unit, cumulative, tolerance, window_days, version, "
                      "created_at, updated_at) FROM STDIN") as copy:
            for mid in range(1, metrics + 1):
                copy.write_row((mid, f"m{mid}", f"Metric {mid}", "people", mid % 2 == 1, "0.1", 31, 1, now, now))
        with raw.copy("COPY claims_claim (id, key, text, language, status, verdict_summary, version, created_at, "
                      "updated_at) FROM STDIN") as copy:
            for cid in range(1, claims + 1):
                status = "unreviewed" if rng.random() < 0.7 else "accurate"
                copy.write_row((cid, f"c{cid}", f"Claim {cid}", "en", status, "", 1, now, now))
        with raw.copy("COPY claims_figure (id, claim_id, position, metric_id, qualifier, value, as_of, "
                      "as_of_precision, text) FROM STDIN") as copy:
            fid = 0
            days = [0] * (claims + 1)
            for cid in range(1, claims + 1):
                metric = 1 + (cid - 1) * metrics // claims
                day = days[cid] = rng.randint(0, 900)
                for position in range(2):
                    fid += 1
                    trend = 1000 + day * 5 if metric % 2 == 1 else 5000
                    value = trend * rng.uniform(0.95, 1.05) * (0.75 if rng.random() < 0.00001 else 1)
                    undated = rng.random() < 0.05
                    copy.write_row((fid, cid, position, metric, "approximate", f"{value:.0f}",
                                    None if undated else base + dt.timedelta(days=day + position),
                                    "" if undated else "day", ""))
        with raw.copy("COPY claims_attribution (id, claim_id, position) FROM STDIN") as copy:
            aid = 0
            claim_of = [0]
            for cid in range(1, claims + 1):
                for position in range(1 + (cid % 3 == 0)):
                    aid += 1
                    claim_of.append(cid)
                    copy.write_row((aid, cid, position))
        with raw.copy("COPY claims_attributionlink (attribution_id, position, source_id, document_id, verb, date, "
                      "date_precision, quote) FROM STDIN") as copy:
            for a in range(1, aid + 1):
                # Reported a few days after the figure's date: the fallback date of undated figures.
                reported = base + dt.timedelta(days=days[claim_of[a]] + rng.randint(0, 3))
                copy.write_row((a, 0, rng.randint(1, 1000), None, "reported", reported, "day", ""))
                copy.write_row((a, 1, rng.randint(1, 1000), None, "said", None, "", ""))
        for table in ("sources_source", "claims_metric", "claims_claim", "claims_figure", "claims_attribution",
                      "claims_attributionlink"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cur.execute(f"ANALYZE {table}")


def cpu_seconds(connection) -> float:
    """CPU time of this process plus that of its PostgreSQL backend (same machine: /proc). On the
    shared 2-core VM the wall time follows the other engineers' load; this does much less."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        backend = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:  # PostgreSQL on another machine: count this process only
        backend = 0.0
    return time.process_time() + backend


def broker_idle(client) -> bool:
    """No sweep message left: none queued (kombu keeps one list per queue and priority) and none
    delivered but unacknowledged (kombu's `unacked` hash; the sweep's tasks acknowledge late)."""
    queued = sum(client.llen(key) for key in client.scan_iter(match="celery*") if client.type(key) == b"list")
    return queued == 0 and client.hlen("unacked") == 0


def start_workers(count: int, env: dict[str, str]) -> list[tuple[subprocess.Popen, str]]:
    """N worker processes as production runs them (one per container), each its own process group
    so that stopping it stops its pool child too."""
    workers = []
    for n in range(count):
        hostname = f"bench-sweep-{n}-{os.getpid()}@localhost"
        # The output goes to a file, never to a pipe nobody reads (a full pipe would stall the worker).
        fd, path = tempfile.mkstemp(prefix=f"bench-sweep-worker-{n}-", suffix=".log")
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "factcheck", "worker", "--loglevel=warning", "--concurrency=1",
             "--pool=prefork", "-n", hostname, "--without-gossip", "--without-mingle"],
            env=env, stdout=fd, stderr=subprocess.STDOUT, start_new_session=True,
        )
        os.close(fd)
        print(f"worker {hostname}: pid {proc.pid}, log {path}", file=sys.stderr)
        workers.append((proc, hostname))
    return workers


def stop_workers(workers: list[tuple[subprocess.Popen, str]]) -> None:
    for proc, _ in workers:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
    for proc, _ in workers:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=10)


def wait_for_workers(app, workers: list[tuple[subprocess.Popen, str]], seconds: float = 120) -> list[str]:
    """Block until every worker answers a ping; their hostnames."""
    deadline = time.monotonic() + seconds
    hostnames = [name for _, name in workers]
    while len(app.control.ping(destination=hostnames, timeout=1.0) or []) < len(hostnames):
        if time.monotonic() > deadline or any(proc.poll() is not None for proc, _ in workers):
            raise RuntimeError("the Celery workers did not start: their logs are named on stderr")
    return hostnames


def sweep_with_workers(app, client, hostnames: list[str]) -> float:
    """Queue the beat's sweep task and wait until every task it fanned out has finished."""
    started = time.perf_counter()
    app.send_task("claims.checks_sweep")
    idle_since = None
    while True:
        time.sleep(0.2)
        if not broker_idle(client):
            idle_since = None
            continue
        # Idle twice 0.2 s apart, to be sure no task was between a publish and its ack.
        if idle_since is not None:
            return idle_since - started
        idle_since = time.perf_counter()


@contextmanager
def sweep_workers(count: int, broker_url: str) -> Iterator[Callable[[], float]]:
    """`count` real worker processes on a Redis database of their own (flushed before and after);
    yields a function that runs one production sweep on them and returns its wall time."""
    import redis
    from celery import Celery

    client = redis.Redis.from_url(broker_url)
    client.flushdb()
    env = {**os.environ, "CELERY_BROKER_URL": broker_url, "CELERY_RESULT_BACKEND": broker_url}
    app = Celery(broker=broker_url, backend=broker_url)
    workers = start_workers(count, env)
    try:
        hostnames = wait_for_workers(app, workers)
        yield lambda: sweep_with_workers(app, client, hostnames)
    finally:
        stop_workers(workers)
        client.flushdb()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/fc_bench")
    parser.add_argument("--workers", type=int, default=0,
                        help="time the fanned-out sweep on N Celery worker processes instead of in process")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/3",
                        help="a Redis database of its own: it is flushed before the workers start")
    args = parser.parse_args()
    recreate(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from claims.checks.engine import checks_run, sweep_all
    from claims.models import Figure, Flag

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    load(args.figures, args.seed)
    print(f"loaded {Figure.objects.count():,} figures in {time.perf_counter() - started:.1f} s")

    rows, read_once = read_figures_once()
    print(f"PostgreSQL reads the {rows:,} figure rows once: {read_once:.1f} s")

    labels = ("first sweep (fills the check columns)", "second sweep (nothing changed)")
    if args.workers:
        with sweep_workers(args.workers, args.broker_url) as timed_sweep:
            for label in labels:
                elapsed = timed_sweep()
                print(f"{label}, {args.workers} Celery workers: {elapsed:.1f} s, load {os.getloadavg()[0]:.1f}")
        started = time.perf_counter()
        summary = sweep_all()
        changes = sum(summary.values())
        print(f"in-process sweep after the workers' (must change nothing): {time.perf_counter() - started:.1f} s, "
              f"{changes:,} flag changes")
        if changes:
            raise SystemExit("the workers' flags differ from the in-process sweep's")
    else:
        for label in labels:
            started, cpu = time.perf_counter(), cpu_seconds(connection)
            summary = sweep_all()
            print(f"{label}: {time.perf_counter() - started:.1f} s (CPU {cpu_seconds(connection) - cpu:.1f} s), "
                  f"{sum(summary.values()):,} flag changes, load {os.getloadavg()[0]:.1f}")
    print(f"open flags: {Flag.objects.filter(status='open').count():,}")

    figure = Figure.objects.filter(metric_id=1, as_of__isnull=False).order_by("id")[FIGURES_PER_METRIC // 3]
    original = figure.value
    size = Figure.objects.filter(metric_id=1).count()

    cpu_ms: list[float] = []

    def timed(value) -> float:
        # A queryset update fires no signal, so the timed call is the one that does the work (a
        # save() would run the eager task at commit, leaving the timed call nothing to do).
        Figure.objects.filter(pk=figure.pk).update(value=value)
        started, cpu = time.perf_counter(), cpu_seconds(connection)
        checks_run(claim_ids=[figure.claim_id])
        elapsed = (time.perf_counter() - started) * 1000
        # cpu_seconds' own query is in the figure; it costs well under a millisecond.
        cpu_ms.append((cpu_seconds(connection) - cpu) * 1000)
        return elapsed

    runs = {
        "value +3% (stays near the trend), then undo": [timed(original * Decimal("1.03")), timed(original)],
        "nothing changed (a repeated check)": [timed(original)],
        "value +3% then undo, 5 more times": [timed(v) for _ in range(5) for v in (original * Decimal("1.03"),
                                                                                    original)],
        "value x2 (an outlier: thousands of conflicts to open), then undo": [timed(original * 2), timed(original)],
    }
    for label, timings in runs.items():
        cpu = [cpu_ms.pop(0) for _ in timings]
        if len(timings) > 3:
            measured = (f"best {min(timings):.0f} ms, median {statistics.median(timings):.0f} ms "
                        f"(CPU best {min(cpu):.0f}, median {statistics.median(cpu):.0f} ms)")
        else:
            measured = ", ".join(f"{t:.0f} ms (CPU {c:.0f} ms)" for t, c in zip(timings, cpu, strict=True))
        print(f"incremental check of one claim in a metric of {size:,} figures, {label}: {measured}, "
              f"load {os.getloadavg()[0]:.1f}")

if __name__ == "__main__":
    main()
