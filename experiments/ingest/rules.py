"""Rules: the plain-language message of every validation finding, and the warnings' labels."""

from __future__ import annotations

from collections.abc import Sequence

from experiments import config
from experiments.escape import quoted
from experiments.i18n.text import Text, joined
from experiments.ingest.model import Problem
from experiments.store.uploads import Finding


def word(
    finding: Finding,
    mapping: dict[str, str],
    file_name: str,
    max_chars: int,
    aside: Sequence[Finding] = (),
) -> Problem:
    """A finding from the store turned into a message that names the file's column and rows.

    The store's checks (`experiments.store.uploads`) find rows; this is where each finding code
    gets its plain-language message: what is wrong, where, and what to do. `aside` are the
    load's set-aside findings: when no row is left, the message names the top reasons."""
    by_field = {target: source for source, target in mapping.items()}
    column = by_field.get(finding.field or "", finding.field or "")
    where = f"column {quoted(column)}" if column else "the file"
    where_ = where[:1].upper() + where[1:]
    rows = ", ".join(str(r) for r in finding.rows)
    more = (
        f" and {finding.count - len(finding.rows):,} more"
        if finding.count > len(finding.rows)
        else ""
    )
    at = f" in row{'s' if finding.count > 1 else ''} {rows}{more}" if rows else ""
    examples = ", ".join(quoted(e) for e in finding.examples)
    eg = f" (e.g. {examples})" if examples else ""
    n = f"{finding.count:,}"
    n_ = finding.count
    code = finding.code
    one = finding.count == 1
    s, are, has = ("", "is", "has") if one else ("s", "are", "have")
    messages = {
        "empty_id": f"{n} row{s} {has} an empty customer id in {where}{at}. Every row needs one.",
        "bad_date": f"{n} date{s} in {where} could not be read{at}{eg}. Use YYYY-MM-DD or "
        "DD.MM.YYYY (with optional time); impossible dates such as 30 February are refused.",
        "bad_amount": f"{n} amount{s} in {where} {are} not a number{at}{eg}.",
        "bad_number": f"{n} value{s} in {where} {are} not a number{at}{eg}. "
        "Leave the cell blank when unknown.",
        "future_date": f"{n} date{s} in {where} {are} in the future{at}{eg}: check the date "
        "format (day and month swapped?) or the export.",
        "ancient_date": f"{n} date{s} in {where} {are} before 1900{at}{eg}: a two-digit year "
        "read as a year of the first century? Write years with four digits.",
        "negative_amount": f"{n} negative amount{s} in {where}{at} kept as refund{s}.",
        "implausible_amount": f"{n} amount{s} in {where} {are} beyond +-"
        f"{config.MAX_ABS_AMOUNT:,.0f} {config.CURRENCY}{at}{eg}: no single order is that large. "
        "Check the column mapping and the decimal separator.",
        "duplicate_order_id": f"{n} rows share an order id in {where}{at}{eg}. Order ids must "
        "be unique: sum the lines of an order into one row, or leave the order id unmapped.",
        "order_id_already_stored": f"{n} order id{s} in {where} {are} already in the store with "
        f"a different customer, date or amount{at}{eg}: this export overlaps an earlier upload "
        "and disagrees with it. Orders stored unchanged are skipped; for these, remove the "
        "earlier upload or correct the export.",
        "set_aside_no_customer": f"{n} row{s} without a customer id in {where}{at} (receipts "
        "without a loyalty card?) set aside: download them below.",
        "set_aside_totals_row": f"{n} totals row{s} (Итого, Total){at} set aside.",
        "set_aside_already_stored": f"{n} order{s}{at} {are} already in the store unchanged "
        f"(an overlapping export) and {'was' if one else 'were'} skipped.",
        "cell_too_long": f"{n} cell{s} in {where} {are} longer than {max_chars:,} characters"
        f"{at}{eg}. No id or label is that long: is the column mapping right?",
        "formula_text": f"{n} cell{s} in {where} look{'s' if one else ''} like a spreadsheet "
        f"formula{at}{eg}; kept as plain text and never evaluated.",
        "empty_arm": f"{n} row{s} {has} no group / arm label in {where}{at} (for a file "
        "attached to a list without a group column: customers the experiment never assigned).",
        "duplicate_customer_id": f"{n} rows repeat a customer id in {where}{at}{eg}: a file of "
        "this kind needs one row per customer.",
        "too_many_arms": f"{where_} has {n} different labels - that does not look like a "
        "group column. Map the column that names the group (control, discount, ...).",
        "single_arm": f"{where_} has only one group label: there is nothing to compare against.",
        "unknown_arm": f"{n} group label{s} in {where} {are} not arms of the experiment{eg}.",
        "no_rows": f"{file_name} has a header but no data rows.",
        "duplicate_upload": f"{file_name} was already loaded; nothing loaded.",
        "bad_encoding": f"{file_name} is not valid UTF-8 text from row {rows or '?'} on "
        "(mixed encodings?). Save it again as CSV UTF-8.",
        "unreadable_row": f"Row {rows or '?'} of {file_name} cannot be read: {finding.detail} "
        "Check quotes and the number of columns in that row.",
    }
    message = messages.get(code, f"{code}: {n} rows{at}.")
    if code == "nothing_left":
        return Problem(code, finding.severity, _nothing_left(finding, file_name, aside), (), n_)
    if code in KEYED:  # the same sentence with its catalogue key, so a page shows it in Russian
        keyed = _keyed(finding, column, rows, examples, file_name)
        if keyed == message:  # the English stays the domain's wording (tests/test_ingest_text)
            message = keyed
    return Problem(code, finding.severity, message, finding.rows, finding.count)


