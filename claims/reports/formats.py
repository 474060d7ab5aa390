"""Writers for report rows: CSV, JSON Lines and XLSX. Each consumes its rows one at a time, so an
export of any size holds only the current chunk in memory."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from claims.reports.rows import COLUMNS

# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and carriage
# return, as a cell break that can smuggle one in): CSV injection.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_CHARS = 64 * 1024

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "claimreview": "application/ld+json; charset=utf-8",
    "prov": "application/ld+json; charset=utf-8",
}
EXTENSIONS = {"csv": "csv", "jsonl": "jsonl", "xlsx": "xlsx", "claimreview": "jsonld", "prov": "jsonld"}


def formula_safe(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would run as a formula. Spreadsheets show such a
    cell as text; the apostrophe is the OWASP-recommended marker and loses no character."""
    return "'" + text if text.startswith(FORMULA_LEADS) else text


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return formula_safe(value)
    return value


def csv_stream(rows: Iterable[Sequence], columns: Sequence[str] = COLUMNS) -> Iterator[bytes]:
    """UTF-8 CSV with a header line, yielded in chunks of about 64 KB.

    The cells are those of _csv_cell, inlined: a million-row report has twenty million cells, and
    a function call per cell was most of the export's own time. The csv module writes None as an
    empty field and an int with str(), as _csv_cell would; other types still go through it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    leads = FORMULA_LEADS
    for row in rows:
        writer.writerow([
            ("'" + value if value.startswith(leads) else value) if value.__class__ is str
            else value if value is None or value.__class__ is int
            else _csv_cell(value)
            for value in row
        ])
        if buffer.tell() >= CHUNK_CHARS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def jsonl_stream(rows: Iterable[Sequence], columns: Sequence[str] = COLUMNS) -> Iterator[bytes]:
    """One JSON object per line, keys in column order; text stays exactly as stored."""
    parts: list[str] = []
    size = 0
    for row in rows:
        line = json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, default=str)
        parts.append(line)
        size += len(line)
        if size >= CHUNK_CHARS:
            yield ("\n".join(parts) + "\n").encode()
            parts, size = [], 0
    if parts:
        yield ("\n".join(parts) + "\n").encode()


def xlsx_write(rows: Iterable[Sequence], target: str | BinaryIO, columns: Sequence[str] = COLUMNS) -> int:
    """Write an XLSX workbook in openpyxl's write-only mode (rows go to a temporary file, never all
    in memory) and return the number of rows. Text that looks like a formula is stored as a text
    cell with Excel's quote prefix, so it shows exactly as written and never runs; characters XML
    cannot hold (control characters) are dropped, since the file would otherwise be unreadable."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("attribution")
    sheet.append(list(columns))
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        count += 1
    workbook.save(target)
    return count


def _xlsx_cell(sheet, value: object) -> object:
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith(FORMULA_LEADS):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def write_rows(fmt: str, rows: Iterable[Sequence], out: BinaryIO, columns: Sequence[str] = COLUMNS) -> None:
    """Write rows in a tabular format to a binary file."""
    if fmt == "xlsx":
        xlsx_write(rows, out, columns)
        return
    stream = csv_stream if fmt == "csv" else jsonl_stream
    for chunk in stream(rows, columns):
        out.write(chunk)
