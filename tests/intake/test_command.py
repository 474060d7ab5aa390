"""manage.py intake_article: prints a draft bundle, refuses what it cannot draft."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from claims.bundle.validation import bundle_validate
from claims.models import Claim
from tests.intake.conftest import ARTICLE, PUBLISHED, SPEECH
from tests.support import project_env, run_manage


@pytest.fixture
def article(tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def test_it_prints_a_valid_draft_bundle(wire, nis, article):
    out, err = StringIO(), StringIO()
    call_command("intake_article", str(article), publisher="wire", published=PUBLISHED,
                 url="https://wire.example/a", title="Troops honoured", stdout=out, stderr=err)
    bundle = json.loads(out.getvalue())
    assert bundle_validate(bundle) == []
    assert bundle["claims"][0]["text"] == SPEECH
    assert bundle["documents"][0]["url"] == "https://wire.example/a"
    assert "3 draft claims" in err.getvalue()
    assert Claim.objects.count() == 0


def test_an_unknown_publisher_is_an_error_naming_the_option(wire, article):
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("intake_article", str(article), publisher="nobody", published=PUBLISHED, stderr=err)
    assert "--publisher: no source has the key 'nobody'" in err.getvalue()


def test_a_missing_file_is_an_error(wire, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("intake_article", str(tmp_path / "absent.txt"), publisher="wire", published=PUBLISHED)


def test_from_the_shell_an_unknown_publisher_exits_non_zero(article, test_database_url):
    done = run_manage("intake_article", str(article), "--publisher", "nobody", "--published", PUBLISHED,
                      env=project_env(DATABASE_URL=test_database_url, DJANGO_DEBUG="1"))
    assert done.returncode != 0
    assert done.stdout == ""
    assert "nobody" in done.stderr