# the row findings a marketer meets most on the Data page, worded through the catalogue
KEYED = frozenset(
    {
        "empty_id",
        "bad_date",
        "bad_amount",
        "bad_number",
        "future_date",
        "negative_amount",
        "duplicate_order_id",
        "set_aside_no_customer",
        "single_arm",
    }
)


def _keyed(finding: Finding, column: str, rows: str, examples: str, file_name: str) -> Text:
    where = (
        Text("ingest.where.column", column=quoted(column)) if column else Text("ingest.where.file")
    )
    extra = finding.count - len(finding.rows)
    more = Text("ingest.more", number=f"{extra:,}") if extra > 0 else ""
    at: object = ""
    if rows:
        at = Text("ingest.at.other" if finding.count > 1 else "ingest.at.one", rows=rows, more=more)
    eg = Text("ingest.eg", examples=examples) if examples else ""
    values: dict[str, object] = {"count": finding.count, "where": where, "at": at, "eg": eg}
    if finding.code == "single_arm":
        values = {
            "where": Text("ingest.where_.column", column=quoted(column))
            if column
            else Text("ingest.where_.file")
        }
    elif finding.code in ("empty_id", "negative_amount", "set_aside_no_customer"):
        values.pop("eg")
    return Text(f"ingest.row.{finding.code}", **values)


# the reasons a row is set aside, as `_nothing_left` names them (ingest.aside.*)
ASIDE_REASONS = (
    "no_customer",
    "totals_row",
    "already_stored",
    "empty_id",
    "bad_date",
    "bad_amount",
    "bad_number",
    "future_date",
    "ancient_date",
    "implausible_amount",
    "duplicate_order_id",
    "order_id_already_stored",
    "cell_too_long",
)
TOP_REASONS = 3


def _nothing_left(finding: Finding, file_name: str, aside: Sequence[Finding]) -> Text:
    """'No row of F is left to load: all 4 data rows were set aside: 3 orders already in the
    store unchanged; 1 totals row.' The top reasons with their counts, largest first."""
    ranked = sorted(aside, key=lambda f: -f.count)
    parts: list[object] = []
    for reason in ranked[:TOP_REASONS]:
        code = reason.code.removeprefix("set_aside_")
        if code in ASIDE_REASONS:
            parts.append(Text(f"ingest.aside.{code}", count=reason.count))
        else:
            parts.append(Text("ingest.aside.other", count=reason.count, code=code))
    if len(ranked) > TOP_REASONS:
        rest = sum(f.count for f in ranked[TOP_REASONS:])
        parts.append(Text("ingest.aside.more", count=rest))
    return Text(
        "ingest.row.nothing_left",
        count=finding.count,
        file=file_name,
        reasons=joined(parts, "; ") or Text("ingest.aside.unknown"),
    )
