"""Preview: what the Data page shows before loading, from the file's first megabyte."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from experiments.ingest import reading
from experiments.ingest.columns import FIELDS, guess_mapping
from experiments.ingest.dates import detect_date_formats
from experiments.ingest.model import FieldSpec, FileFormat, Kind, Problem

PREVIEW_ROWS = 20


@dataclass(frozen=True)
class Inspection:
    """What the Data page shows before loading.

    Attributes:
        kind: the kind of file the user said it is.
        file_name: the name shown to the user.
        format: detected format, encoding, delimiter and decimal mark.
        columns: the file's column names (deduplicated, blanks named ``column N``).
        preview: the first rows as text, with the file's column names.
        guessed_mapping: {file column: field} guessed from the headers.
        fields: the fields of this kind, with which are required.
        problems: problems visible from the first rows (empty file, binary data, ...).
        date_formats: strptime formats matching the date column's first values.
    """

    kind: Kind
    file_name: str
    format: FileFormat
    columns: tuple[str, ...]
    preview: pd.DataFrame
    guessed_mapping: dict[str, str]
    fields: tuple[FieldSpec, ...]
    problems: tuple[Problem, ...] = ()
    date_formats: tuple[str, ...] = ()

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def inspect_file(path: str | Path, kind: Kind, file_name: str | None = None) -> Inspection:
    """Detect how to read a file and guess the column mapping, reading only its beginning.

    Never raises for a bad file: what is wrong comes back in `problems`.
    """
    path = Path(path)
    file_name = file_name or path.name
    head = reading.read_head(path, file_name)
    guessed = guess_mapping(kind, head.columns)
    preview = (
        pd.DataFrame(
            [row + [""] * (len(head.columns) - len(row)) for row in head.rows[:PREVIEW_ROWS]],
            columns=list(head.columns),
        )
        if head.columns
        else pd.DataFrame()
    )
    ts_column = next((c for c, f in guessed.items() if f == "ts"), None)
    date_formats: tuple[str, ...] = ()
    if ts_column is not None:
        date_formats = detect_date_formats(reading.column_values(head, ts_column))[0]
    return Inspection(
        kind=kind,
        file_name=file_name,
        format=head.format,
        columns=head.columns,
        preview=preview,
        guessed_mapping=guessed,
        fields=FIELDS[kind],
        problems=head.problems,
        date_formats=date_formats,
    )
