"""Transaction files (one row per order): their fields and how their dates are read."""

from __future__ import annotations

from experiments.escape import quoted
from experiments.i18n.text import Text
from experiments.ingest.dates import detect_date_formats
from experiments.ingest.model import FieldSpec, Problem, problem
from experiments.ingest.reading import Head, column_values

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("customer_id", True, "customer / card / client id"),
    FieldSpec("ts", True, "purchase date or date and time"),
    FieldSpec("amount", True, "amount paid (negative for refunds)"),
    FieldSpec("order_id", False, "order / receipt id; must be unique when given"),
    FieldSpec("margin", False, "gross margin in money, before any discount"),
    FieldSpec("channel", False, "store, site or channel"),
    FieldSpec("discount", False, "discount amount given on the order"),
)


def date_formats(head: Head, ts_column: str) -> tuple[tuple[str, ...], list[Problem]]:
    """The strptime formats the date column is read with (none for ISO dates), and a warning
    when day and month order are ambiguous (read as day/month)."""
    formats, ambiguous = detect_date_formats(column_values(head, ts_column))
    notes: list[Problem] = []
    if ambiguous:
        notes.append(
            problem(
                "ambiguous_dates",
                Text("ingest.ambiguous_dates", column=quoted(ts_column)),
                severity="warning",
                count=1,
            )
        )
    return formats, notes
