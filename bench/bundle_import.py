"""Import speed of a large synthetic bundle.

Run (PostgreSQL; a throwaway database, it is filled and left filled; a broker URL so that the
checks queued after the import go to Redis instead of running in process inside the timing):
    createdb -h 127.0.0.1 -U postgres fc_bench   # once
    DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/fc_bench \
        .venv/bin/python manage.py migrate -v0
    DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/fc_bench \
        CELERY_BROKER_URL=redis://127.0.0.1:6379/2 .venv/bin/python bench/bundle_import.py --claims 100000
    redis-cli -n 2 flushdb   # drop the queued check tasks

Writes the bundle to a temporary file, imports it through the CLI's streaming path and prints
claims per second for the whole command (validation pass + write pass).
"""

from __future__ import annotations

import argparse
import json
import os
import random
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=100_000)
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.json"
        synthetic_bundle(path, args.claims)
        size = path.stat().st_size
        started = time.perf_counter()
        call_command("import_bundle", str(path), "--quiet")
        elapsed = time.perf_counter() - started
    print(f"{args.claims} claims, {size / 1e6:.1f} MB: {elapsed:.1f} s, {args.claims / elapsed:,.0f} claims/s")


if __name__ == "__main__":
    main()
