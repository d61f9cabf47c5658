"""experiments.ingest.reading and .dates: format, encoding, delimiter, decimal mark, dates."""

from __future__ import annotations

from pathlib import Path

import pytest

from experiments import ingest
from experiments.ingest import reading

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- inspection ----------------------------------------------------------------------------------
def test_inspect_detects_cp1251_semicolon_decimal_comma_and_previews():
    inspection = ingest.inspect_file(SAMPLES / "transactions_ru_cp1251.csv", "transactions")
    fmt = inspection.format
    assert (fmt.kind, fmt.encoding, fmt.delimiter, fmt.decimal) == ("csv", "cp1251", ";", ",")
    assert inspection.columns[:3] == ("Клиент", "Дата покупки", "Сумма")
    assert inspection.guessed_mapping["Сумма"] == "amount"
    assert inspection.required_fields == ("customer_id", "ts", "amount")
    assert len(inspection.preview) == ingest.PREVIEW_ROWS
    assert inspection.preview.iloc[0]["Клиент"] == "К-0027"
    assert "%d.%m.%Y" in inspection.date_formats
    assert inspection.ok


def test_inspect_reports_binary_and_empty_files(tmp_path):
    junk = ingest.inspect_file(write(tmp_path, "x.csv", bytes(range(256)) * 50), "transactions")
    assert not junk.ok and junk.problems[0].code == "not_a_table"
    empty = ingest.inspect_file(write(tmp_path, "e.csv", b""), "transactions")
    assert not empty.ok and empty.problems[0].code == "empty_file"


@pytest.mark.parametrize(
    ("values", "first_format", "ambiguous"),
    [
        (["2024-01-05", "2024-01-06 10:30"], None, False),
        (["05.01.2024", "31.12.2024 10:30"], "%d.%m.%y", False),  # %y first: see ingest
        (["13/01/2024", "01/02/2024"], "%d/%m/%Y", False),
        (["01/13/2024", "02/01/2024"], "%m/%d/%Y", False),
        (["01/02/2024", "03/04/2024"], "%d/%m/%Y", True),
        (["19970101", "19980630"], "%Y%m%d", False),
    ],
)
def test_date_format_detection(values, first_format, ambiguous):
    formats, is_ambiguous = ingest.detect_date_formats(values)
    assert (formats[0] if formats else None) == first_format
    assert is_ambiguous is ambiguous


@pytest.mark.parametrize(
    ("encoding", "mixed_newlines", "copy"),
    [
        ("utf-8", False, False),
        ("utf-8-sig", False, False),
        ("cp1251", False, True),
        ("utf-16", False, True),
        ("utf-8", True, True),
        (None, True, False),  # XLSX / Parquet: never a text copy
    ],
)
def test_only_text_duckdb_cannot_read_gets_a_utf8_copy(encoding, mixed_newlines, copy):
    """Files without a copy are hashed while DuckDB reads them; the others before (#15)."""
    assert reading.needs_utf8_copy(encoding, mixed_newlines) is copy
