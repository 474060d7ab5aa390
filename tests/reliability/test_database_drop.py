"""The database connection killed (pg_terminate_backend) in the middle of a write: nothing partial
is kept, the caller gets a clear error, and the next request works.

"In the middle" is made exact rather than timed: the test holds a SHARE lock on a table the write
reaches late (reads pass, writes wait), waits until the writer's backend has already written earlier
tables and is queued on that lock, and terminates it there.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import threading
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import requests

from accounts.tokens import api_token_issue
from claims.models import Attribution, AttributionLink, Claim, Figure, Metric
from sources.models import Document, Source
from tests.reliability.processes import wait_until, web_server
from tests.support import PYTHON, ROOT

pytestmark = [pytest.mark.slow]

DEMO = Path(ROOT) / "demo" / "demo-bundle.json"


def _writer_waiting_on(database_url: str, table: str) -> int | None:
    with psycopg.connect(database_url, autocommit=True) as probe:
        row = probe.execute(
            "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE NOT l.granted AND l.relation = %s::regclass AND a.datname = current_database()", [table],
        ).fetchone()
    return row[0] if row else None


def _has_written(database_url: str, pid: int, table: str) -> bool:
    with psycopg.connect(database_url, autocommit=True) as probe:
        return probe.execute(
            "SELECT count(*) FROM pg_locks WHERE pid = %s AND granted AND relation = %s::regclass "
            "AND mode = 'RowExclusiveLock'", [pid, table],
        ).fetchone()[0] > 0


def _terminate(database_url: str, pid: int) -> None:
    with psycopg.connect(database_url, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]


class TableHold:
    """A SHARE lock on `table` from another session: readers pass, writers queue behind it."""

    def __init__(self, database_url: str, table: str) -> None:
        self.conn = psycopg.connect(database_url)
        self.conn.execute(f"LOCK TABLE {table} IN SHARE MODE")

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def test_an_import_killed_mid_write_keeps_nothing_and_the_next_import_works(
    editor_user, service_env, test_database_url, figures
):
    env = service_env(CELERY_BROKER_URL="")  # in-process checks: this test is about the database
    command = [PYTHON, "manage.py", "import_bundle", str(DEMO), "--user", editor_user.username, "--quiet"]
    hold = TableHold(test_database_url, "claims_attributionlink")
    try:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
        pid = wait_until(lambda: _writer_waiting_on(test_database_url, "claims_attributionlink"), timeout=60,
                         what="the import waiting to write chain links")
        assert _has_written(test_database_url, pid, "sources_source"), "the import had not written yet"
        _terminate(test_database_url, pid)
        _, stderr = proc.communicate(timeout=60)
    finally:
        hold.release()
    assert proc.returncode != 0
    assert "terminating connection" in stderr
    stored = [Source.objects.count(), Document.objects.count(), Metric.objects.count(), Claim.objects.count(),
              Source.history.count(), Claim.history.count()]
    assert stored == [0, 0, 0, 0, 0, 0]

    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    bundle = json.loads(DEMO.read_text())
    assert Claim.objects.count() == len(bundle["claims"])
    assert Source.objects.count() == len(bundle["sources"])
    assert set(Claim.history.values_list("history_user__username", flat=True)) == {editor_user.username}
    figures("database connection terminated mid-import (CLI), then the import rerun",
            attempted=2, succeeded=1, lost=0, duplicated=0, partial_rows_left=sum(stored))


@pytest.fixture
def api_claim(editor_user) -> Claim:
    metric = Metric.objects.create(key="drop-metric", name="Troops killed", cumulative=True)
    claim = Claim.objects.create(key="drop-target", text="Text before the fault")
    Figure.objects.create(claim=claim, metric=metric, qualifier="approximate", value=Decimal("600"),
                          as_of=dt.date(2025, 4, 1), as_of_precision="month", text="About 600")
    return claim


def _record(text: str, value: int) -> dict:
    return {"key": "drop-target", "text": text, "figures": [
        {"metric": "drop-metric", "qualifier": "approximate", "value": value, "as_of": "2025-04", "text": f"{value}"}]}


def test_an_api_write_killed_mid_write_answers_503_keeps_nothing_and_the_next_request_works(
    api_claim, editor_user, service_env, test_database_url, figures
):
    token = api_token_issue(username=editor_user.username, role="editor")[1]
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    history_before = Claim.history.filter(key="drop-target").count()
    with web_server(service_env(CELERY_BROKER_URL="")) as web:
        url = f"{web.url}/api/v1/claims/drop-target/"
        first = session.get(url, timeout=30)  # the worker now holds a persistent connection
        assert first.status_code == 200
        etag = first.headers["ETag"]
        answers: list[requests.Response] = []
        hold = TableHold(test_database_url, "claims_figure")
        try:
            writer = threading.Thread(target=lambda: answers.append(
                session.put(url, json=_record("Text written when the fault hit", 700), headers={"If-Match": etag},
                            timeout=60)))
            writer.start()
            pid = wait_until(lambda: _writer_waiting_on(test_database_url, "claims_figure"), timeout=60,
                             what="the API write waiting to replace the figures")
            assert _has_written(test_database_url, pid, "claims_claim"), "the claim row was not written yet"
            _terminate(test_database_url, pid)
            writer.join(timeout=60)
        finally:
            hold.release()
        failed = answers[0]
        assert failed.status_code == 503
        assert "database is unavailable" in failed.json()["errors"][0]["message"]
        assert failed.headers["Retry-After"]

        stored = Claim.objects.get(key="drop-target")
        assert stored.text == "Text before the fault"
        assert stored.version == api_claim.version
        assert list(Figure.objects.filter(claim=stored).values_list("value", flat=True)) == [Decimal("600")]
        assert Claim.history.filter(key="drop-target").count() == history_before

        retry = session.put(url, json=_record("Text written on the retry", 700), headers={"If-Match": etag},
                            timeout=60)
        assert retry.status_code == 200, retry.text
    stored = Claim.objects.get(key="drop-target")
    assert stored.text == "Text written on the retry"
    assert list(Figure.objects.filter(claim=stored).values_list("value", flat=True)) == [Decimal("700")]
    latest = Claim.history.filter(key="drop-target").latest("history_date")
    assert latest.history_user == editor_user
    assert not Attribution.objects.exists() and not AttributionLink.objects.exists()
    figures("database connection terminated mid API write (PUT claim), then retried",
            attempted=2, succeeded=1, lost=0, duplicated=0, failed_with=failed.status_code)
