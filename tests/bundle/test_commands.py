import json
import os
import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from claims.bundle.importer import bundle_import
from claims.bundle.normalise import bundle_normalise
from claims.models import Claim
from tests.bundle.conftest import SHARED

ROOT = Path(settings.BASE_DIR)


def export_via_command(tmp_path) -> dict:
    target = tmp_path / "out.json"
    call_command("export_bundle", "--output", str(target))
    return json.loads(target.read_text(), parse_float=Decimal)


@pytest.mark.django_db
def test_it_imports_a_file_and_exports_it_back(bundle, tmp_path):
    source = tmp_path / "in.json"
    source.write_text(json.dumps(bundle))
    out = StringIO()
    call_command("import_bundle", str(source), stdout=out)
    assert "claims: 2 created" in out.getvalue()
    assert bundle_normalise(export_via_command(tmp_path)) == bundle_normalise(bundle)


@pytest.mark.django_db
def test_it_fails_with_every_bad_place_and_writes_nothing(bundle, tmp_path):
    bundle["claims"][0]["figures"][0]["value"] = -1
    bundle["claims"][1]["figures"][0]["metric"] = "nope"
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(bundle))
    err = StringIO()
    with pytest.raises(CommandError, match="2 error"):
        call_command("import_bundle", str(source), stderr=err)
    assert err.getvalue().splitlines() == [
        "claims[0].figures[0].value: must be >= 0",
        "claims[1].figures[0].metric: unknown metric 'nope'",
    ]
    assert Claim.objects.count() == 0


@pytest.mark.django_db
def test_it_reports_a_file_that_is_not_json(tmp_path):
    source = tmp_path / "broken.json"
    source.write_text('{"format": "factcheck-bundle/1", "sources": [')
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_bundle", str(source), stderr=err)
    assert err.getvalue().startswith("(file): is not valid JSON")


@pytest.mark.django_db
def test_it_imports_a_file_saved_with_a_byte_order_mark(tmp_path):
    demo = ROOT / "demo" / "demo-bundle.json"
    source = tmp_path / "windows.json"
    source.write_bytes(b"\xef\xbb\xbf" + demo.read_bytes())
    call_command("import_bundle", str(source), verbosity=0)
    assert Claim.objects.get(key="nk-600-killed-of-15000").figures.count() == 2


@pytest.mark.django_db
def test_it_imports_the_demo_bundle_and_gives_it_back(tmp_path):
    demo = ROOT / "demo" / "demo-bundle.json"
    call_command("import_bundle", str(demo), verbosity=0)
    original = json.loads(demo.read_text(), parse_float=Decimal)
    assert bundle_normalise(export_via_command(tmp_path)) == bundle_normalise(original)
    assert Claim.objects.get(key="nk-600-killed-of-15000").figures.count() == 2


VECTORS = sorted((SHARED / "contracts" / "vectors").glob("*.json")) if SHARED.exists() else []


@pytest.mark.skipif(not VECTORS, reason="../shared is not beside the project")
@pytest.mark.django_db
@pytest.mark.parametrize("vector", VECTORS, ids=lambda p: p.stem)
def test_it_imports_and_gives_back_the_conformance_vectors(vector, tmp_path):
    data = json.loads(vector.read_text(), parse_float=Decimal)
    data.pop("expected_flags")
    bundle_import(data=data)
    assert bundle_normalise(export_via_command(tmp_path)) == bundle_normalise(data)


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not beside the project")
def test_the_shipped_schema_is_the_shared_contract():
    ours = json.loads((ROOT / "claims" / "bundle" / "bundle.schema.json").read_text())
    assert ours == json.loads((SHARED / "contracts" / "bundle.schema.json").read_text())


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the child process needs a database it can reach: PostgreSQL's"
)
@pytest.mark.django_db(transaction=True)
def test_it_reads_a_bundle_from_standard_input(bundle):
    env = {**os.environ, "DJANGO_DEBUG": "1", "DATABASE_URL": _test_database_url()}
    command = [sys.executable, "manage.py", "import_bundle", "-", "--quiet"]
    done = subprocess.run(command, input=json.dumps(bundle).encode(), cwd=ROOT, env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    assert set(Claim.objects.values_list("key", flat=True)) == {"six-hundred", "range-claim"}
    bundle["claims"][0]["status"] = "nonsense"
    done = subprocess.run(command, input=json.dumps(bundle).encode(), cwd=ROOT, env=env, capture_output=True)
    assert done.returncode != 0
    assert "claims[0].status: 'nonsense' is not one of" in done.stderr.decode()


def _test_database_url() -> str:
    params = connection.settings_dict
    return f"postgres://{params['USER']}@{params['HOST']}:{params['PORT']}/{params['NAME']}"
