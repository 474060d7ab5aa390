"""A real Celery worker on the real Redis broker: an edit queues the check and the worker writes
the flag into the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from claims.models import Flag
from factcheck.celery import app
from tests.checks.conftest import Builder

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.worker, pytest.mark.slow]


@pytest.fixture
def worker(transactional_db):
    if not settings.CELERY_BROKER_URL:
        pytest.skip("no broker configured")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "1", "CELERY_BROKER_URL": settings.CELERY_BROKER_URL}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    app.control.purge()
    hostname = f"checks-test-{os.getpid()}@localhost"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "factcheck", "worker", "--pool=solo", "--loglevel=WARNING",
         "-n", hostname, "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[hostname], timeout=1):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the Celery worker did not start")
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_it_writes_the_flag_from_a_worker_after_an_edit_commits(worker):
    build = Builder()
    with transaction.atomic():
        metric = build.metric()
        a = build.claim(figures=[(metric, "exact", "300", "2025-01-13")], chains=[[build.source(grade="B")]])
        b = build.claim(figures=[(metric, "exact", "1000", "2025-01-13")], chains=[[build.source(grade="B")]])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if Flag.objects.filter(code="disjoint_figures", claim_a=a, claim_b=b, status="open").exists():
            break
        time.sleep(0.5)
    else:
        pytest.fail("the worker wrote no conflict flag within 60 s")
    assert "cannot both be true" in Flag.objects.get(code="disjoint_figures").explanation
