"""The reports over the project's demo bundle (demo/demo-bundle.json), imported by the bundle importer."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.urls import reverse

from claims.reports.claimreview import claimreview_stream
from claims.reports.formats import csv_stream
from claims.reports.rows import attribution_rows

DEMO = Path(__file__).resolve().parents[2] / "demo" / "demo-bundle.json"


@pytest.fixture
def demo_bundle(db):
    importer = pytest.importorskip("claims.bundle.importer")
    if not DEMO.is_file():
        pytest.skip("demo/demo-bundle.json is absent")
    data = json.loads(DEMO.read_text())
    importer.bundle_import(data=data)
    return data


def test_the_demo_exports_its_chains_link_by_link(demo_bundle):
    rows = list(csv.DictReader(io.StringIO(b"".join(csv_stream(attribution_rows())).decode())))
    expected = sum(len(a["chain"]) for c in demo_bundle["claims"] for a in c.get("attributions", [])) + sum(
        1 for c in demo_bundle["claims"] if not c.get("attributions"))
    assert len(rows) == expected
    chain = [r for r in rows if r["claim_key"] == "nk-600-killed-of-15000"]
    assert [r["source_key"] for r in chain] == ["reuters", "kr-lawmakers", "nis"]
    assert {r["origin"] for r in chain} == {chain[-1]["source"]}
    two_chains = [r for r in rows if r["claim_key"] == "ceremony-returned-soldiers"]
    assert {r["chain"] for r in two_chains} == {"0", "1"}


def test_the_demo_verdicts_become_claimreviews(demo_bundle):
    reviews = json.loads(b"".join(claimreview_stream()))
    with_verdict = {c["key"] for c in demo_bundle["claims"]
                    if c.get("status", "unreviewed") not in ("unreviewed", "in_review")}
    assert {r["url"].rstrip("/").rsplit("/", 1)[1] for r in reviews} == with_verdict
    assert all(r["reviewRating"]["alternateName"] for r in reviews)


def test_the_demo_pages_render(client, demo_bundle, settings):
    settings.REPORTS_PUBLIC = True
    for url in (reverse("reports:metric", args=["nk-troops-killed-russia"]),
                reverse("reports:claim", args=["nk-600-killed-of-15000"]),
                reverse("reports:source", args=["kcna"])):
        assert client.get(url).status_code == 200, url
