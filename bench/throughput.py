"""Requests per second of the claim list under gunicorn, driven from this machine to 127.0.0.1 only.

gunicorn runs the production settings (DJANGO_DEBUG=0) against the bench database. The load comes
from `wrk` when it is installed, otherwise from a small bounded generator here (threads, one
keep-alive connection each, a fixed duration). Both share the machine's cores with gunicorn and
PostgreSQL, so the figure is a floor for a server with the database elsewhere.
"""

from __future__ import annotations

import http.client
import re
import secrets
import shutil
import signal
import socket
import subprocess
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
    return {**base, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_HSTS_SECONDS": "0", "API_THROTTLE_USER": "100000000/min"}


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
def gunicorn(env: dict[str, str], workers: int, log_path: Path) -> Iterator[tuple[int, subprocess.Popen]]:
    """A gunicorn on a free loopback port; stopped (and killed if it lingers) however the block ends."""
    port = free_port()
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(Path(PYTHON).with_name("gunicorn")), "factcheck.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
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
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
         "-H", f"Authorization: Token {token}", "-H", "Accept: application/json",
         f"http://127.0.0.1:{port}{PATH}"],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
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
    return {"tool": "python threads", "requests": len(flat), "requests_per_s": round(len(flat) / elapsed, 1),
            "p50_ms": pick(0.5), "p90_ms": pick(0.9), "p99_ms": pick(0.99), "non_2xx": sum(failures),
            "socket_errors": 0}


def issue_token(env: dict[str, str]) -> str:
    """A researcher's token, through the documented command."""
    return subprocess.run(
        [PYTHON, "manage.py", "issue_token", "bench", "--role", "researcher", "--name", "bench load"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()[-1]


def measure(env: dict[str, str], *, workers: int, seconds: int, connections: int, log_path: Path) -> dict:
    token = issue_token(env)
    with gunicorn(server_env(env), workers, log_path) as (port, server):
        drive = run_wrk if shutil.which("wrk") else run_threads
        drive(port, token, min(3, seconds), connections)  # warm up: workers import lazily
        result = drive(port, token, seconds, connections)
        result["worker_peak_mb"] = _worker_peaks_mb(server.pid)
    result.update(workers=workers, connections=connections, seconds=seconds)
    return result
