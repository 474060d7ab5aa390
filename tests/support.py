"""Helpers for tests that run real processes: a Celery worker, a Django command in a subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def project_env(**overrides: str | None) -> dict[str, str]:
    """The current environment with overrides; a value of None removes the variable."""
    env = dict(os.environ)
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_manage(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


_HEALTH_PROBE = """
import json, django
django.setup()
from django.test import Client
response = Client(HTTP_HOST="localhost").get("/healthz")
print(json.dumps({"code": response.status_code, "body": response.json()}))
"""


def healthz_in_subprocess(env: dict[str, str]) -> tuple[int, dict]:
    """GET /healthz in a fresh process, so that settings read from `env` take full effect."""
    env = {**env, "DJANGO_SETTINGS_MODULE": "factcheck.settings"}
    done = subprocess.run(
        [PYTHON, "-c", _HEALTH_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["code"], result["body"]


@contextlib.contextmanager
def celery_worker(env: dict[str, str], *, name: str = "test", concurrency: int = 1,
                  extra_args: tuple[str, ...] = ()) -> Iterator[subprocess.Popen]:
    """A real Celery worker process for the duration of the block; killed (with its children) after.
    Its output goes to a file, never to a pipe that nobody reads (a full pipe freezes the worker)."""
    hostname = f"{name}-{os.getpid()}-{time.monotonic_ns()}@localhost"
    with tempfile.TemporaryFile() as output:
        proc = subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "factcheck", "worker", "--loglevel=warning",
             f"--concurrency={concurrency}", "--pool=prefork", "-n", hostname, "--without-gossip",
             "--without-mingle", *extra_args],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            _wait_for_ping(env, hostname, proc, output)
            yield proc
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 15)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait(timeout=10)


def _wait_for_ping(env: dict[str, str], hostname: str, proc: subprocess.Popen, output, timeout: float = 60) -> None:
    probe = (
        "import sys; from celery import Celery; app = Celery(broker=sys.argv[1]);"
        "print(len(app.control.ping(destination=[sys.argv[2]], timeout=1.0) or []))"
    )
    # The probe gets the worker's environment: Celery lets CELERY_BROKER_URL override the broker it is
    # given, so a probe with this process's environment could ask another broker.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            output.seek(0)
            raise RuntimeError(f"celery worker exited early: {output.read().decode()[-2000:]}")
        out = subprocess.run([PYTHON, "-c", probe, env["CELERY_BROKER_URL"], hostname],
                             capture_output=True, text=True, timeout=30, env=env)
        if out.stdout.strip() == "1":
            return
        time.sleep(0.5)
    raise TimeoutError("celery worker did not answer a ping within the timeout")
