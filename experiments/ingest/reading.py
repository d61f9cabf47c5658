"""Reading: detect a file's format, encoding, delimiter and decimal mark; hash and transcode it.

Works on the first megabyte only (detection, preview, mapping guesses) and streams the file
once to hash it — and, for cp1251 or UTF-16 text, to transcode it to UTF-8 in large chunks,
because DuckDB reads only UTF-8 without extensions.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from experiments import config, sheet
from experiments.escape import quoted
from experiments.i18n.text import Text, numeral
from experiments.ingest.model import FileFormat, Problem, problem
from experiments.progress import Progress

if TYPE_CHECKING:
    from typing_extensions import Buffer

HEAD_BYTES = 1 << 20  # detection, preview and guesses read this much of the file
CHUNK_BYTES = 8 << 20  # hashing and transcoding stream the file in chunks this large
SAMPLE_ROWS = 2000
DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class Head:
    """The file's first megabyte, decoded and parsed."""

    format: FileFormat
    columns: tuple[str, ...]
    rows: list[list[str]]  # the first SAMPLE_ROWS data rows as text
    problems: tuple[Problem, ...] = ()
    frame: pd.DataFrame | None = None  # the whole sheet, for xlsx


# Some exporters write a UTF-8 BOM and then Windows-1251 bytes. Read as UTF-8 that is mojibake
# or a refusal; this codec (registered below, so pandas, the transcoder and the preview all read
# it by name) drops the BOM and decodes the rest as cp1251.
CP1251_AFTER_BOM = "cp1251-bom"


class _Cp1251AfterBomDecoder(codecs.BufferedIncrementalDecoder):
    def __init__(self, errors: str = "strict") -> None:
        super().__init__(errors)
        self._started = False

    def _buffer_decode(self, data: Buffer, errors: str, final: bool) -> tuple[str, int]:
        data = bytes(data)
        skip = 0
        if not self._started:
            if not final and len(data) < len(codecs.BOM_UTF8):
                return "", 0  # wait for the whole BOM
            self._started = True
            skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
        return codecs.decode(data[skip:], "cp1251", errors), len(data)

    def reset(self) -> None:
        super().reset()
        self._started = False


def _cp1251_after_bom_decode(data: Buffer, errors: str = "strict", /) -> tuple[str, int]:
    raw = bytes(data)
    skip = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    return codecs.decode(raw[skip:], "cp1251", errors), len(raw)


def _find_codec(name: str) -> codecs.CodecInfo | None:
    if name.replace("-", "_") != CP1251_AFTER_BOM.replace("-", "_"):
        return None
    cp1251 = codecs.lookup("cp1251")
    return codecs.CodecInfo(
        cp1251.encode,
        _cp1251_after_bom_decode,
        incrementalencoder=cp1251.incrementalencoder,
        incrementaldecoder=_Cp1251AfterBomDecoder,
        name=CP1251_AFTER_BOM,
    )


codecs.register(_find_codec)


