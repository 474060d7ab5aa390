"""Real services the fault tests start and kill themselves: a Redis server on a free port and the
Django application under gunicorn. Every process gets its own session, so that killing its group
leaves nothing behind."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, TypeVar

import requests

from tests.support import PYTHON, ROOT

T = TypeVar("T")
# Queue the periodic sweep now, from a process whose environment names the broker under test.
SWEEP_NOW = "from claims.tasks import checks_sweep_task; checks_sweep_task.delay()"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(probe: Callable[[], T], *, timeout: float, interval: float = 0.2, what: str = "condition") -> T:
    """Poll until `probe` returns something truthy; raise TimeoutError naming `what` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout:.0f} s")
        time.sleep(interval)


def stop_group(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    """Signal the process's whole session, and SIGKILL it if it has not gone after `timeout`."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    else:
        # The leader has exited; children it left in the group must not outlive the test.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


@dataclass
class RedisServer:
    """A throwaway Redis with no persistence: stopping it loses every queued message, as a crash would."""

    port: int
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        wait_until(self.ping, timeout=20, what=f"redis on port {self.port}")

    def stop(self) -> None:
        if self.proc is not None:
            stop_group(self.proc, signal.SIGKILL)
            self.proc = None

    def ping(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
        return False

    def command(self, *args: str) -> str:
        done = subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, timeout=10)
        return done.stdout.strip()


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer(port=free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _log_file(name: str):
    """Where a child process writes its output: a file, never a pipe nobody reads, since a full pipe
    blocks the child at its next log line (a broker-down traceback per save fills one quickly)."""
    return tempfile.TemporaryFile(prefix=f"{name}-", suffix=".log")


@dataclass
class WebServer:
    url: str
    proc: subprocess.Popen
    log_file: IO[bytes]

    def log(self) -> str:
        self.log_file.seek(0)
        return self.log_file.read().decode(errors="replace")


@contextlib.contextmanager
def web_server(env: dict[str, str], *, threads: int = 1) -> Iterator[WebServer]:
    """The WSGI application under gunicorn (one sync worker unless `threads` > 1), as production runs it.
    One worker keeps the persistent database connection the same from request to request."""
    port = free_port()
    log_file = _log_file("gunicorn")
    proc = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "factcheck.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--threads", str(threads), "--timeout", "120", "--graceful-timeout", "2", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    server = WebServer(url=url, proc=proc, log_file=log_file)

    def answers() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited early: {server.log()[-3000:]}")
        with contextlib.suppress(requests.RequestException):
            return requests.get(f"{url}/healthz", timeout=15).status_code in (200, 503)
        return False

    try:
        wait_until(answers, timeout=60, interval=0.3, what="gunicorn answering /healthz")
        yield server
    finally:
        stop_group(proc)
        log_file.close()


@dataclass
class Worker:
    proc: subprocess.Popen
    hostname: str
    log_file: IO[bytes]

    def log(self) -> str:
        self.log_file.seek(0)
        return self.log_file.read().decode(errors="replace")

    def pool_pids(self) -> list[int]:
        """The prefork children that run the tasks."""
        done = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True, timeout=10)
        return [int(pid) for pid in done.stdout.split()]


@contextlib.contextmanager
def celery_worker_logged(env: dict[str, str], *, name: str, concurrency: int = 1) -> Iterator[Worker]:
    """A real Celery worker whose output goes to a file; ready once it logs so. (A ping is no probe
    here: Celery lets CELERY_BROKER_URL in this process's environment win over the broker it is
    given, so a ping from the test process goes to the suite's broker, not the worker's.)"""
    hostname = f"{name}-{os.getpid()}-{time.monotonic_ns()}@localhost"
    log_file = _log_file("worker")
    proc = subprocess.Popen(
        [PYTHON, "-m", "celery", "-A", "factcheck", "worker", "--loglevel=info", f"--concurrency={concurrency}",
         "--pool=prefork", "-n", hostname, "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
    )
    worker = Worker(proc=proc, hostname=hostname, log_file=log_file)

    def ready() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited early: {worker.log()[-3000:]}")
        return f"{hostname} ready." in worker.log()

    try:
        try:
            wait_until(ready, timeout=90, interval=0.5, what="the celery worker ready")
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}; its log ends: {worker.log()[-3000:]}") from None
        yield worker
    finally:
        stop_group(proc)
        log_file.close()
