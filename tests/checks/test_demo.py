"""The demo bundle: run_checks raises the worked example of DESIGN.md, and twice changes nothing."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from claims.models import Flag
from tests.checks.conftest import load_bundle, open_flags

DEMO = Path(__file__).resolve().parents[2] / "demo" / "demo-bundle.json"
pytestmark = [pytest.mark.django_db, pytest.mark.skipif(not DEMO.exists(), reason="no demo bundle")]


def test_run_checks_flags_the_worked_example_on_the_demo_and_is_idempotent():
    load_bundle(json.loads(DEMO.read_text()))
    call_command("run_checks", stdout=StringIO())
    flags = open_flags()
    killed, bbc = "nk-troops-killed-russia", "bbc-1000-killed-mid-january"
    assert ("conflict", "cumulative_decrease", killed, (bbc, "nk-600-killed-of-15000")) in flags
    assert ("conflict", "disjoint_figures", killed, (bbc, "nis-300-killed-2025-01-13")) in flags
    # A verdict silences the unverified codes.
    assert not any(kind == "unverified" and "kim-speech-heroic-army" in claims for kind, _, _, claims in flags)
    history = Flag.history.count()
    call_command("run_checks", stdout=StringIO())
    assert open_flags() == flags and Flag.history.count() == history
