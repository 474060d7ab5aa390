"""A real Celery worker on the real Redis broker: an edit queues the check and the worker writes
the flag into the test database."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db import transaction

from claims.models import Flag
from factcheck.celery import app
from tests.checks.conftest import Builder
from tests.support import celery_worker, project_env

pytestmark = [pytest.mark.worker, pytest.mark.slow]


@pytest.fixture
def worker(transactional_db, test_database_url):
    if not settings.CELERY_BROKER_URL:
        pytest.skip("no broker configured")
    app.control.purge()
    with celery_worker(project_env(DATABASE_URL=test_database_url), name="checks-test",
                       extra_args=("--pool=solo",)) as process:
        yield process


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