def _detect_encoding(head: bytes) -> str:
    """Decided by decoding strictly: a BOM says UTF-8 only when the bytes after it are."""
    if head.startswith(codecs.BOM_UTF8):
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head[3:], final=False)
        except UnicodeDecodeError:
            return CP1251_AFTER_BOM
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1251"


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    control = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\r\n")
    return "\x00" in text[:65536] or control > max(2, len(text[:65536]) // 200)


def _sniff_delimiter(lines: list[str]) -> str:
    best, best_score = ",", (-1.0, 0)
    for delimiter in DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
        if not counts:
            continue
        mode, hits = Counter(counts).most_common(1)[0]
        score = (hits / len(counts) if mode > 1 else 0.0, mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


_DECIMAL_COMMA = re.compile(r"^-?\d{1,3}(?:[ \u00a0\u202f]?\d{3})*,\d+$|^-?\d+,\d+$")
_DECIMAL_POINT = re.compile(r"^-?\d+\.\d+$")
# "1,500" is 1.5 with a decimal comma and 1500 with a thousands comma: no evidence either way
_THOUSANDS_COMMA = re.compile(r"^-?\d{1,3}(?:,\d{3})+$")


def _detect_decimal(rows: list[list[str]], *, sheet: bool = False) -> Literal[".", ","]:
    """Decimal comma only on unambiguous evidence ("12,50"); "1,500" votes for neither, so
    a file of such amounts is read with a decimal point and refused rather than loaded 1000x
    too small.

    In a sheet (`sheet`), number cells read '857.49' whichever mark is chosen (the comma rule
    only turns ',' into '.'), so their points are no evidence: one text cell written "857,49"
    (1C saves amounts as text) is enough for a decimal comma.
    """
    comma = point = 0
    for row in rows[:SAMPLE_ROWS]:
        for cell in row:
            cell = cell.strip()
            if _THOUSANDS_COMMA.match(cell):
                continue
            if _DECIMAL_COMMA.match(cell):
                comma += 1
            elif _DECIMAL_POINT.match(cell):
                point += 1
    if sheet:
        return "," if comma else "."
    return "," if comma > point else "."


def _unique_columns(header: list[str]) -> tuple[str, ...]:
    seen: Counter[str] = Counter()
    columns = []
    for i, name in enumerate(header, start=1):
        # a header cell wrapped onto two lines in Excel ("Дата\nпокупки") is one name
        name = " ".join(name.lstrip("\ufeff").split()) or f"column {i}"
        seen[name] += 1
        columns.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return tuple(columns)


def _too_many_columns(file_name: str, count: int) -> Problem:
    return problem(
        "too_many_columns",
        Text(
            "ingest.file.too_many_columns",
            file=file_name,
            columns=numeral(count),
            limit=numeral(config.MAX_COLUMNS),
        ),
    )


def _shape_problem(lines: list[str], file_name: str) -> Problem | None:
    """Refuse, before parsing, a head whose first line is too wide or a line too long.

    Checked on the raw lines, so a 100,000-column or 15,000-column file is refused in
    milliseconds instead of reaching the CSV reader (which stops at 128 K per field).
    """
    if not lines:
        return None
    width = max(lines[0].count(d) for d in DELIMITERS) + 1
    if width > config.MAX_COLUMNS:
        return _too_many_columns(file_name, width)
    for number, line in enumerate(lines, start=1):
        if len(line) > config.MAX_LINE_CHARS:
            return problem(
                "line_too_long",
                Text(
                    "ingest.file.line_too_long",
                    line=numeral(number),
                    file=file_name,
                    length=numeral(len(line)),
                    row_limit=numeral(config.MAX_LINE_CHARS),
                    cell_limit=numeral(config.MAX_CELL_CHARS),
                ),
                rows=(number,),
                count=1,
            )
    return None


def _mixed_encoding_line(head: bytes) -> int | None:
    """The first line not in the encoding of the lines before it, when a head mixes valid
    UTF-8 text (non-ASCII) with lines that are not UTF-8 (Windows-1251); else None."""
    utf8_seen = other_seen = None
    lines = head.split(b"\n")
    for number, line in enumerate(lines[:-1] or lines, start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other_seen = other_seen or number
        else:
            utf8_seen = utf8_seen or number
        if utf8_seen and other_seen:
            return max(utf8_seen, other_seen)
    return None


def no_file(path: Path) -> Text:
    """The problem of a path that is not a file (a load, an assignment list)."""
    return Text("ingest.file.missing", path=str(path))


def read_head(path: Path, file_name: str, *, whole_sheet: bool = False) -> Head:
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    empty = problem("empty_file", Text("ingest.file.empty", file=file_name))
    if not head.strip():
        return Head(FileFormat("csv", size_bytes=size), (), [], (empty,))
    if head.startswith(b"PAR1"):
        return _read_parquet_head(path, file_name, size)
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, file_name, size, whole=whole_sheet)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return Head(
            FileFormat("xlsx", size_bytes=size),
            (),
            [],
            (
                problem(
                    "unsupported_format",
                    Text("ingest.file.xls", file=file_name),
                ),
            ),
        )
    encoding = _detect_encoding(head)
    after_bom = head[len(codecs.BOM_UTF8) :] if encoding == CP1251_AFTER_BOM else head
    if (
        encoding in ("cp1251", CP1251_AFTER_BOM)
        and (mixed := _mixed_encoding_line(after_bom)) is not None
    ):
        return Head(
            FileFormat("csv", encoding, size_bytes=size),
            (),
            [],
            (
                problem(
                    "bad_encoding",
                    Text("ingest.file.mixed_encoding", file=file_name, line=numeral(mixed)),
                ),
            ),
        )
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)
    if _looks_binary(text):
        return Head(
            FileFormat("csv", encoding, size_bytes=size),
            (),
            [],
            (
                problem(
                    "not_a_table",
                    Text("ingest.file.binary", file=file_name),
                ),
            ),
        )
    lines = text.splitlines()
    if refused := _shape_problem(lines, file_name):
        return Head(FileFormat("csv", encoding, size_bytes=size), (), [], (refused,))
    if size > len(head) and lines:
        lines = lines[:-1]  # the last line may be cut in the middle
    lines = [line for line in lines if line.strip()]
    if not lines:
        return Head(FileFormat("csv", encoding, size_bytes=size), (), [], (empty,))
    delimiter = ","
    try:  # a field over csv's 128 K limit is refused above; other csv errors fall back
        delimiter = _sniff_delimiter(lines[:50])
        parsed = list(
            csv.reader(io.StringIO("\n".join(lines[: SAMPLE_ROWS + 1])), delimiter=delimiter)
        )
    except csv.Error:
        parsed = [line.split(delimiter) for line in lines[: SAMPLE_ROWS + 1]]
    columns = _unique_columns(parsed[0])
    if len(columns) > config.MAX_COLUMNS:
        return Head(
            FileFormat("csv", encoding, delimiter, size_bytes=size),
            (),
            [],
            (_too_many_columns(file_name, len(columns)),),
        )
    rows = parsed[1:]
    crlf = text.count("\r\n")
    mixed = 0 < crlf < text.count("\n")  # header LF, rows CRLF (or the other way round)
    fmt = FileFormat("csv", encoding, delimiter, _detect_decimal(rows), size, mixed)
    problems: list[Problem] = []
    if not rows:
        problems.append(
            problem(
                "no_rows",
                Text("ingest.file.header_only", file=file_name, count=len(columns)),
            )
        )
    return Head(fmt, columns, rows, tuple(problems))


def _text_rows(frame: pd.DataFrame) -> list[list[str]]:
    return [["" if pd.isna(v) else str(v) for v in row] for row in frame.itertuples(index=False)]


def _read_xlsx(path: Path, file_name: str, size: int, *, whole: bool = False) -> Head:
    """The first sheet, streamed once (experiments.sheet, limits in config): its first rows
    for a preview, or every row when `whole` (the load)."""
    fmt = FileFormat("xlsx", size_bytes=size)
    try:
        numbered = list(sheet.iter_rows(path, max_rows=None if whole else SAMPLE_ROWS + 1))
    except sheet.SheetError as error:
        key = "ingest.file.xlsx_beyond_limit" if error.limit else "ingest.file.xlsx_unreadable"
        message = Text(key, file=file_name, reason=error.args[0])
        return Head(fmt, (), [], (problem("unreadable_file", message),))
    if not numbered:
        empty = Text("ingest.file.sheet_empty", file=file_name)
        return Head(fmt, (), [], (problem("no_rows", empty),))
    header_row, header = numbered[0]
    width = max(len(cells) for _, cells in numbered)
    columns = _unique_columns([c or "" for c in header] + [""] * (width - len(header)))
    records: list[list[str | None]] = []
    for number, cells in numbered[1:]:  # blank rows between filled ones keep their place
        records.extend([None] * width for _ in range(number - header_row - 1 - len(records)))
        records.append(cells + [None] * (width - len(cells)))
    frame = pd.DataFrame(records, columns=list(columns), dtype=object)
    rows = [["" if v is None else v for v in row] for row in records[:SAMPLE_ROWS]]
    problems: tuple[Problem, ...] = ()
    if not records:
        problems = (problem("no_rows", Text("ingest.file.sheet_no_rows", file=file_name)),)
    fmt = FileFormat("xlsx", decimal=_detect_decimal(rows, sheet=True), size_bytes=size)
    return Head(fmt, columns, rows, problems, frame if whole else None)


def _read_parquet_head(path: Path, file_name: str, size: int) -> Head:
    import pyarrow.parquet as pq
    import pyarrow.types as pa_types

    fmt = FileFormat("parquet", size_bytes=size)
    try:
        parquet = pq.ParquetFile(path)
        schema = parquet.schema_arrow
        if len(schema.names) > config.MAX_COLUMNS:
            return Head(fmt, (), [], (_too_many_columns(file_name, len(schema.names)),))
        nested = [f.name for f in schema if pa_types.is_nested(f.type)]
        if nested:
            message = Text(
                "ingest.file.nested",
                file=file_name,
                columns=", ".join(quoted(n) for n in nested[:5]),
            )
            return Head(fmt, (), [], (problem("nested_column", message),))
        columns = _unique_columns(list(schema.names))
        batch = next(parquet.iter_batches(batch_size=SAMPLE_ROWS), None)
    except Exception as error:  # pyarrow raises several types for corrupt files
        return Head(
            FileFormat("parquet", size_bytes=size),
            (),
            [],
            (
                problem(
                    "unreadable_file",
                    Text("ingest.file.parquet_unreadable", file=file_name, detail=str(error)),
                ),
            ),
        )
    rows = _text_rows(batch.to_pandas()) if batch is not None else []
    problems: tuple[Problem, ...] = ()
    if not rows:
        problems = (problem("no_rows", Text("ingest.file.no_rows", file=file_name)),)
    return Head(FileFormat("parquet", size_bytes=size), columns, rows, problems)


def read_table(
    path: str | Path, file_name: str | None = None
) -> tuple[pd.DataFrame | None, FileFormat, tuple[Problem, ...]]:
    """The whole file as text cells, read the way `inspect_file` detected it.

    For files small enough to hold in memory (assignment lists); never raises for a bad file:
    (None, format, problems) then. Columns carry the names `inspect_file` shows.
    """
    path = Path(path)
    file_name = file_name or path.name
    if not path.is_file():
        return None, FileFormat("csv"), (problem("no_file", no_file(path)),)
    head = read_head(path, file_name, whole_sheet=True)  # a sheet is read once, whole
    if not head.columns or any(p.severity == "error" for p in head.problems):
        return None, head.format, head.problems
    fmt = head.format
    try:
        if fmt.kind == "xlsx":
            assert head.frame is not None
            frame = head.frame.astype(object).where(head.frame.notna(), None)
        elif fmt.kind == "parquet":
            frame = pd.read_parquet(path).astype("string")
        else:
            frame = pd.read_csv(
                path,
                sep=fmt.delimiter or ",",
                encoding=fmt.encoding or "utf-8",
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=True,
            )
    except (ValueError, UnicodeDecodeError, OSError) as error:
        message = Text(
            "ingest.file.unreadable_as",
            file=file_name,
            format=fmt.describe(),
            detail=str(error),
        )
        return None, fmt, (problem("unreadable_file", message),)
    if len(frame.columns) != len(head.columns):
        message = Text("ingest.file.ragged", file=file_name)
        return None, fmt, (problem("unreadable_row", message),)
    frame.columns = pd.Index(head.columns)
    return frame, fmt, ()


def column_values(head: Head, column: str) -> list[str]:
    index = head.columns.index(column)
    return [row[index] for row in head.rows if index < len(row)]


class NulByte(Exception):
    """A NUL byte in a text file: binary data, or a broken export. `line` is 1-based."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def needs_utf8_copy(encoding: str | None, mixed_newlines: bool = False) -> bool:
    """DuckDB reads this text only from a UTF-8 copy with LF line ends (cp1251, UTF-16, or
    mixed line endings, which its reader refuses)."""
    return encoding in ("cp1251", CP1251_AFTER_BOM, "utf-16") or (
        mixed_newlines and encoding is not None
    )


def hash_and_transcode(
    path: Path, encoding: str | None, progress: Progress | None, newlines: bool = False
) -> tuple[str, Path | None]:
    """sha256 of the original bytes and, for non-UTF-8 text (or, with `newlines`, mixed line
    endings, which DuckDB's reader refuses), a UTF-8 copy with LF line ends. One pass."""
    digest = hashlib.sha256()
    size = max(path.stat().st_size, 1)
    decoder = None
    out = None
    target: Path | None = None
    if needs_utf8_copy(encoding, newlines):
        decoder = codecs.getincrementaldecoder(encoding or "utf-8")(errors="strict")
        fd, name = tempfile.mkstemp(prefix="loyalty-lab-", suffix=".csv")
        out = os.fdopen(fd, "wb")
        target = Path(name)
    done = lines = 0
    text = encoding is not None and encoding != "utf-16"  # UTF-16 text is full of NUL bytes
    try:
        with path.open("rb") as f:
            carry = ""  # a CR at a chunk's end may start the next chunk's CRLF
            while chunk := f.read(CHUNK_BYTES):
                digest.update(chunk)
                if text and (nul := chunk.find(b"\x00")) >= 0:
                    raise NulByte(lines + chunk.count(b"\n", 0, nul) + 1)
                if text:
                    lines += chunk.count(b"\n")
                if decoder is not None and out is not None:
                    decoded = carry + decoder.decode(chunk)
                    carry = ""
                    if newlines:
                        if decoded.endswith("\r"):
                            decoded, carry = decoded[:-1], "\r"
                        decoded = decoded.replace("\r\n", "\n")
                    out.write(decoded.encode("utf-8"))
                done += len(chunk)
                if progress:
                    verb = "progress.hashing_converting" if decoder else "progress.hashing"
                    progress(0.3 * done / size, Text(verb))
            if decoder is not None and out is not None:
                out.write((carry + decoder.decode(b"", final=True)).encode("utf-8"))
    except BaseException:
        if out is not None:
            out.close()
        if target is not None:
            target.unlink(missing_ok=True)
        raise
    if out is not None:
        out.close()
    return digest.hexdigest(), target
