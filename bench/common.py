"""Helpers shared by the one-command benchmark (`python -m bench`): where results go, the machine they
came from, the targets of issue 8 and how a measured figure is judged against them."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "bench" / "results"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
REDIS_DB = 12
# claims.synthetic.OUTLIER_SHARE, repeated here because the parent process does not set Django up
# (tests/bench checks that the two agree).
OUTLIER_SHARE = 0.02


@dataclass(frozen=True)
class Target:
    """One line of the issue 8 table. Targets are stated for 1,000,000 claims; smaller runs are judged
    against the same numbers, which says how much headroom is left rather than that the goal is met."""

    key: str
    label: str
    unit: str
    limit: float
    higher_is_better: bool = False

    def passes(self, measured: float | None) -> bool | None:
        if measured is None:
            return None
        return measured >= self.limit if self.higher_is_better else measured <= self.limit

    def load(self, measured: float | None) -> float | None:
        """Share of the budget used (1.0 = exactly on target, above 1 = missed), the same way round
        for times and rates, so that one chart can carry every line."""
        if measured is None or measured <= 0:
            return None
        return self.limit / measured if self.higher_is_better else measured / self.limit

    def describe(self) -> str:
        sign = ">=" if self.higher_is_better else "<"
        return f"{sign} {self.limit:g} {self.unit}"


TARGETS = [
    Target("sweep_s", "full sweep of the checks", "s", 120),
    Target("incremental_ms", "incremental check, one claim in the hot metric", "ms", 100),
    Target("import_claims_per_s", "bundle import", "claims/s", 5000, higher_is_better=True),
    Target("csv_vs_copy", "CSV report time / COPY time", "x", 3),
    Target("csv_peak_mb", "CSV report peak memory", "MB", 300),
    Target("api_list_median_ms", "API list median (in process)", "ms", 50),
    Target("api_rps", "API list under gunicorn (response cache on)", "req/s", 300, higher_is_better=True),
    Target("admin_max_ms", "slowest admin change list (median)", "ms", 500),
]


def database_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def recreate_database(url: str) -> None:
    """Drop and create the database named by url: every run starts from the same empty schema."""
    from bench.sweep import recreate

    recreate(url)


def machine() -> dict:
    """What the figures depend on. The load average matters: the machine is shared with other jobs."""
    with open("/proc/meminfo") as meminfo:
        total_kb = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(total_kb / 1024 / 1024, 1),
        "postgresql": _postgres_setting("server_version"),
        # The server settings the sweep and the loads are most sensitive to (docs/performance.md):
        # with the defaults (128MB, 1GB) a first sweep of a million claims checkpoints every few
        # seconds and the backends evict their own dirty pages.
        "postgresql_settings": {name: _postgres_setting(name) for name in POSTGRES_SETTINGS},
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpu_model": _cpu_model(),
        "python_reference_s": python_reference_s(),
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    except OSError:
        return "?"


def python_reference_s(rounds: int = 3) -> float:
    """CPU seconds of a fixed pure-Python loop, best of `rounds`. Machines of the same kind here ran
    the same code up to three times slower than others (docs/performance.md), and the load average
    does not show it: dividing a run's figures by this one puts runs from different machines side
    by side."""
    best = float("inf")
    for _ in range(rounds):
        started, total = time.process_time(), 0
        for i in range(2_000_000):
            total += i * i
        best = min(best, time.process_time() - started)
    return round(best, 3)


POSTGRES_SETTINGS = ("shared_buffers", "max_wal_size", "work_mem", "jit", "random_page_cost", "autovacuum")


def _postgres_setting(name: str) -> str:
    try:
        return subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", f"SHOW {name}"],
            capture_output=True, text=True, timeout=10, check=False,
        ).stdout.strip() or "?"
    except OSError:
        return "?"


def result_path(claims: int, today: dt.date | None = None) -> Path:
    return RESULTS_DIR / f"{(today or dt.datetime.now(dt.UTC).date()).isoformat()}-{claims}.json"


def judge(measured: dict[str, float | None]) -> list[dict]:
    """One row per target: what was measured and whether it meets the target."""
    rows = []
    for target in TARGETS:
        value = measured.get(target.key)
        rows.append({"key": target.key, "label": target.label, "target": target.describe(), "unit": target.unit,
                     "measured": value, "pass": target.passes(value)})
    return rows


def table(rows: list[dict]) -> str:
    lines = [f"{'measurement':50} {'target':>16} {'measured':>12}  result"]
    for row in rows:
        value = "-" if row["measured"] is None else f"{row['measured']:,.1f} {row['unit']}"
        verdict = {True: "pass", False: "FAIL", None: "not run"}[row["pass"]]
        lines.append(f"{row['label']:50} {row['target']:>16} {value:>12}  {verdict}")
    return "\n".join(lines)
