import pytest
from django.db import connection
from django.test import Client

from accounts.roles import EDITOR, RESEARCHER
from tests.admin import factories as make


@pytest.fixture
def test_database_url(django_db_setup, django_db_blocker) -> str:
    """DATABASE_URL of the test database, for subprocesses (workers, commands) that must see it."""
    settings_dict = connection.settings_dict
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture
def editor(db):
    return make.staff_user(EDITOR, "edna")


@pytest.fixture
def editor_client(editor) -> Client:
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def researcher_client(db) -> Client:
    client = Client()
    client.force_login(make.staff_user(RESEARCHER, "rita"))
    return client
