"""Production settings: refuse to start without a real secret, and pass `check --deploy`."""

import secrets

from tests.support import project_env, run_manage

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": "factcheck.example.org",
}


def test_production_refuses_to_start_without_a_secret_key():
    done = run_manage("check", env=project_env(**PRODUCTION, DJANGO_SECRET_KEY=None))
    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in done.stderr


def test_production_refuses_a_weak_secret_key():
    done = run_manage("check", env=project_env(**PRODUCTION, DJANGO_SECRET_KEY="short"))
    assert done.returncode != 0
    assert "too weak for production" in done.stderr


def test_a_bad_boolean_stops_the_process_with_its_name():
    done = run_manage("check", env=project_env(DJANGO_DEBUG="maybe"))
    assert done.returncode != 0
    assert "DJANGO_DEBUG='maybe' is not a boolean" in done.stderr


def test_check_deploy_is_clean_with_production_settings():
    env = project_env(**PRODUCTION, DJANGO_SECRET_KEY=secrets.token_urlsafe(64))
    done = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_the_embedded_quickstart_needs_no_environment_at_all(tmp_path):
    env = project_env(DJANGO_DEBUG=None, DATABASE_URL=None, CELERY_BROKER_URL=None, DJANGO_SECRET_KEY=None,
                      FACTCHECK_VAR_DIR=str(tmp_path))
    done = run_manage("check", env=env)
    assert done.returncode == 0, done.stderr


def test_a_named_database_without_debug_is_production_and_needs_a_secret(tmp_path):
    env = project_env(DJANGO_DEBUG=None, DJANGO_SECRET_KEY=None,
                      DATABASE_URL="postgres://postgres@127.0.0.1:5432/factcheck")
    done = run_manage("check", env=env)
    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in done.stderr
