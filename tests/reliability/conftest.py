"""Shared fixtures of the fault and hostile-input tests, and the figures they report.

Each test records what it attempted and what came out (succeeded, lost, duplicated) through the
`figures` fixture; at the end of the session they are printed and written to
var/reliability-figures.json, which docs/reliability.md quotes.
"""

from __future__ import annotations

import json
import time

import pytest
from django.contrib.auth.models import Group, User

from accounts.roles import EDITOR, RESEARCHER, ensure_roles
from accounts.tokens import api_token_issue
from tests.support import ROOT, project_env

FIGURES_FILE = ROOT / "var" / "reliability-figures.json"
PASSWORD = "correct-horse-battery-staple-42"
_FIGURES: list[dict] = []


def record_figures(fault: str, *, attempted: int, succeeded: int, lost: int, duplicated: int, **extra) -> None:
    row = {"fault": fault, "attempted": attempted, "succeeded": succeeded, "lost": lost, "duplicated": duplicated,
           **extra}
    _FIGURES.append(row)
    print(f"\nreliability: {json.dumps(row)}")


@pytest.fixture(scope="session", autouse=True)
def _write_figures():
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    yield
    if _FIGURES:
        FIGURES_FILE.parent.mkdir(parents=True, exist_ok=True)
        FIGURES_FILE.write_text(json.dumps({"run": started, "figures": _FIGURES}, indent=1) + "\n")


@pytest.fixture
def figures():
    return record_figures


@pytest.fixture
def service_env(test_database_url):
    """Environment for subprocesses (gunicorn, workers, commands) that must use the test database."""

    def build(**overrides: str | None) -> dict[str, str]:
        return project_env(DATABASE_URL=test_database_url, DJANGO_DEBUG="1", DB_CONN_MAX_AGE="600",
                           LOG_LEVEL="WARNING", **overrides)

    return build


def make_staff(username: str, role: str) -> User:
    ensure_roles()
    user = User.objects.create_user(username=username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def editor_user(transactional_db) -> User:
    return make_staff("edith", EDITOR)


@pytest.fixture
def researcher_user(transactional_db) -> User:
    return make_staff("ruth", RESEARCHER)


@pytest.fixture
def editor_token(editor_user) -> str:
    return api_token_issue(username=editor_user.username, role=EDITOR)[1]
