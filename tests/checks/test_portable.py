"""The portable path: the same flags on SQLite (the quickstart) as the vectors say."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.checks.conftest import expected_flags, read_vector, vector_files

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.parametrize("path", vector_files()[:2], ids=lambda p: p.stem)
def test_it_raises_the_vector_flags_on_sqlite_too(path, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(FACTCHECK_VAR_DIR=str(tmp_path), DJANGO_DEBUG="1", DJANGO_SETTINGS_MODULE="factcheck.settings",
               PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, str(ROOT / "tests/checks/sqlite_vector.py"), str(path)], env=env,
                         cwd=ROOT, capture_output=True, text=True, timeout=300, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    as_sets = {name: {(k, c, m, tuple(cl)) for k, c, m, cl in rows} for name, rows in result.items()}
    assert as_sets["first"] == expected_flags(read_vector(path))
    assert as_sets["second"] == as_sets["first"]
