import csv
import io
import json
import zipfile

from openpyxl import load_workbook

from claims.reports.formats import csv_stream, formula_safe, jsonl_stream, xlsx_write
from claims.reports.rows import COLUMNS, attribution_rows
from tests.reports.conftest import SCRIPT_TEXT


def test_it_neutralises_every_formula_lead_in_csv():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert formula_safe(text) == "'" + text
    assert formula_safe("600 killed") == "600 killed"


def test_a_csv_export_of_hostile_text_cannot_run_a_formula(hostile):
    body = b"".join(csv_stream(attribution_rows())).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    row = next(r for r in rows if r["claim_key"] == "hostile-claim")
    assert row["claim_text"] == SCRIPT_TEXT  # starts with "<": kept exactly
    assert row["document_title"] == "'+cmd|' /C calc'!A0"
    assert row["verb"] == "'-said"
    assert row["figures"] == "at least 700 (2025-03)"
    for r in rows:
        assert not any(value.startswith(("=", "+", "-", "@")) for value in r.values())


def test_an_xlsx_export_stores_formula_like_text_as_text(hostile, tmp_path):
    target = tmp_path / "report.xlsx"
    count = xlsx_write(attribution_rows(), str(target))
    assert count == 8  # 3 + 2 + 2 demo links and the hostile one
    with zipfile.ZipFile(target) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    sheet = load_workbook(target).active
    header = [cell.value for cell in sheet[1]]
    assert header == list(COLUMNS)
    body = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    hostile_row = body["hostile-claim"]
    title = hostile_row[COLUMNS.index("document_title")]
    assert title.value == "+cmd|' /C calc'!A0" and title.data_type == "s" and title.quotePrefix
    assert hostile_row[COLUMNS.index("claim_text")].value == SCRIPT_TEXT
    assert body["nk-killed-600"][COLUMNS.index("independent_origins")].value == 1


def test_jsonl_keeps_types_and_text_exactly(hostile):
    lines = b"".join(jsonl_stream(attribution_rows())).decode().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 8 and list(records[0]) == list(COLUMNS)
    mine = next(r for r in records if r["claim_key"] == "hostile-claim")
    assert mine["claim_text"] == SCRIPT_TEXT and mine["verb"] == "-said"
    nis = next(r for r in records if r["source_key"] == "nis")
    assert nis["link_position"] == 2 and nis["grade_inherited"] is False and nis["document_url"] is None
