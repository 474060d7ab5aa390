"""/healthz in its three states, against real services (each state in a fresh process)."""

import socket

import pytest

from tests.support import celery_worker, healthz_in_subprocess, project_env


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_is_ok_with_database_broker_and_a_worker(test_database_url):
    env = project_env(DATABASE_URL=test_database_url)
    with celery_worker(env, name="health"):
        code, body = healthz_in_subprocess(env)
    assert code == 200
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == "ok"
    assert body["workers"] >= 1


def test_it_is_ok_with_tasks_in_process(test_database_url):
    code, body = healthz_in_subprocess(project_env(DATABASE_URL=test_database_url, CELERY_BROKER_URL=None))
    assert code == 200
    assert body == {"status": "ok", "database": "ok", "broker": "in_process", "workers": "in_process"}


def test_it_is_degraded_but_up_when_the_broker_is_down(test_database_url):
    env = project_env(DATABASE_URL=test_database_url, CELERY_BROKER_URL=f"redis://127.0.0.1:{_closed_port()}/0")
    code, body = healthz_in_subprocess(env)
    assert code == 200
    assert body["status"] == "degraded"
    assert body["database"] == "ok"
    assert body["broker"] == "down"


def test_it_is_degraded_when_no_worker_answers(test_database_url):
    # A Redis database no worker listens on: the broker answers, nobody consumes.
    env = project_env(DATABASE_URL=test_database_url, CELERY_BROKER_URL="redis://127.0.0.1:6379/14")
    code, body = healthz_in_subprocess(env)
    assert code == 200
    assert body["status"] == "degraded"
    assert body["broker"] == "ok"
    assert body["workers"] == 0


def test_it_answers_503_when_the_database_is_down():
    env = project_env(DATABASE_URL=f"postgres://postgres@127.0.0.1:{_closed_port()}/factcheck")
    code, body = healthz_in_subprocess(env)
    assert code == 503
    assert body["status"] == "down"
    assert body["database"] == "down"


@pytest.mark.django_db
def test_it_refuses_methods_other_than_get(client):
    assert client.post("/healthz").status_code == 405
