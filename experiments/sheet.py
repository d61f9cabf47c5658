"""XLSX read once, streaming, with limits: the first sheet's cells as text rows.

A workbook is a zip of XML; a 10 MB upload can expand to gigabytes (a zip bomb) and a sheet
can carry a million styled but empty rows. pandas/openpyxl build every cell as an object (a
million empty rows took 154 s, and the Data page parsed the sheet up to three times). Here the
sheet XML is parsed with expat as it is decompressed, never held whole:

- the expanded size of the sheet and its shared strings is checked against
  `config.MAX_XLSX_EXPANDED_MB` from the zip directory before anything is parsed, and the
  bytes actually decompressed are counted too (Python's zipfile stops at the declared size);
- data rows are capped at `config.MAX_XLSX_ROWS` and columns at `config.MAX_COLUMNS`;
- empty rows cost a few microseconds each, and trailing ones are dropped (interior ones are
  kept, so row numbers still match the sheet).

Cells come back as pandas/openpyxl would show them as text: numbers as written (integers
without '.0'), dates with a date format as 'YYYY-MM-DD HH:MM:SS', booleans 'True'/'False',
formulas as their cached value.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from xml.parsers import expat

import pandas as pd

from experiments import config
from experiments.i18n.text import PerLanguage, Text, numeral

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_BUILTIN_DATE_FORMATS = {*range(14, 23), 45, 46, 47}
_DATE_CODE = re.compile(r"(\"[^\"]*\"|\\.|\[[^\]]*\])")  # quoted text, escapes, [colours]
_COLUMN = re.compile(r"[A-Z]+")
_CHUNK = 1 << 20


class SheetError(ValueError):
    """The workbook cannot be read, or is beyond a limit; the message (a catalogue `Text`) says
    which, for people.

    Attributes:
        limit: the workbook is readable but beyond a limit (splitting it helps, saving it again
            from Excel does not).
    """

    def __init__(self, message: Text, *, limit: bool = False) -> None:
        super().__init__(message)
        self.limit = limit


@dataclass(frozen=True)
class SheetLimits:
    """Limits of one read (defaults from experiments.config; tests lower them).

    Attributes:
        max_expanded_bytes: decompressed sheet + shared-strings XML.
        max_rows: data rows after the header.
        max_columns: columns of the widest row.
    """

    max_expanded_bytes: int = field(default_factory=lambda: config.MAX_XLSX_EXPANDED_MB * 2**20)
    max_rows: int = field(default_factory=lambda: config.MAX_XLSX_ROWS)
    max_columns: int = field(default_factory=lambda: config.MAX_COLUMNS)


def _megabytes(size: float) -> PerLanguage:
    return numeral(round(size / 2**20))


def _limits_text(limits: SheetLimits) -> Text:
    return Text(
        "sheet.limits",
        rows=numeral(limits.max_rows),
        columns=numeral(limits.max_columns),
        megabytes=_megabytes(limits.max_expanded_bytes),
    )


class _Counted:
    """A file object that counts the bytes read and stops past the limit."""

    def __init__(self, raw: IO[bytes], limit: int, limits: SheetLimits) -> None:
        self.raw, self.limit, self.limits, self.done = raw, limit, limits, 0

    def read(self, size: int = _CHUNK) -> bytes:
        data = self.raw.read(size)
        self.done += len(data)
        if self.done > self.limit:
            raise SheetError(
                Text("sheet.workbook_too_big", limits=_limits_text(self.limits)), limit=True
            )
        return data


def _parse(
    stream: _Counted,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    chars: Callable[[str], None],
) -> None:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    while data := stream.read(_CHUNK):
        parser.Parse(data, False)
    parser.Parse(b"", True)


_MAX_PART_BYTES = 32 * 2**20  # workbook.xml, its relations, styles.xml: small in any real file


def _read_part(archive: zipfile.ZipFile, name: str) -> bytes:
    """A small part read whole, refused when it unzips past _MAX_PART_BYTES (a bomb hidden in
    styles.xml is read before the sheet). KeyError when the part is missing."""
    info = archive.getinfo(name)
    if info.file_size > _MAX_PART_BYTES:
        raise SheetError(
            Text(
                "sheet.part_too_big",
                part=name,
                size=_megabytes(info.file_size),
                limit=_megabytes(_MAX_PART_BYTES),
            ),
            limit=True,
        )
    with archive.open(info) as part:  # zipfile stops at the declared size
        return part.read(_MAX_PART_BYTES + 1)


def _first_sheet(archive: zipfile.ZipFile) -> str:
    names = set(archive.namelist())
    try:
        workbook = _read_part(archive, "xl/workbook.xml")
        rels = _read_part(archive, "xl/_rels/workbook.xml.rels")
    except KeyError:
        return "xl/worksheets/sheet1.xml"
    rid: list[str] = []
    targets: dict[str, str] = {}

    def on_workbook(name: str, attrs: dict[str, str]) -> None:
        if name == f"{_MAIN} sheet" and not rid:
            rid.append(attrs.get(f"{_REL} id", ""))

    def on_rels(name: str, attrs: dict[str, str]) -> None:
        if name.endswith("Relationship"):
            targets[attrs.get("Id", "")] = attrs.get("Target", "")

    for xml, handler in ((workbook, on_workbook), (rels, on_rels)):
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = handler
        parser.Parse(xml, True)
    target = targets.get(rid[0], "") if rid else ""
    path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    path = posixpath.normpath(path)
    return path if path in names else "xl/worksheets/sheet1.xml"


def _date_styles(archive: zipfile.ZipFile) -> tuple[set[int], bool]:
    """Indexes of cell styles that show a date, and whether the workbook uses the 1904 epoch."""
    try:
        workbook = _read_part(archive, "xl/workbook.xml")[:100_000]
    except KeyError:
        workbook = b""
    epoch_1904 = re.search(rb'date1904="(1|true)"', workbook) is not None
    try:
        styles = _read_part(archive, "xl/styles.xml")
    except KeyError:
        return set(), epoch_1904
    custom: dict[int, str] = {}
    formats: list[int] = []
    depth = {"cellXfs": False}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "numFmt":
            custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            depth["cellXfs"] = True
        elif local == "xf" and depth["cellXfs"]:
            formats.append(int(attrs.get("numFmtId", "0")))

    def end(name: str) -> None:
        if name.endswith("cellXfs"):
            depth["cellXfs"] = False

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.Parse(styles, True)

    def is_date(fmt: int) -> bool:
        if fmt in _BUILTIN_DATE_FORMATS:
            return True
        code = _DATE_CODE.sub("", custom.get(fmt, "")).lower()
        return bool(code) and any(ch in code for ch in "dmyhs") and "general" not in code

    return {i for i, fmt in enumerate(formats) if is_date(fmt)}, epoch_1904


def _as_date(value: str, epoch_1904: bool) -> str:
    serial = float(value)
    base = dt.datetime(1904, 1, 1) if epoch_1904 else dt.datetime(1899, 12, 30)
    if not epoch_1904 and serial < 60:  # Excel's phantom 29 February 1900
        serial += 1
    moment = base + dt.timedelta(days=serial)
    moment = moment.replace(microsecond=0) + dt.timedelta(seconds=round(moment.microsecond / 1e6))
    return moment.isoformat(sep=" ")


def _as_number(value: str) -> str:
    text = value.strip()
    if re.fullmatch(r"-?\d+", text):
        return text
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else str(number)


def _column_index(ref: str | None, fallback: int) -> int:
    if not ref:
        return fallback
    letters = _COLUMN.match(ref)
    if not letters:
        return fallback
    index = 0
    for ch in letters.group(0):
        index = index * 26 + ord(ch) - 64
    return index - 1


def iter_rows(
    path: str | Path, limits: SheetLimits | None = None, *, max_rows: int | None = None
) -> Iterator[tuple[int, list[str | None]]]:
    """(sheet row number, cells) for the first sheet's rows up to the last non-empty one.

    `max_rows` stops early (the Data page's preview needs the header and a few rows).

    Raises:
        SheetError: not a readable workbook, or beyond a limit (the message says which).
    """
    limits = limits or SheetLimits()
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise SheetError(Text("sheet.unreadable", detail=str(error))) from None
    with archive:
        try:
            sheet = _first_sheet(archive)
            info = archive.getinfo(sheet)
            strings_info = next(
                (i for i in archive.infolist() if i.filename == "xl/sharedStrings.xml"), None
            )
            expanded = info.file_size + (strings_info.file_size if strings_info else 0)
            if expanded > limits.max_expanded_bytes:
                raise SheetError(
                    Text(
                        "sheet.sheet_too_big",
                        size=_megabytes(expanded),
                        limits=_limits_text(limits),
                    ),
                    limit=True,
                )
            date_styles, epoch_1904 = _date_styles(archive)
            strings = _shared_strings(archive, strings_info, limits)
            budget = limits.max_expanded_bytes - (strings_info.file_size if strings_info else 0)
            with archive.open(info) as raw:
                yield from _sheet_rows(
                    _Counted(raw, budget, limits),
                    strings,
                    date_styles,
                    epoch_1904,
                    limits,
                    max_rows,
                )
        except SheetError:
            raise
        except (
            KeyError,
            zipfile.BadZipFile,
            expat.ExpatError,
            ValueError,
            OSError,
            EOFError,
        ) as error:
            raise SheetError(Text("sheet.unreadable", detail=str(error))) from None


def _shared_strings(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo | None, limits: SheetLimits
) -> list[str]:
    if info is None:
        return []
    strings: list[str] = []
    parts: list[str] = []
    state = {"in_t": False, "phonetic": False}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "t" and not state["phonetic"]:
            state["in_t"] = True
        elif local == "rPh":
            state["phonetic"] = True

    def end(name: str) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "t":
            state["in_t"] = False
        elif local == "rPh":
            state["phonetic"] = False
        elif local == "si":
            strings.append("".join(parts))
            parts.clear()

    def chars(text: str) -> None:
        if state["in_t"]:
            parts.append(text)

    with archive.open(info) as raw:
        _parse(_Counted(raw, limits.max_expanded_bytes, limits), start, end, chars)
    return strings


_C, _V, _IS, _T, _ROW = (f"{_MAIN} {tag}" for tag in ("c", "v", "is", "t", "row"))


def _sheet_rows(
    stream: _Counted,
    strings: list[str],
    date_styles: set[int],
    epoch_1904: bool,
    limits: SheetLimits,
    max_rows: int | None,
) -> Iterator[tuple[int, list[str | None]]]:
    """Expat handlers kept minimal: an empty styled cell costs one dict lookup and a compare,
    so a million empty rows parse in seconds."""
    ready: list[tuple[int, list[str | None]]] = []
    row: dict[int, str] = {}
    text: list[str] = []
    cell: list[dict[str, str]] = [{}]
    flags = {"value": False, "is": False}
    numbers = {"row": 0, "first": -1, "stop": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == _C:
            cell[0] = attrs
            if text:
                text.clear()
        elif name == _V or (name == _T and flags["is"]):
            flags["value"] = True
        elif name == _IS:
            flags["is"] = True
        elif name == _ROW:
            number = attrs.get("r")
            numbers["row"] = int(number) if number and number.isdigit() else numbers["row"] + 1
            row.clear()

    def end(name: str) -> None:
        if name == _C:
            if text:
                _store_cell()
        elif name in (_V, _T):
            flags["value"] = False
        elif name == _IS:
            flags["is"] = False
        elif name == _ROW:
            _end_row()

    def _store_cell() -> None:
        attrs = cell[0]
        raw = "".join(text)
        text.clear()
        kind = attrs.get("t", "n")
        if kind == "s":
            index = int(raw) if raw.strip().isdigit() else -1
            value = strings[index] if 0 <= index < len(strings) else ""
        elif kind == "b":
            value = "True" if raw.strip() in ("1", "true") else "False"
        elif kind in ("str", "inlineStr", "e"):
            value = raw
        elif (
            (style := attrs.get("s")) is not None and style.isdigit() and int(style) in date_styles
        ):
            try:
                value = _as_date(raw, epoch_1904)
            except (ValueError, OverflowError):
                value = raw
        else:
            value = _as_number(raw)
        column = _column_index(attrs.get("r"), max(row) + 1 if row else 0)
        if column >= limits.max_columns:
            raise SheetError(
                Text(
                    "sheet.too_many_columns",
                    row=numeral(numbers["row"]),
                    column=numeral(column + 1),
                    limits=_limits_text(limits),
                ),
                limit=True,
            )
        if value != "":
            row[column] = value

    def _end_row() -> None:
        number = numbers["row"]
        if numbers["first"] >= 0 and max_rows is not None and number - numbers["first"] >= max_rows:
            numbers["stop"] = 1  # enough for a preview, empty rows included
        if not row:
            return
        if numbers["first"] < 0:
            numbers["first"] = number
        elif number - numbers["first"] > limits.max_rows:  # the header, then max_rows rows
            raise SheetError(
                Text(
                    "sheet.too_many_rows",
                    rows=numeral(limits.max_rows),
                    limits=_limits_text(limits),
                ),
                limit=True,
            )
        if not numbers["stop"] or number - numbers["first"] < (max_rows or 0):
            ready.append((number, [row.get(i) for i in range(max(row) + 1)]))

    def chars(data: str) -> None:
        if flags["value"]:
            text.append(data)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    while not numbers["stop"] and (data := stream.read(_CHUNK)):
        parser.Parse(data, False)
        yield from ready
        ready.clear()
    if not numbers["stop"]:
        parser.Parse(b"", True)
        yield from ready


def read_frame(path: str | Path, limits: SheetLimits | None = None) -> pd.DataFrame:
    """The first sheet as a DataFrame of text (None for blank cells), its first row the header.

    Blank header cells are named 'Unnamed: N' and repeated names get '.1', '.2' as pandas
    names them; blank rows between filled ones are kept, so row numbers match the sheet.

    Raises:
        SheetError: not a readable workbook, or beyond a limit.
    """
    numbered = list(iter_rows(path, limits))
    if not numbered:
        return pd.DataFrame()
    header_row, header = numbered[0]
    width = max(len(cells) for _, cells in numbered)
    names: list[str] = []
    for i, name in enumerate([*header, *[None] * (width - len(header))]):
        base = name if name else f"Unnamed: {i}"
        names.append(base if base not in names else f"{base}.{names.count(base)}")
    records: list[list[str | None]] = []
    for number, cells in numbered[1:]:
        records.extend([None] * width for _ in range(number - header_row - 1 - len(records)))
        records.append(cells + [None] * (width - len(cells)))
    return pd.DataFrame(records, columns=names, dtype=object)
