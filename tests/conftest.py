import pytest
from django.db import connection


@pytest.fixture
def test_database_url(django_db_setup, django_db_blocker) -> str:
    """DATABASE_URL of the test database, for subprocesses (workers, commands) that must see it."""
    settings_dict = connection.settings_dict
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"
