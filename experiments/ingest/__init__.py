"""Read uploaded files: detect format, encoding, delimiter and decimal mark; map; validate; load.

Where things are:
- `reading`: encodings (UTF-8, cp1251, UTF-16), delimiters, decimal comma, XLSX and Parquet
  heads, hashing and transcoding; `dates`: which date formats a column is written in.
- `columns`: the fields of each kind of file, header synonyms (English and Russian) and the
  mapping from file columns to fields.
- `rules`: the plain-language message of every validation finding (the checks themselves are
  set queries in `experiments.store.uploads`).
- one module per kind of file: `transactions`, `customers`, `results`, `assignments`.
- `preview` (what the Data page shows before loading) and `loading` (`load_file`).

Decisions worth knowing:
- Row numbers in problems count the header as row 1, as a spreadsheet shows the file. They
  count records: a blank line, or a line break inside a quoted cell, shifts later numbers.
- Refunds (negative amounts) load and are flagged. Future dates, unparseable values, empty
  ids and duplicate order ids refuse the whole file: a load is all-or-nothing.
- Cells that look like spreadsheet formulas (``=HYPERLINK(...)``, ``+cmd``, ``@SUM``) are
  kept verbatim as inert text and flagged with a warning: the store never evaluates them, and
  exports must neutralise them (prefix ``'``) before a spreadsheet opens them.
- Column names from the file never reach SQL: columns are staged by position.
"""

from __future__ import annotations

from experiments.ingest.columns import (
    FIELDS,
    SYNONYMS,
    MappingError,
    guess_mapping,
    normalize_header,
    parse_mapping,
)
from experiments.ingest.dates import detect_date_formats
from experiments.ingest.loading import LoadResult, load_file, remove_upload
from experiments.ingest.model import IGNORE, KINDS, FieldSpec, FileFormat, Kind, Problem
from experiments.ingest.preview import PREVIEW_ROWS, Inspection, inspect_file
from experiments.ingest.reading import HEAD_BYTES, read_table

__all__ = [
    "FIELDS",
    "HEAD_BYTES",
    "IGNORE",
    "KINDS",
    "PREVIEW_ROWS",
    "SYNONYMS",
    "FieldSpec",
    "FileFormat",
    "Inspection",
    "Kind",
    "LoadResult",
    "MappingError",
    "Problem",
    "detect_date_formats",
    "guess_mapping",
    "inspect_file",
    "load_file",
    "normalize_header",
    "parse_mapping",
    "read_table",
    "remove_upload",
]
