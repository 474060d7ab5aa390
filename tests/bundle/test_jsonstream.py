"""The streaming reader of bundle files: values cut by the read window, byte offsets in errors, and
the outline pass (counts and section starts) that the import relies on."""

import io
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims.bundle import jsonstream
from claims.bundle.jsonstream import JsonScanner, JsonSyntaxError
from claims.bundle.reader import FileReader

BUNDLE = {
    "format": "factcheck-bundle/1",
    "claims": [
        {"key": "kim", "text": "Кім Чен Ин visited 🚀 the plant", "figures": [{"value": 12345678901234567890}]},
        {"key": "loss", "text": "x" * 300, "figures": [{"value": 0.125, "upper": 2.5e3}]},
        [],
        "a bare string, which the checks will refuse",
        -7,
        9876543210.5e-3,
        9876543210,
        None,
        True,
    ],
    "sources": [{"key": "yonhap", "name": "Йонхап", "reliability": "B"}],
    "metrics": [],
    "note": {"nested": [1, 2, {"three": 3}]},
}


def reader_for(data: bytes) -> FileReader:
    return FileReader(io.BytesIO(data))


@pytest.mark.parametrize("chunk", [*range(1, 41), 1 << 20])
def test_it_reads_every_record_as_the_whole_file_decodes_whatever_the_window(chunk, monkeypatch):
    monkeypatch.setattr(jsonstream, "CHUNK", chunk)
    raw = json.dumps(BUNDLE, ensure_ascii=False, indent=1).encode()
    expected = json.loads(raw, parse_float=Decimal)
    reader = reader_for(raw)
    shape, errors = reader.top()
    assert errors == []
    assert shape == {"format": "factcheck-bundle/1", "claims": [], "sources": [], "metrics": [], "note": {}}
    assert [reader.count(s) for s in ("sources", "documents", "metrics", "claims")] == [1, 0, 0, 9]
    # Read out of file order, as the import does (sources before claims).
    assert list(reader.records("sources")) == expected["sources"]
    claims = list(reader.records("claims"))
    assert claims == expected["claims"]
    assert claims[1]["figures"][0]["value"].__class__ is Decimal
    assert claims[0]["figures"][0]["value"] == 12345678901234567890


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


@given(items=st.lists(json_values, max_size=6), chunk=st.integers(1, 64), indent=st.sampled_from([None, 0, 2]),
       ascii_only=st.booleans())
def test_any_json_array_reads_back_item_by_item(items, chunk, indent, ascii_only):
    raw = json.dumps({"claims": items, "format": 1}, indent=indent, ensure_ascii=ascii_only).encode()
    expected = json.loads(raw, parse_float=Decimal)["claims"]
    saved, jsonstream.CHUNK = jsonstream.CHUNK, chunk
    try:
        reader = reader_for(raw)
        assert reader.top()[1] == []
        assert reader.count("claims") == len(items)
        assert list(reader.records("claims")) == expected
    finally:
        jsonstream.CHUNK = saved


def test_a_key_given_twice_counts_as_its_last_value():
    reader = reader_for(b'{"claims": [1, 2, 3], "sources": [{}], "claims": [4]}')
    assert reader.top()[1] == []
    assert reader.count("claims") == 1
    assert list(reader.records("claims")) == [4]
    reader = reader_for(b'{"claims": [1, 2, 3], "claims": {"key": 1}}')
    assert reader.top()[0]["claims"] == {}
    assert reader.count("claims") == 0


