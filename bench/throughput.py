"""Requests per second of the claim list under gunicorn, driven from this machine to 127.0.0.1 only.

gunicorn runs the production settings (DJANGO_DEBUG=0) against the bench database. The load comes
from `wrk` when it is installed, otherwise from a small bounded generator here (threads, one
keep-alive connection each, a fixed duration). Both share the machine's cores with gunicorn and
PostgreSQL, so the figure is a floor for a server with the database elsewhere.

The server's API response cache (claims/api/response_cache.py) is off unless the environment says
API_RESPONSE_CACHE=1 (`--response-cache on` below); the result records which, and for a cached run
how many pages were built (entries written to the cache's Redis database), so hits and misses can be
told apart. Run alone:

    .venv/bin/python -m bench.throughput --database-url postgres://postgres@127.0.0.1:5432/fc_api_bench \
        --cache-url redis://127.0.0.1:6379/5 --api-cache-url redis://127.0.0.1:6379/6 --response-cache off

Results are in docs/api.md ("Throughput under gunicorn").
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.common import PYTHON, ROOT

PATH = "/api/v1/claims/?page_size=100"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(base: dict[str, str]) -> dict[str, str]:
    """Production settings for a plain-HTTP run on the loopback: no TLS redirect, no HSTS. The user
    throttle is lifted, since the bench measures the service rather than its rate limit."""
    return {
        **base,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "API_THROTTLE_USER": "100000000/min",
    }


def _wait_healthy(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode} before answering")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def _worker_peaks_mb(master: int) -> list[float]:
    """Peak resident memory (VmHWM) of each gunicorn worker, read before they stop."""
    peaks = []
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return peaks
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if match:
            peaks.append(round(int(match.group(1)) / 1024, 1))
    return peaks


@contextmanager
def gunicorn(
    env: dict[str, str], workers: int, log_path: Path, app: str = "factcheck.wsgi:application"
) -> Iterator[tuple[int, subprocess.Popen]]:
    """A gunicorn on a free loopback port; stopped (and killed if it lingers) however the block ends."""
    port = free_port()
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                str(Path(PYTHON).with_name("gunicorn")),
                app,
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_healthy(port, server)
            yield port, server
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> dict:
    """Requests/s, latency percentiles and error counts from `wrk --latency` output."""
    result: dict = {"tool": "wrk"}
    result["requests_per_s"] = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    result["requests"] = int(re.search(r"(\d+) requests in", output).group(1))
    for share, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", output, flags=re.MULTILINE):
        result[f"p{share}_ms"] = round(_ms(value), 2)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx"] = int(non_2xx.group(1)) if non_2xx else 0
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    result["socket_errors"] = sum(int(n) for n in errors.groups()) if errors else 0
    return result


def run_wrk(port: int, token: str, seconds: int, connections: int) -> dict:
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "10s",
            "-H",
            f"Authorization: Token {token}",
            "-H",
            "Accept: application/json",
            f"http://127.0.0.1:{port}{PATH}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    return parse_wrk(output)


def run_threads(port: int, token: str, seconds: int, connections: int) -> dict:
    """The fallback load generator: `connections` threads, each on its own keep-alive connection,
    for a fixed number of seconds; every answer is read in full and its status counted."""
    stop_at = time.monotonic() + seconds
    latencies: list[list[float]] = [[] for _ in range(connections)]
    failures = [0] * connections
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}

    def drive(slot: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                conn.request("GET", PATH, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                ok = False
            latencies[slot].append((time.perf_counter() - started) * 1000)
            failures[slot] += not ok
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=drive, args=(slot,), daemon=True) for slot in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    elapsed = time.monotonic() - started
    flat = sorted(t for slot in latencies for t in slot)
    pick = (lambda share: round(flat[min(len(flat) - 1, int(share * len(flat)))], 2)) if flat else (lambda _: None)
    return {
        "tool": "python threads",
        "requests": len(flat),
        "requests_per_s": round(len(flat) / elapsed, 1),
        "p50_ms": pick(0.5),
        "p90_ms": pick(0.9),
        "p99_ms": pick(0.99),
        "non_2xx": sum(failures),
        "socket_errors": 0,
    }


def issue_token(env: dict[str, str]) -> str:
    """A researcher's token, through the documented command."""
    return (
        subprocess.run(
            [PYTHON, "manage.py", "issue_token", "bench", "--role", "researcher", "--name", "bench load"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time so far of these processes (clock ticks in /proc/<pid>/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _serving_pids(master: int, database_url: str) -> tuple[list[int], list[int]]:
    """The gunicorn workers, and the PostgreSQL backends connected to the bench database (the
    workers keep theirs open: CONN_MAX_AGE)."""
    try:
        workers = [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        workers = []
    name = database_url.rsplit("/", 1)[-1]
    out = subprocess.run(
        [
            "psql",
            database_url,
            "-Atc",
            f"SELECT pid FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return workers, [int(line) for line in out.split() if line.strip().isdigit()]


def _cache_entries(env: dict[str, str]) -> int | None:
    """Entries in the response cache's Redis database (None when it is not a Redis of its own)."""
    url = env.get("API_CACHE_URL", "")
    if not url.startswith("redis://"):
        return None
    import redis

    return redis.Redis.from_url(url).dbsize()


def measure(
    env: dict[str, str],
    *,
    workers: int,
    seconds: int,
    connections: int,
    log_path: Path,
    app: str = "factcheck.wsgi:application",
) -> dict:
    token = issue_token(env)
    # Uncached unless the environment asks for the cache, so that `python -m bench` stays comparable
    # with its earlier runs; the server is told explicitly (its settings default to on).
    cached = env.get("API_RESPONSE_CACHE", "0").strip().lower() in ("1", "true", "yes", "on")
    served = {**server_env(env), "API_RESPONSE_CACHE": "1" if cached else "0"}
    with gunicorn(served, workers, log_path, app) as (port, server):
        drive = run_wrk if shutil.which("wrk") else run_threads
        drive(port, token, min(3, seconds), connections)  # warm up: workers import lazily
        entries_before = _cache_entries(env) if cached else None
        workers, backends = _serving_pids(server.pid, env.get("DATABASE_URL", ""))
        cpu_before = _cpu_seconds(workers), _cpu_seconds(backends)
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = drive(port, token, seconds, connections)
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_after = _cpu_seconds(workers), _cpu_seconds(backends)
        entries_after = _cache_entries(env) if cached else None
        # CPU per request, which the machine's other load does not change much (unlike the rate):
        # what 2 dedicated cores could serve is about 2000 / (gunicorn + PostgreSQL + load generator) ms.
        if result.get("requests"):
            result["cpu_ms_per_request"] = {
                "gunicorn": round((cpu_after[0] - cpu_before[0]) * 1000 / result["requests"], 2),
                "postgresql": round((cpu_after[1] - cpu_before[1]) * 1000 / result["requests"], 2),
                # wrk (a child process); zero with the thread generator, which runs in this process.
                "load_generator": round(
                    (
                        children_after.ru_utime
                        + children_after.ru_stime
                        - children_before.ru_utime
                        - children_before.ru_stime
                    )
                    * 1000
                    / result["requests"],
                    2,
                ),
            }
        result["worker_peak_mb"] = _worker_peaks_mb(server.pid)
    result.update(workers=workers, connections=connections, seconds=seconds, response_cache=cached)
    if entries_before is not None and entries_after is not None:
        # Every miss stores one entry (new generation, same URL and caller): pages built in the run.
        result["pages_built"] = entries_after - entries_before
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="Requests/s of the claim list under gunicorn.")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--cache-url", default="", help="Redis URL for throttle counters (CACHE_URL).")
    parser.add_argument("--api-cache-url", default="", help="Redis URL for the response cache (API_CACHE_URL).")
    parser.add_argument("--response-cache", choices=("on", "off"), default="on")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    # Another WSGI callable (importable through PYTHONPATH) to compare a variant of the code A/B.
    parser.add_argument("--app", default="factcheck.wsgi:application")
    args = parser.parse_args()
    # DJANGO_DEBUG=1 for the token command only: server_env() gives gunicorn the production settings.
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": args.database_url,
        "CACHE_URL": args.cache_url,
        "API_CACHE_URL": args.api_cache_url,
        "API_RESPONSE_CACHE": "1" if args.response_cache == "on" else "0",
    }
    if args.api_cache_url and args.response_cache == "on":
        import redis

        redis.Redis.from_url(args.api_cache_url).flushdb()  # a database of its own: start empty
    log_path = Path(tempfile.gettempdir()) / f"bench-gunicorn-{os.getpid()}.log"
    result = measure(
        env, workers=args.workers, seconds=args.seconds, connections=args.connections, log_path=log_path, app=args.app
    )
    result["app"] = args.app
    result["load_average"] = os.getloadavg()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
