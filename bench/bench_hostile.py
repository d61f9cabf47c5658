"""XLSX reading under hostile workbooks: the streaming reader vs pandas/openpyxl, in one run.

    python bench/bench_hostile.py

Generates three workbooks in a temp dir and times, for each, experiments.sheet (what uploads,
assignment files and analyze-file use) against pandas.read_excel(dtype=str) (what they used):
  rows_200k   200,000 rows x 3 columns (about 3 MB on disk, 32 MB of sheet XML)
  empty_1m    2 data rows, then 1,000,000 styled empty rows
  bomb_3g     a 7 MB workbook whose sheet unzips to 3 GB (refused by the limit; the pandas
              baseline is stopped after --bomb-timeout seconds)
Results go to bench/results/hostile.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import platform
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from experiments import config, sheet  # noqa: E402

RESULTS = ROOT / "bench" / "results"
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
    'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="'
    'application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
    'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WB = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_NS}" xmlns:r="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" '
    'r:id="rId1"/></sheets></workbook>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
_HEADER = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>customer_id</t></is></c><c r="B1" '
    't="inlineStr"><is><t>date</t></is></c><c r="C1" t="inlineStr"><is><t>amount</t></is></c>'
    "</row>"
)


def _write(path: Path, chunks) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        for name, text in (
            ("[Content_Types].xml", _CT),
            ("_rels/.rels", _RELS),
            ("xl/workbook.xml", _WB),
            ("xl/_rels/workbook.xml.rels", _WB_RELS),
        ):
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(f'<?xml version="1.0"?><worksheet xmlns="{_NS}"><sheetData>'.encode())
            f.write(_HEADER.encode())
            for chunk in chunks:
                f.write(chunk)
            f.write(b"</sheetData></worksheet>")
    return path


def rows_200k(folder: Path) -> Path:
    def chunks():
        for i in range(2, 200_002):
            yield (
                f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>c{i % 1000}</t></is></c>'
                f'<c r="B{i}" t="inlineStr"><is><t>2026-01-05</t></is></c>'
                f'<c r="C{i}"><v>{i % 97}</v></c></row>'
            ).encode()

    return _write(folder / "rows_200k.xlsx", chunks())


def empty_1m(folder: Path) -> Path:
    def chunks():
        yield (
            b'<row r="2"><c r="A2" t="inlineStr"><is><t>c1</t></is></c><c r="B2" '
            b't="inlineStr"><is><t>2026-01-05</t></is></c><c r="C2"><v>5</v></c></row>'
        )
        for i in range(3, 1_000_003):
            cells = "".join(f'<c r="{col}{i}" s="0"/>' for col in "ABC")
            yield f'<row r="{i}">{cells}</row>'.encode()

    return _write(folder / "empty_1m.xlsx", chunks())


def bomb_3g(folder: Path) -> Path:
    block = (b"<row>" + b"<c><v>1</v></c>" * 200 + b"</row>") * 3000

    def chunks():
        for _ in range(3 * 2**30 // len(block) + 1):
            yield block

    return _write(folder / "bomb_3g.xlsx", chunks())


def _pandas(path: str, out) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    started = time.perf_counter()
    frame = pd.read_excel(path, dtype=str, engine="openpyxl")
    out.put((time.perf_counter() - started, len(frame)))


def time_pandas(path: Path, timeout: float) -> str:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    child = multiprocessing.Process(target=_pandas, args=(str(path), queue))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.terminate()
        child.join()
        return f"still running after {timeout:.0f} s (stopped)"
    seconds, rows = queue.get()
    return f"{seconds:.1f} s ({rows:,} rows)"


def time_sheet(path: Path) -> str:
    started = time.perf_counter()
    try:
        rows = sum(1 for _ in sheet.iter_rows(path)) - 1
    except sheet.SheetError as error:
        return f"refused in {time.perf_counter() - started:.2f} s: {error}"
    return f"{time.perf_counter() - started:.1f} s ({rows:,} rows)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bomb-timeout", type=float, default=120)
    args = parser.parse_args()
    lines = [
        "# Hostile workbooks: experiments.sheet vs pandas.read_excel(dtype=str)",
        "",
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}; "
        f"limits: {config.MAX_XLSX_ROWS:,} rows, {config.MAX_COLUMNS:,} columns, "
        f"{config.MAX_XLSX_EXPANDED_MB:,} MB unzipped. Shared machine: absolute times vary.",
        "",
        "| workbook | on disk | sheet XML | experiments.sheet | pandas (before) |",
        "|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for make in (rows_200k, empty_1m, bomb_3g):
            path = make(folder)
            expanded = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml").file_size
            timeout = args.bomb_timeout if make is bomb_3g else 600
            lines.append(
                f"| {make.__name__} | {path.stat().st_size / 2**20:,.1f} MB | "
                f"{expanded / 2**20:,.0f} MB | {time_sheet(path)} | {time_pandas(path, timeout)} |"
            )
            print(lines[-1], flush=True)
            path.unlink()
            RESULTS.mkdir(parents=True, exist_ok=True)  # after each row: a long run keeps its rows
            (RESULTS / "hostile.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
