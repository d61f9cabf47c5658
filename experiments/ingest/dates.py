"""Dates: which strptime formats read a date column, and whether day and month are ambiguous."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from experiments import labels
from experiments.ingest.reading import SAMPLE_ROWS

_DATE_FAMILIES: tuple[tuple[str, ...], ...] = (
    # %y before %Y: DuckDB's %Y also reads two digits ("01.02.23" -> year 23), its %y
    # refuses four, so each value falls through to the format that fits it
    ("%d.%m.%y", "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S"),
    ("%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S"),
    ("%m/%d/%Y", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p"),
    ("%Y%m%d",),
    ("%Y/%m/%d", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S"),
    ("%d-%m-%Y", "%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S"),
)
DATE_FORMAT_SHARE = 0.5  # a date format must read at least this share of the sampled dates
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")


def detect_date_formats(values: Iterable[str]) -> tuple[tuple[str, ...], bool]:
    """strptime formats for a date column's sample, and whether day/month order is ambiguous.

    ISO dates need no format (DuckDB casts them): the result is then empty. Otherwise the
    family of formats that parses the most sampled values wins, if it parses most of them
    (`DATE_FORMAT_SHARE`): one impossible date (31.02.2026) is then a row the validation names,
    not a reason to read every date of the column as unreadable. Day-first beats month-first
    when both fit as many.
    """
    sample = [v.strip() for v in values if v and v.strip() and not labels.looks_like_totals(v)]
    sample = sample[:SAMPLE_ROWS]  # a trailing "Итого" row is set aside, not a date
    other = [v for v in sample if not _ISO.match(v)]
    if not other:
        return (), False
    counts = [sum(_parses(v, family) for v in other) for family in _DATE_FAMILIES]
    best = max(counts)
    if best == 0 or best < DATE_FORMAT_SHARE * len(other):
        return (), False
    ambiguous = counts[1] == counts[2] == best
    return _DATE_FAMILIES[counts.index(best)], ambiguous


def _parses(value: str, formats: tuple[str, ...]) -> bool:
    for fmt in formats:
        try:
            dt.datetime.strptime(value, fmt)
            return True
        except ValueError:
            continue
    return False
