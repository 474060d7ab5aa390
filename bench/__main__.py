"""The issue 8 benchmark in one command, from the project root:

    .venv/bin/python -m bench --claims 100000

Recreates its own PostgreSQL database (fc_bench_all), loads the synthetic newsroom once
(claims.synthetic, COPY) and measures, each stage in a process of its own so that its peak memory
(ru_maxrss, read by this process with wait4) is its alone, and so that one capped in memory (4 GB of
address space) or time (15 minutes) fails alone, with the others still measured:

  report       CSV attribution report beside COPY (same query) TO STDOUT (bench/report_export.py)
  sweep        full sweep of the checks on 2 real Celery workers (--sweep-workers; the production
               path), then again in process (must change nothing), beside one plain read of the rows
  incremental  check of one edited claim in a metric of min(100,000, N) figures
  export       bundle export of the whole database to a file (claims/s)
  import       that file into a second fresh database, fc_bench_all_import (claims/s)
  api          list and detail latency in process (median, p95)
  gunicorn     GET /api/v1/claims/?page_size=100 under gunicorn with wrk (or a Python load generator)
  admin        claims and flags change lists as a staff editor

It prints progress on stderr, then a table of target, measured and pass/fail, and writes
bench/results/<date>-<claims>.json. `--chart` only redraws docs/performance-growth.svg from the
results (the latest file per size) and prints them as a Markdown table. Other jobs may share the
machine: the load average is recorded with the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import stages
from bench.chart import growth_table, load_results, write_growth_svg
from bench.common import (
    OUTLIER_SHARE,
    PYTHON,
    REDIS_DB,
    RESULTS_DIR,
    ROOT,
    database_url,
    judge,
    machine,
    recreate_database,
    result_path,
    table,
)

# The report runs before the sweep writes flags: the COPY query it is compared with joins flags with
# an OR over two columns, so its time grows with rows x flags and would measure that join instead.
STAGES = ("report", "sweep", "incremental", "export", "import", "api", "gunicorn", "admin")
SVG = ROOT / "docs" / "performance-growth.svg"


def child_env(url: str) -> dict[str, str]:
    """The stages' environment: the bench database, the bench's own Redis db (checks queued by a
    write wait there instead of running inside a timing), settings as the per-area benches use."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_", "CACHE_"))}
    env.update(DATABASE_URL=url, CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{REDIS_DB}", DJANGO_DEBUG="1",
               DJANGO_SETTINGS_MODULE="factcheck.settings", API_THROTTLE_USER="100000000/min",
               PYTHONPATH=str(ROOT))
    return env


LIMITS = {"memory_mb": 4096, "seconds": 900}


def _cap_memory() -> None:
    # The machine is shared: a stage that grows without bound must fail alone, not wake the OOM
    # killer among other people's processes.
    cap = LIMITS["memory_mb"] * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def run_child(args: list[str], env: dict[str, str]) -> dict:
    """Run one measurement process, capped in memory and time; its JSON answer (last stdout line)
    plus its own peak memory."""
    started = time.perf_counter()
    process = subprocess.Popen([PYTHON, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
                               preexec_fn=_cap_memory)
    timer = threading.Timer(LIMITS["seconds"], process.kill)
    timer.start()
    try:
        output = process.stdout.read()
    finally:
        timer.cancel()
        process.stdout.close()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        elapsed = time.perf_counter() - started
        raise RuntimeError(f"{' '.join(args)} exited with {process.returncode} after {elapsed:.0f} s, peak "
                           f"{usage.ru_maxrss / 1024:.0f} MB (caps: {LIMITS['seconds']} s, {LIMITS['memory_mb']} MB)")
    result = json.loads(output.strip().splitlines()[-1])
    result["process_peak_mb"] = round(usage.ru_maxrss / 1024, 1)
    result["wall_s"] = round(time.perf_counter() - started, 2)
    return result


def stage(name: str, env: dict[str, str], *extra: str) -> dict:
    return run_child(["-m", "bench", "--stage", name, *extra], env)


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}").flushdb()


