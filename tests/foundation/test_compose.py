"""Docker cannot run here, so the compose file is checked for its services and their wiring."""

from pathlib import Path

import pytest
import yaml

DOCKER = Path(__file__).resolve().parents[2] / "docker"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yml").read_text())


def test_it_defines_the_five_services(compose):
    assert set(compose["services"]) == {"web", "worker", "beat", "db", "redis"}


def test_web_worker_and_beat_share_one_image(compose):
    services = compose["services"]
    images = {services[name]["image"] for name in ("web", "worker", "beat")}
    assert len(images) == 1
    assert services["web"]["build"]["dockerfile"] == "docker/Dockerfile"
    assert (DOCKER / "Dockerfile").exists()


def test_the_app_services_point_at_db_and_redis_and_wait_for_them(compose):
    for name in ("web", "worker", "beat"):
        service = compose["services"][name]
        assert "@db:5432/" in service["environment"]["DATABASE_URL"]
        assert service["environment"]["CELERY_BROKER_URL"].startswith("redis://redis:6379")
        assert service["depends_on"]["db"]["condition"] == "service_healthy"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"


def test_the_roles_run_the_right_commands(compose):
    services = compose["services"]
    assert "gunicorn factcheck.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A factcheck worker")
    assert services["beat"]["command"].startswith("celery -A factcheck beat")


def test_every_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        assert service.get("healthcheck", {}).get("test"), name
    assert "/healthz" in " ".join(compose["services"]["web"]["healthcheck"]["test"])


def test_the_database_and_broker_versions_are_pinned(compose):
    assert compose["services"]["db"]["image"] == "postgres:16"
    assert compose["services"]["redis"]["image"] == "redis:7"


def test_the_image_runs_as_a_non_root_user():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "\nUSER app" in dockerfile
    assert "gunicorn" in dockerfile


def test_the_env_example_names_the_secret_without_a_value():
    lines = dict(
        line.split("=", 1) for line in (DOCKER / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert lines["DJANGO_SECRET_KEY"] == ""
    assert lines["DJANGO_DEBUG"] == "0"
