"""The periodic sweep fans out per metric: two real workers share it and find what one run finds."""

import re
import time

import pytest
import redis

from claims.checks.engine import sweep_all, sweep_metric_groups
from claims.models import Flag
from claims.synthetic import SyntheticPlan, generate
from claims.tasks import checks_sweep_task
from tests.support import celery_worker, project_env

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
GROUP_FIGURES = 300


def _flags() -> set[tuple]:
    return set(Flag.objects.values_list("kind", "code", "metric_id", "claim_a_id", "claim_b_id", "status"))


def test_two_workers_split_the_sweep_and_agree_with_one_run(test_database_url, settings, tmp_path):
    generate(SyntheticPlan(claims=1500, seed=21))
    sweep_all()
    expected = _flags()
    assert len({flag[1] for flag in expected}) >= 3  # the data set exercises several codes
    Flag.history.all().delete()
    Flag.objects.all().delete()

    # Small groups, so that this small data set still makes several tasks for the two workers.
    env = project_env(DATABASE_URL=test_database_url, CHECKS_SWEEP_GROUP_FIGURES=str(GROUP_FIGURES))
    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()  # no stale messages from other tests
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    with celery_worker(env, name="sweep-1", extra_args=("--loglevel=info", f"--logfile={logs[0]}")), \
         celery_worker(env, name="sweep-2", extra_args=("--loglevel=info", f"--logfile={logs[1]}")):
        checks_sweep_task.delay()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and _flags() != expected:
            time.sleep(1)
        # Let the last tasks finish writing before comparing once more.
        time.sleep(2)
        found = _flags()

    assert found == expected
    done = [len(re.findall(r"claims\.checks_sweep_metrics\[[^\]]+\] succeeded", log.read_text())) for log in logs]
    assert all(n > 0 for n in done), f"metric-group tasks per worker: {done}"
    assert sum(done) == len(sweep_metric_groups(GROUP_FIGURES))
