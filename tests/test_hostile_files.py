"""Hostile and broken files (issue 13, items 5-9): each refused with a message, or handled,
never a traceback, a hang or a garbled store. Files are generated here, a few MB at most."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from experiments import config, ingest, sheet

# -- a minimal XLSX writer: the sheet XML streamed into the zip, so tests build big sheets fast
_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
    'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="'
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
    'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WB = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def _cell(ref: str, value: object) -> str:
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def write_xlsx(path: Path, rows, tail: str = "") -> Path:
    """rows: an iterable of lists (row 1 first); tail: raw XML appended after them."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            for number, cells in enumerate(rows, start=1):
                letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                xml = "".join(_cell(f"{letters[i]}{number}", v) for i, v in enumerate(cells))
                f.write(f'<row r="{number}">{xml}</row>'.encode())
            for chunk in tail if not isinstance(tail, str) else [tail]:
                f.write(chunk.encode())
            f.write(b"</sheetData></worksheet>")
    return path


HEADER = ["customer_id", "date", "amount"]


def load(store, path: Path, kind="transactions", **kw) -> ingest.LoadResult:
    return ingest.load_file(store, kind, path, **kw)


def store_rows(store) -> tuple[int, int]:
    with store.cursor() as cur:
        row = cur.execute(
            "SELECT (SELECT count(*) FROM transactions), (SELECT count(*) FROM uploads)"
        ).fetchone()
    return int(row[0]), int(row[1])


# -- 5. XLSX: streamed once, with limits -------------------------------------------------------
def test_xlsx_zip_bomb_is_refused_before_parsing_with_the_limit_stated(
    store, tmp_path, monkeypatch
):
    monkeypatch.setattr(config, "MAX_XLSX_EXPANDED_MB", 20)  # the real limit is 1 GB
    padding = "<row>" + "<c><v>1</v></c>" * 100 + "</row>"
    path = write_xlsx(tmp_path / "bomb.xlsx", [HEADER], tail=(padding for _ in range(40_000)))
    assert path.stat().st_size < 2 * 2**20  # under 2 MB on disk ...
    expanded = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml").file_size
    assert expanded > 20 * 2**20 * 2  # ... far past the lowered limit once unzipped
    started = time.perf_counter()
    result = load(store, path)
    inspection = ingest.inspect_file(path, "transactions")
    assert time.perf_counter() - started < 2
    assert not result.ok and store_rows(store) == (0, 0)
    for message in (result.problems[0].message, inspection.problems[0].message):
        assert "unpacks to" in message and "20 MB" in message and "1,048,576 rows" in message


def test_xlsx_bytes_are_counted_as_they_are_unzipped_not_only_declared(tmp_path):
    import io

    limits = sheet.SheetLimits(max_expanded_bytes=1000)
    counted = sheet._Counted(io.BytesIO(b"x" * 5000), 1000, limits)
    assert len(counted.read(800)) == 800
    with pytest.raises(sheet.SheetError, match="more sheet data than the limit"):
        counted.read(800)


def test_a_million_empty_rows_read_in_seconds(store, tmp_path):
    empty = (
        f'<row r="{i}"><c r="A{i}" s="0"/><c r="B{i}" s="0"/></row>' for i in range(4, 1_000_004)
    )
    path = write_xlsx(
        tmp_path / "empty.xlsx", [HEADER, ["c1", "2026-01-05", 10], ["c2", "2026-01-06", 5]], empty
    )
    started = time.perf_counter()
    inspection = ingest.inspect_file(path, "transactions")
    preview_seconds = time.perf_counter() - started
    result = load(store, path)
    seconds = time.perf_counter() - started
    assert inspection.ok and preview_seconds < 1  # the preview stops after its rows
    assert result.ok and result.rows == 2, result.summary()  # trailing empty rows dropped
    assert seconds < 15  # 154 s before (pandas/openpyxl); ~4 s here on one core


def test_xlsx_row_and_column_limits_are_refused_with_a_message(store, tmp_path, monkeypatch):
    monkeypatch.setattr(config, "MAX_XLSX_ROWS", 50)
    path = write_xlsx(tmp_path / "rows.xlsx", [HEADER] + [["c1", "2026-01-05", 1]] * 60)
    result = load(store, path)
    assert not result.ok and "more than 50 data rows" in result.problems[0].message
    monkeypatch.setattr(config, "MAX_XLSX_ROWS", 1_048_576)
    monkeypatch.setattr(config, "MAX_COLUMNS", 2)
    result = load(store, write_xlsx(tmp_path / "cols.xlsx", [HEADER, ["c1", "2026-01-05", 1]]))
    assert not result.ok and "column 3" in result.problems[0].message
    assert store_rows(store) == (0, 0)


def test_xlsx_cells_read_as_excel_shows_them(tmp_path):
    import datetime as dt

    import pandas as pd

    frame = pd.DataFrame(
        {
            "id": ["a", "b", None, "d"],
            "when": [dt.datetime(2024, 1, 5), dt.datetime(2024, 1, 6, 10, 30), None, None],
            "n": [10, 2.5, None, -3],
            "flag": [True, False, None, True],
        }
    )
    path = tmp_path / "typed.xlsx"
    frame.to_excel(path, index=False)
    expected = pd.read_excel(path, dtype=str)
    got = sheet.read_frame(path)
    assert list(got.columns) == ["id", "when", "n", "flag"]
    assert (
        got.where(got.notna(), None).values.tolist()
        == expected.astype(object).where(expected.notna(), None).values.tolist()
    )
