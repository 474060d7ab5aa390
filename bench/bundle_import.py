"""Import speed of a large synthetic bundle (issue 8: at least 5,000 claims/s for 100,000 claims).

Run (PostgreSQL; a throwaway database, it is filled and left filled; a broker URL so that the
checks queued after the import go to Redis instead of running in process inside the timing):
    createdb -h 127.0.0.1 -U postgres fc_bench   # once
    DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/fc_bench \
        .venv/bin/python manage.py migrate -v0
    DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/fc_bench \
        CELERY_BROKER_URL=redis://127.0.0.1:6379/2 .venv/bin/python bench/bundle_import.py --claims 100000
    redis-cli -n 2 flushdb   # drop the queued check tasks

`--portable` forces the ORM path (bulk_create) that SQLite uses, for a before/after on one machine.

Writes the bundle to a temporary file, imports it the way `import_bundle FILE` does (streamed from
the file, checks and writes in one transaction) and prints claims per second for the whole import,
with the CPU seconds spent by this process and by its PostgreSQL backend (read from /proc when the
database runs on this machine) and the load average, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")


def synthetic_bundle(path: Path, claims: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    run = time.time_ns() % 10**9  # fresh keys each run: the figure is for creating records
    sources = [{"key": f"s{run}-{i}", "name": f"Source {i}", "kind": "news_agency", "reliability": "B"}
               for i in range(50)]
    documents = [{"key": f"d{run}-{i}", "title": f"Document {i}", "publisher": sources[i % 50]["key"],
                  "published": "2025-04"} for i in range(200)]
    metrics = [{"key": f"m{run}-{i}", "name": f"Metric {i}", "unit": "people", "cumulative": i % 2 == 0}
               for i in range(10)]
    with path.open("w") as out:
        out.write(json.dumps({"format": "factcheck-bundle/1", "sources": sources, "documents": documents,
                              "metrics": metrics})[:-1])
        out.write(', "claims": [\n')
        for i in range(claims):
            claim = {
                "key": f"c{run}-{i}", "text": f"Synthetic claim {i}", "status": "unreviewed", "tags": ["bench"],
                "figures": [{"metric": metrics[i % 10]["key"], "qualifier": "approximate",
                             "value": rng.randrange(100, 5000), "as_of": f"2025-{1 + i % 12:02d}"}],
                "attributions": [{"chain": [
                    {"source": sources[i % 50]["key"], "document": documents[i % 200]["key"], "verb": "reported",
                     "date": "2025-05-02"},
                    {"source": sources[(i + 7) % 50]["key"], "verb": "citing"},
                ]}],
            }
            out.write(("," if i else "") + json.dumps(claim) + "\n")
        out.write("]}\n")


def _backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend, when it runs here."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--portable", action="store_true", help="force the ORM path (as on SQLite)")
    args = parser.parse_args()
    import django

    django.setup()
    from claims.bundle.importer import reader_import
    from claims.bundle.reader import open_bundle_file

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.json"
        synthetic_bundle(path, args.claims)
        size = path.stat().st_size
        server_before, load_before = _backend_cpu(), os.getloadavg()[0]
        started, cpu_started = time.perf_counter(), time.process_time()
        with open_bundle_file(path) as reader:
            reader_import(reader, fast=not args.portable)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        server_after = _backend_cpu()
    server = f"{server_after - server_before:.1f} s" if server_before is not None and server_after else "?"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # From 10,000 claims a forked process checks the bundle (claims/bundle/checking.py).
    checker = resource.getrusage(resource.RUSAGE_CHILDREN)
    path_name = "portable (ORM)" if args.portable else "fast (COPY on PostgreSQL)"
    print(f"{args.claims} claims, {size / 1e6:.1f} MB, {path_name} path: {elapsed:.1f} s, "
          f"{args.claims / elapsed:,.0f} claims/s; CPU: import {cpu:.1f} s, checking process "
          f"{checker.ru_utime + checker.ru_stime:.1f} s, PostgreSQL backend {server}; "
          f"load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}; peak RSS {peak:.0f} MB "
          f"(checking process {checker.ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
