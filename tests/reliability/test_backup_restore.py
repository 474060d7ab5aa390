"""Restore drill (docs/operations.md): an export restored into an emptied database gives the same
bundle back, through the same commands an operator runs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from claims.bundle.normalise import bundle_normalise
from claims.models import Claim, Flag
from sources.models import Source
from tests.support import ROOT

pytestmark = [pytest.mark.slow]

DEMO = Path(ROOT) / "demo" / "demo-bundle.json"


def test_an_export_restored_into_an_empty_database_exports_the_same_bundle(transactional_db, tmp_path, figures):
    call_command("import_bundle", str(DEMO), "--quiet")
    call_command("run_checks", stdout=io.StringIO())
    backup = tmp_path / "backup.json"
    call_command("export_bundle", "--output", str(backup), "--quiet")
    before = json.loads(backup.read_text())

    call_command("flush", "--no-input")
    assert not Claim.objects.exists() and not Source.objects.exists() and not Flag.objects.exists()

    call_command("import_bundle", str(backup), "--quiet")
    restored = tmp_path / "restored.json"
    call_command("export_bundle", "--output", str(restored), "--quiet")
    after = json.loads(restored.read_text())

    assert bundle_normalise(after) == bundle_normalise(before)
    assert bundle_normalise(before) == bundle_normalise(json.loads(DEMO.read_text()))
    records = sum(len(before.get(section, [])) for section in ("sources", "documents", "metrics", "claims"))
    figures("backup (export_bundle) -> empty database -> restore (import_bundle) -> export",
            attempted=records, succeeded=records, lost=0, duplicated=0)
