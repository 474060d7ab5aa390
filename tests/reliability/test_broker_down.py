"""Broker down: saves through the API and the admin succeed while Redis is dead, and the sweep
checks every one of them once Redis is back."""

from __future__ import annotations

import time

import pytest
import requests
from django.db.models import Count

from claims.models import Claim, Flag
from tests.reliability.browserless import admin_login, admin_submit, form_errors
from tests.reliability.conftest import PASSWORD
from tests.reliability.processes import SWEEP_NOW, RedisServer, celery_worker_logged, free_port, wait_until, web_server
from tests.support import run_manage

pytestmark = [pytest.mark.worker, pytest.mark.slow]

SAVES_PER_SURFACE = 50


def test_it_keeps_every_save_while_the_broker_is_down_and_the_sweep_flags_each_once(
    editor_user, editor_token, service_env, figures
):
    redis = RedisServer(port=free_port())
    redis.start()
    redis.stop()  # the broker existed and died: the URL is right, nothing answers
    env = service_env(CELERY_BROKER_URL=redis.url, CELERY_RESULT_BACKEND=redis.url)
    api_ok, admin_ok, slowest = 0, 0, 0.0
    try:
        with web_server(env) as web:
            api = requests.Session()
            api.headers["Authorization"] = f"Token {editor_token}"
            for i in range(SAVES_PER_SURFACE):
                started = time.monotonic()
                answer = api.post(f"{web.url}/api/v1/claims/", json={
                    "key": f"broker-down-api-{i}", "text": f"Claim {i} saved over the API with no broker"},
                    timeout=60)
                slowest = max(slowest, time.monotonic() - started)
                assert answer.status_code == 201, answer.text
                api_ok += 1
            admin = admin_login(web.url, editor_user.username, PASSWORD)
            for i in range(SAVES_PER_SURFACE):
                started = time.monotonic()
                answer = admin_submit(admin, f"{web.url}/admin/claims/claim/add/", {
                    "key": f"broker-down-admin-{i}", "text": f"Claim {i} saved in the admin with no broker"})
                slowest = max(slowest, time.monotonic() - started)
                assert answer.status_code == 302, form_errors(answer.text)
                admin_ok += 1

        saved = Claim.objects.filter(key__startswith="broker-down-")
        assert saved.count() == 2 * SAVES_PER_SURFACE
        # Every save left its history row, naming the editor.
        created = Claim.history.filter(key__startswith="broker-down-", history_type="+")
        assert created.count() == 2 * SAVES_PER_SURFACE
        assert set(created.values_list("history_user__username", flat=True)) == {editor_user.username}
        # Nothing could be queued, and nothing ran in process instead.
        assert not Flag.objects.exists()

        redis.start()  # same port: the broker comes back empty, every queued message is gone
        with celery_worker_logged(env, name="broker-back", concurrency=2):
            sweep = run_manage("shell", "-c", SWEEP_NOW, env=env)
            assert sweep.returncode == 0, sweep.stderr
            wait_until(lambda: Flag.objects.filter(claim_a__in=saved).count() >= saved.count(), timeout=120,
                       what="a flag for every claim saved while the broker was down")
            # Let the sweep's remaining tasks finish before counting duplicates.
            wait_until(lambda: redis.command("LLEN", "celery") == "0" and redis.command("HLEN", "unacked") in ("0", ""),
                       timeout=60, what="an empty queue")
    finally:
        redis.stop()

    per_claim = dict(Flag.objects.values_list("claim_a__key").annotate(n=Count("id")).values_list("claim_a__key", "n"))
    assert set(per_claim) == set(saved.values_list("key", flat=True))
    assert set(Flag.objects.values_list("code", flat=True)) == {"no_attribution"}
    duplicated = sum(n - 1 for n in per_claim.values())
    assert duplicated == 0
    # A dead broker must not hold a save: by default the Redis result backend retried for 20 s.
    assert slowest < 10
    figures(
        "broker down (Redis killed) during claim saves via API and admin",
        attempted=2 * SAVES_PER_SURFACE, succeeded=api_ok + admin_ok,
        lost=2 * SAVES_PER_SURFACE - saved.count(), duplicated=duplicated,
        flagged_after_recovery=len(per_claim), slowest_save_seconds=round(slowest, 2),
    )