@pytest.mark.parametrize("raw, message", [
    # The second comma is character 24 and byte 27: each ж is two bytes.
    ('{"a": "жж", "claims": [1,, 2]}', "Expecting value at byte 27"),
    ('{"a": 1} {"b": 2}', "unexpected '{' after the end of the JSON value at byte 9"),
    ('{"metrics": [{"tolerance": NaN}]}', "NaN is not a JSON value at byte 13"),
    ('{"claims": [-Infinity]}', "-Infinity is not a JSON value at byte 12"),
    ('{"claims": [1 2]}', "expected ',' or ']', found '2' at byte 14"),
    ('{"claims" [1]}', "expected ':', found '[' at byte 10"),
    ('{claims: []}', "expected '\"', found 'c' at byte 1"),
    ('{"claims": ["open', "Unterminated string starting at at byte 12"),
    ('{"claims": [', "Expecting value at byte 12"),
    ("", "Expecting value at byte 0"),
    ('{"claims": [' + "[" * 5000 + "]" * 5000 + "]}", "values nest too deeply at byte 12"),
])
@pytest.mark.parametrize("chunk", [4, 1 << 20])
def test_it_names_the_byte_where_the_file_stops_being_json(raw, message, chunk, monkeypatch):
    monkeypatch.setattr(jsonstream, "CHUNK", chunk)
    shape, errors = reader_for(raw.encode()).top()
    assert shape is None
    assert [str(error) for error in errors] == [f"(file): is not valid JSON: {message}"]


def test_it_names_the_byte_that_is_not_utf8(monkeypatch):
    monkeypatch.setattr(jsonstream, "CHUNK", 5)
    raw = '{"name": "Чосон'.encode() + b"\xff" + b'"}'
    assert raw.index(b"\xff") == 20
    _, errors = reader_for(raw).top()
    assert [str(error) for error in errors] == ["(file): is not valid JSON: is not UTF-8 at byte 20"]


def test_the_offset_counts_bytes_not_characters(monkeypatch):
    monkeypatch.setattr(jsonstream, "CHUNK", 3)
    raw = '{"нота": "ж", "claims": [7]}'.encode()
    scanner = JsonScanner(io.BytesIO(raw), 0)
    scanner.take("{")
    assert scanner.key() == "нота"
    assert scanner.value() == "ж"
    scanner.take(",")
    assert scanner.key() == "claims"
    scanner.peek()
    assert scanner.offset() == raw.index(b"[")
    assert list(scanner.items()) == [7]
    scanner.take("}")
    scanner.end()


def test_a_scanner_started_mid_file_reads_from_there():
    raw = b'{"sources": [{"key": "a"}], "claims": [{"key": "c1"}, {"key": "c2"}]}'
    scanner = JsonScanner(io.BytesIO(raw), raw.index(b"[{\"key\": \"c1"))
    assert list(scanner.items()) == [{"key": "c1"}, {"key": "c2"}]
    with pytest.raises(JsonSyntaxError, match="expected '\\['"):
        list(JsonScanner(io.BytesIO(raw), 1).items())


def test_the_first_pass_reports_how_many_megabytes_it_has_read():
    claims = [{"key": f"c{i}", "text": "про" * 400} for i in range(1200)]
    raw = json.dumps({"format": "factcheck-bundle/1", "claims": claims}, ensure_ascii=False).encode()
    total = -(-len(raw) // 1_000_000)
    assert total == 3
    reports = []
    reader = reader_for(raw)
    assert reader.top(lambda stage, done, of: reports.append((stage, done, of)))[1] == []
    assert {stage for stage, _, _ in reports} == {"reading the file (MB)"}
    done = [d for _, d, _ in reports]
    assert done == sorted(done) and done[0] < total and done[-1] == total
    assert {of for _, _, of in reports} == {total}
    assert reader.count("claims") == 1200
    # The shape is kept: a second call reads nothing.
    reader.top(lambda *report: reports.append(report))
    assert len(reports) == len(done)


@pytest.mark.parametrize("chunk", [1, 2, 1 << 20])
def test_a_byte_order_mark_at_the_start_is_stepped_over(chunk, monkeypatch):
    monkeypatch.setattr(jsonstream, "CHUNK", chunk)
    raw = "\ufeff".encode() + b'{"format": "factcheck-bundle/1", "claims": [{"key": "a"}]}'
    reader = reader_for(raw)
    assert reader.top() == ({"format": "factcheck-bundle/1", "claims": []}, [])
    assert list(reader.records("claims")) == [{"key": "a"}]
    # Offsets still count the mark's three bytes; a mark anywhere else is refused.
    assert str(reader_for(raw[:-2] + b",}").top()[1][0]).endswith(f"at byte {len(raw) - 1}")
    assert reader_for(b' \xef\xbb\xbf{"claims": []}').top()[0] is None
