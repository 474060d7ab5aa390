"""run_checks, the review queue in the admin, queueing and the editors' digest."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounts.roles import EDITOR, RESEARCHER, ensure_roles
from claims.checks.digest import flags_digest_send
from claims.checks.engine import sweep_all
from claims.models import Flag, FlagStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def flags(build):
    metric = build.metric()
    for value in ("300", "1000", "2000"):
        build.claim(figures=[(metric, "exact", value, "2025-01-13")], chains=[[build.source(grade="B")]])
    sweep_all()
    return Flag.objects.all()


def user_in(role: str, name: str):
    groups = ensure_roles()
    user = get_user_model().objects.create_user(name, f"{name}@example.org", "pw", is_staff=True)
    user.groups.add(groups[role])
    return user


def test_run_checks_prints_counts_by_code_and_changes_nothing_the_second_time(build):
    metric = build.metric()
    build.claim(figures=[(metric, "exact", "1", "2025-01-01")])
    build.claim(figures=[(metric, "exact", "2", "2025-01-01")])
    out = StringIO()
    call_command("run_checks", stdout=out)
    line = next(row for row in out.getvalue().splitlines() if row.startswith("disjoint_figures"))
    assert line.split()[1:] == ["1", "0", "1"]
    history = Flag.history.count()
    again = StringIO()
    call_command("run_checks", stdout=again)
    assert Flag.history.count() == history
    assert next(r for r in again.getvalue().splitlines() if r.startswith("disjoint")).split()[1:] == ["0", "0", "1"]


def test_the_review_queue_lists_flags_without_a_query_per_row(client, flags, django_assert_max_num_queries):
    client.force_login(user_in(EDITOR, "ed"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:claims_flag_changelist"))
    assert response.status_code == 200 and b"cannot both be true" in response.content
    index = client.get(reverse("admin:index"))
    assert f"{flags.filter(status='open').count()} open flags".encode() in index.content


def test_dismissing_from_the_queue_asks_for_a_note_first(client, flags):
    editor = user_in(EDITOR, "ed")
    client.force_login(editor)
    flag = flags.filter(kind="conflict").first()
    url = reverse("admin:claims_flag_changelist")
    page = client.post(url, {"action": "dismiss_flags", "_selected_action": [flag.pk]})
    assert b"Why this is not a problem" in page.content
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
    client.post(url, {"action": "dismiss_flags", "_selected_action": [flag.pk], "apply": "1", "note": "Known."})
    flag.refresh_from_db()
    assert (flag.status, flag.dismissed_by, flag.history.latest().history_user) == ("dismissed", editor, editor)
    side = client.get(reverse("admin:claims_flag_change", args=[flag.pk]))
    assert b"13 January 2025" in side.content


def test_a_researcher_cannot_resolve_flags(client, flags):
    client.force_login(user_in(RESEARCHER, "re"))
    flag = flags.first()
    client.post(reverse("admin:claims_flag_changelist"), {"action": "resolve_flags", "_selected_action": [flag.pk]})
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN


def test_the_digest_sends_new_flags_once(flags):
    user_in(EDITOR, "ed")
    assert flags_digest_send() == flags.filter(status="open").count() > 0
    assert len(mail.outbox) == 1 and "cannot both be true" in mail.outbox[0].body
    assert flags_digest_send() == 0
    assert len(mail.outbox) == 1


def test_a_save_succeeds_and_logs_when_the_broker_is_down(tmp_path):
    """In a subprocess whose broker URL points at a closed port (the quickstart database)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    script = (
        "import django; django.setup()\n"
        "from django.core.management import call_command; call_command('migrate', verbosity=0)\n"
        "from django.db import transaction\n"
        "from claims.models import Claim\n"
        "with transaction.atomic():\n"
        "    Claim.objects.create(key='c1', text='x')\n"
        "print('saved', Claim.objects.count())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(FACTCHECK_VAR_DIR=str(tmp_path), DJANGO_DEBUG="1", DJANGO_SETTINGS_MODULE="factcheck.settings",
               CELERY_BROKER_URL="redis://127.0.0.1:1/0", PYTHONPATH=str(root))
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=root, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "saved 1" in out.stdout
    assert "periodic sweep will catch up" in out.stderr