def measured_figures(results: dict) -> dict[str, float | None]:
    """The numbers the targets are judged on, picked out of the stage results."""
    def pick(*path: str) -> float | None:
        node = results
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    report = results.get("report", {})
    ratio = None
    if "export" in report and "copy" in report:
        ratio = round(report["export"]["seconds"] / report["copy"]["seconds"], 2)
    return {
        "sweep_s": pick("sweep", "first_sweep_s"),
        "incremental_ms": pick("incremental", "median_ms"),
        "import_claims_per_s": pick("import", "claims_per_s"),
        "csv_vs_copy": ratio,
        "csv_peak_mb": pick("report", "export", "process_peak_mb"),
        "api_list_median_ms": pick("api", "list", "median_ms"),
        "api_rps": pick("gunicorn", "requests_per_s"),
        "api_rps_uncached": pick("gunicorn_uncached", "requests_per_s"),
        "admin_max_ms": pick("admin", "max_median_ms"),
    }


def measure_stage(name: str, args: argparse.Namespace, env: dict[str, str], import_url: str, folder: str,
                  bundle: str, results: dict) -> None:
    url = env["DATABASE_URL"]
    if name == "export" or (name == "import" and "claims_per_s" not in results.get("export", {})):
        results["export"] = stage("export", env, "--bundle", bundle)
        if name == "export":
            return
    if name == "import":
        recreate_database(import_url)
        results["import"] = stage("import", child_env(import_url), "--bundle", bundle)
    elif name == "report":
        script = ["bench/report_export.py", "--db-url", url, "--phase"]
        results["report"] = {"copy": run_child([*script, "copy"], env), "export": run_child([*script, "export"], env)}
        # The export gives a claim with no chain one row of its own; the COPY query joins links only.
        stages.log(f"report: export {results['report']['export']['rows']:,} rows, "
                   f"COPY {results['report']['copy']['rows']:,} rows")
    elif name == "gunicorn":
        import redis

        from bench.throughput import measure

        log_path = Path(tempfile.gettempdir()) / "bench-gunicorn.log"
        # As deployed: throttle counters and the response cache in Redis (databases of the bench's
        # own, emptied first), the cache on. Then the same load with the cache off: the cost of
        # building every page, which is what a reader pays after each write.
        cache_url, api_cache_url = (f"redis://127.0.0.1:6379/{n}" for n in (REDIS_DB + 1, REDIS_DB + 2))
        for url in (cache_url, api_cache_url):
            redis.Redis.from_url(url).flushdb()
        served = {**env, "CACHE_URL": cache_url, "API_CACHE_URL": api_cache_url}
        for name, cached in (("gunicorn", "1"), ("gunicorn_uncached", "0")):
            results[name] = measure({**served, "API_RESPONSE_CACHE": cached}, workers=args.workers,
                                    seconds=args.seconds, connections=args.connections, log_path=log_path)
            stages.log(f"{name}: {results[name]['requests_per_s']:,.0f} req/s, "
                       f"{results[name]['non_2xx']} answers other than 200")
    else:
        extra = ["--runs", str(args.runs)] if name in ("api", "admin") else []
        if name == "sweep":
            extra = ["--sweep-workers", str(args.sweep_workers)]
        results[name] = stage(name, env, *extra)


def run_all(args: argparse.Namespace) -> dict:
    url, import_url = args.database_url, args.database_url + "_import"
    env = child_env(url)
    chosen = [name for name in STAGES if name not in args.skip]
    results: dict = {}
    flush_redis()
    started = time.perf_counter()
    if not args.skip_load:
        stages.log(f"load: recreating {url.rsplit('/', 1)[1]} and generating {args.claims:,} claims")
        recreate_database(url)
        results["load"] = stage("load", env, "--claims", str(args.claims), "--seed", str(args.seed),
                                "--outlier-share", str(args.outlier_share))
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        bundle = str(Path(folder) / "bundle.json")
        for name in chosen:
            stages.log(f"{name}: starting")
            try:
                measure_stage(name, args, env, import_url, folder, bundle, results)
            except Exception as error:  # one failed stage must not lose the others' figures
                stages.log(f"{name}: FAILED: {error}")
                results[name] = {"error": str(error)}
    flush_redis()  # the checks the import and the edits queued: nobody will run them
    return {"claims": args.claims, "seed": args.seed, "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": " ".join([".venv/bin/python -m bench", *sys.argv[1:]]),
            "machine": machine(), "total_s": round(time.perf_counter() - started, 1), "stages": results}


