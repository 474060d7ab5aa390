"""The quickstart path: SQLite and eager tasks, no service at all."""

import sqlite3

from tests.support import healthz_in_subprocess, project_env, run_manage


def test_the_quickstart_migrates_loads_the_demo_and_answers_healthz(tmp_path):
    env = project_env(DATABASE_URL=None, CELERY_BROKER_URL=None, DJANGO_DEBUG="1", FACTCHECK_VAR_DIR=str(tmp_path))
    done = run_manage("quickstart", env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "username 'editor', password '" in done.stdout

    database = tmp_path / "factcheck.sqlite3"
    assert database.exists()
    with sqlite3.connect(database) as conn:
        editors = conn.execute(
            "SELECT count(*) FROM auth_user u JOIN auth_user_groups ug ON ug.user_id = u.id "
            "JOIN auth_group g ON g.id = ug.group_id WHERE u.username = 'editor' AND g.name = 'editor' AND u.is_staff"
        ).fetchone()[0]
    assert editors == 1

    code, body = healthz_in_subprocess(env)
    assert code == 200
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == "in_process"


def test_the_quickstart_can_run_twice(tmp_path):
    env = project_env(DATABASE_URL=None, CELERY_BROKER_URL=None, DJANGO_DEBUG="1", FACTCHECK_VAR_DIR=str(tmp_path))
    assert run_manage("quickstart", env=env, timeout=300).returncode == 0
    again = run_manage("quickstart", env=env, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "Demo editor reset" in again.stdout
