"""Workers that die mid-sweep, and sweeps that overlap: the flags come out as from one quiet run."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from claims.bundle.importer import bundle_import
from claims.checks.engine import sweep_all, sweep_metric_ids
from claims.models import FigureCheck, Flag
from tests.reliability.processes import SWEEP_NOW, celery_worker_logged, redis_server, stop_group, wait_until
from tests.support import ROOT, run_manage

pytestmark = [pytest.mark.worker, pytest.mark.slow]

DEMO = Path(ROOT) / "demo" / "demo-bundle.json"
_ADVISORY_NAMESPACE = 4  # the one claims.checks.engine locks a metric's sweep under


def flag_state() -> set[tuple]:
    return set(Flag.objects.values_list("kind", "code", "metric_id", "claim_a_id", "claim_b_id", "status"))


def forget_the_checks() -> None:
    """Back to a database the checks have never seen: no flags, no stored check columns."""
    Flag.objects.all().delete()
    FigureCheck.objects.all().delete()


@pytest.fixture
def demo_checked(transactional_db) -> set[tuple]:
    """The demo imported and swept once, undisturbed, in this process: the flags every run must reach."""
    bundle_import(data=json.loads(DEMO.read_text()))
    sweep_all()
    expected = flag_state()
    assert expected, "the demo must raise flags for this test to mean anything"
    forget_the_checks()
    return expected


def blocked_on_advisory_lock(database_url: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as probe:
        return probe.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
        ).fetchone()[0]


def test_it_redelivers_the_sweep_task_of_a_killed_worker_and_ends_with_the_quiet_flags(
    demo_checked, service_env, test_database_url, figures
):
    metric_ids = sweep_metric_ids()
    with redis_server() as redis:
        env = service_env(CELERY_BROKER_URL=redis.url, CELERY_RESULT_BACKEND=redis.url, CELERY_VISIBILITY_TIMEOUT="5")
        # Hold every metric's sweep lock: the worker's first metric task stops inside its
        # transaction, which is where it gets killed.
        holder = psycopg.connect(test_database_url, autocommit=True)
        try:
            for metric_id in metric_ids:
                holder.execute("SELECT pg_advisory_lock(%s, %s)", [_ADVISORY_NAMESPACE, metric_id])
            with celery_worker_logged(env, name="doomed") as doomed:
                sweep = run_manage("shell", "-c", SWEEP_NOW, env=env)
                assert sweep.returncode == 0, sweep.stderr
                wait_until(lambda: blocked_on_advisory_lock(test_database_url) >= 1, timeout=60,
                           what="the worker inside a metric sweep")
                stop_group(doomed.proc, signal.SIGKILL)
            in_flight = int(redis.command("HLEN", "unacked") or 0)
            assert in_flight >= 1, "the killed task should still be unacknowledged"
            assert not Flag.objects.exists()
        finally:
            holder.close()  # releases the locks

        with celery_worker_logged(env, name="heir"):
            wait_until(lambda: flag_state() == demo_checked, timeout=120, interval=0.5,
                       what="the flags of an undisturbed run")
            wait_until(lambda: redis.command("LLEN", "celery") == "0" and redis.command("HLEN", "unacked") in ("0", ""),
                       timeout=60, what="an empty queue")
    assert flag_state() == demo_checked
    figures("worker SIGKILLed inside a metric sweep task (acks_late, visibility timeout 5 s)",
            attempted=len(demo_checked), succeeded=len(flag_state() & demo_checked),
            lost=len(demo_checked - flag_state()), duplicated=Flag.objects.count() - len(demo_checked),
            redelivered_tasks=in_flight)


def test_two_sweeps_at_once_leave_one_flag_per_finding(demo_checked, figures):
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            sweep_all()
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert flag_state() == demo_checked
    assert Flag.objects.count() == len(demo_checked)
    figures("two full sweeps started at once", attempted=2, succeeded=2 - len(errors), lost=0,
            duplicated=Flag.objects.count() - len(demo_checked))