def run_stage(args: argparse.Namespace) -> None:
    if args.stage == "load":
        result = stages.stage_load(args.claims, args.seed, args.outlier_share)
    elif args.stage in ("export", "import"):
        result = getattr(stages, f"stage_{args.stage}")(args.bundle)
    elif args.stage == "sweep":
        result = stages.stage_sweep(args.sweep_workers)
    elif args.stage in ("api", "admin"):
        result = getattr(stages, f"stage_{args.stage}")(args.runs)
    else:
        result = getattr(stages, f"stage_{args.stage}")()
    print(json.dumps(result, default=str))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=database_url("fc_bench_all"))
    parser.add_argument("--outlier-share", type=float, default=OUTLIER_SHARE,
                        help="share of synthetic figures made outliers, the only source of conflicts (capped "
                             f"per metric; default {OUTLIER_SHARE}, the generator's own)")
    parser.add_argument("--skip-load", action="store_true", help="reuse the data already in the database")
    parser.add_argument("--skip", nargs="*", default=[], choices=STAGES, help="stages to leave out")
    parser.add_argument("--runs", type=int, default=30, help="requests per page in the in-process timings")
    parser.add_argument("--sweep-workers", type=int, default=2,
                        help="Celery worker processes for the first (production) sweep; 0: both sweeps in process")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections of the load")
    parser.add_argument("--seconds", type=int, default=20, help="duration of the load")
    parser.add_argument("--memory-limit-mb", type=int, default=LIMITS["memory_mb"],
                        help="address-space cap of each stage process")
    parser.add_argument("--stage-timeout", type=int, default=LIMITS["seconds"], help="seconds before a stage is killed")
    parser.add_argument("--chart", action="store_true", help=f"only redraw {SVG.relative_to(ROOT)} and print the table")
    parser.add_argument("--stage", choices=("load", *STAGES), help=argparse.SUPPRESS)
    parser.add_argument("--bundle", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        run_stage(args)
        return
    if args.chart:
        print(write_growth_svg(RESULTS_DIR, SVG))
        print(growth_table(load_results(RESULTS_DIR)))
        return
    LIMITS.update(memory_mb=args.memory_limit_mb, seconds=args.stage_timeout)
    if args.claims < 100:
        parser.error("--claims must be at least 100")
    outcome = run_all(args)
    outcome["measured"] = measured_figures(outcome["stages"])
    outcome["verdicts"] = judge(outcome["measured"])
    if "error" in outcome["stages"].get("sweep", {}):
        # A failed sweep rolls back: no flags and empty check columns, so these figures measure a
        # lighter database than a real one and are kept out of the growth chart.
        reason = "the sweep did not finish: no flags, empty check columns"
        outcome["not_comparable"] = dict.fromkeys(("incremental_ms", "admin_max_ms"), reason)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = result_path(args.claims)
    path.write_text(json.dumps(outcome, indent=2, default=str) + "\n")
    print(f"{args.claims:,} claims; targets are for 1,000,000 claims; load average at the end "
          f"{outcome['machine']['load_average']}; {outcome['total_s']:.0f} s in all")
    settings = outcome["machine"].get("postgresql_settings", {})
    print("PostgreSQL: " + ", ".join(f"{name}={value}" for name, value in settings.items()))
    print(table(outcome["verdicts"]))
    stages_done = outcome["stages"]
    if "requests_per_s" in stages_done.get("gunicorn_uncached", {}):
        print(f"API list under gunicorn with the response cache off: "
              f"{stages_done['gunicorn_uncached']['requests_per_s']:,.1f} req/s")
    if "recurring_sweep_workers_s" in stages_done.get("sweep", {}):
        sweep = stages_done["sweep"]
        print(f"recurring full sweep (checks up to date) on {sweep['first_sweep_workers']} Celery workers: "
              f"{sweep['recurring_sweep_workers_s']:,.1f} s")
    if "outlier_edit" in stages_done.get("incremental", {}):
        edit, undo = stages_done["incremental"]["outlier_edit"], stages_done["incremental"]["outlier_undo"]
        print(f"incremental check of an edit that makes the figure an outlier: {edit['ms']:,.0f} ms "
              f"({edit['flag_changes']:,} flag changes), its undo {undo['ms']:,.0f} ms ({undo['flag_changes']:,})")
    print(f"results: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
