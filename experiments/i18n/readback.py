"""What the store keeps in English (an upload's message and status, the demo's name), said
again in the reader's language.

The store has no languages: an upload row holds the English text scripts have always read
(`uploads --json`). Each of those texts is written from the catalogue (the demo's summary and
name, `demo.summary` / `demo.file_name`) or from stable codes (a load's warnings,
``negative_amount: 3; set_aside_totals_row: 1``), so reading one back is matching it to the
English template or the codes it was written from and saying the same values in the session's
language. A text that matches none (an older wording, a code the catalogue does not name) is
shown as it was stored, so no row of an old store is lost or garbled.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Callable
from functools import cache

from experiments.i18n.catalogue import message, t
from experiments.i18n.language import Lang
from experiments.i18n.messages import MESSAGES
from experiments.i18n.text import PerLanguage, Text, counted, short_date

WARNING_SEP = "; "  # experiments.store.uploads joins a load's warnings as 'code: count; ...'
_WARNING = re.compile(r"(?P<code>[a-z_]+): (?P<count>\d+)")
SET_ASIDE = "set_aside_"  # a warning code for rows set aside for a reason (ingest.aside.*)


@cache
def _template_pattern(key: str) -> re.Pattern[str]:
    """The English template of `key` as a pattern whose groups are its placeholders."""
    template = message(key, "en")
    assert isinstance(template, str), key  # plural messages are not stored
    parts = []
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name:
            parts.append(f"(?P<{name}>.+?)")
    return re.compile("".join(parts))


def template_values(key: str, text: str) -> dict[str, str] | None:
    """The values a stored English `text` was written with from the template `key` ('Demo
    data: 4,000 customers, ...' -> {'customers': '4,000 customers', ...}); None if it was not."""
    found = _template_pattern(key).fullmatch(text)
    return found.groupdict() if found else None


def _whole(text: str) -> int:
    """The first whole number of an English text: '4,000 customers' -> 4000."""
    found = re.search(r"\d[\d,]*", text)
    if found is None:
        raise ValueError(text)
    return int(found.group(0).replace(",", ""))


def _noun(noun: str) -> Callable[[str], object]:
    return lambda text: counted(_whole(text), noun)


def _bare(noun: str) -> Callable[[str], object]:
    """A number the English template names its noun after ('{customers} customers'): the
    same digits in English, the number with its noun's plural form in Russian."""
    return lambda text: PerLanguage(en=text, ru=t(f"count.{noun}", "ru", count=_whole(text)))


def _date(text: str) -> object:
    return short_date(dt.date.fromisoformat(text))


# what each stored template's values are, to say them again: placeholder -> English text -> value
_READERS: dict[str, dict[str, Callable[[str], object]]] = {
    "demo.summary": {
        "customers": _noun("customers"),
        "transactions": _noun("transactions"),
        "audience": _noun("customers"),
        "arms": _noun("arms"),
        "first": _date,
        "last": _date,
    },
    "demo.file_name": {"customers": _bare("customers")},  # 'demo (4000 customers, seed 5)'
    "upload.message.assignments": {"customers": _bare("customers"), "arms": _bare("arms")},
}


def stored_text(key: str, text: str) -> Text | None:
    """A stored English `text` written from the template `key`, as a `Text` that renders in
    any language; None when it does not read as that template (an older wording)."""
    values = template_values(key, text)
    if values is None:
        return None
    readers = _READERS.get(key, {})
    try:
        typed = {name: readers.get(name, str)(value) for name, value in values.items()}
        rebuilt = Text(key, **typed)
    except (ValueError, KeyError, TypeError):
        return None
    return rebuilt if rebuilt == text else None  # it must say exactly what was stored


def warning_text(code: str, count: int) -> Text:
    """One warning of a load in words: ``negative_amount``, 3 -> '3 rows with a negative
    amount' / '3 строки с отрицательной суммой'; rows set aside by their reason
    (``set_aside_totals_row``: ingest.aside.*); a code without words as 'code: count'."""
    reason = code.removeprefix(SET_ASIDE)
    if code.startswith(SET_ASIDE) and f"ingest.aside.{reason}" in MESSAGES:
        return Text(f"ingest.aside.{reason}", count=count)
    key = f"upload.warning.{code}"
    if key in MESSAGES:
        entry = MESSAGES[key]["en"]
        return Text(key, count=count) if isinstance(entry, dict) else Text(key)
    return Text("upload.warning.other", code=code, count=count)


def _warnings(message: str) -> list[Text] | None:
    parts = message.split(WARNING_SEP)
    found = [_WARNING.fullmatch(part) for part in parts]
    if not all(found):
        return None
    return [warning_text(m.group("code"), int(m.group("count"))) for m in found if m]


def upload_message(message: object, kind: str, lang: Lang) -> str:
    """An upload's stored message in `lang`: the demo's summary, an assignment list's line or a
    load's warnings said again; '' for none; anything else as stored."""
    if message is None or (isinstance(message, float) and message != message):  # NULL, NaN
        return ""
    stored = str(message)
    if not stored:
        return ""
    key = {"demo": "demo.summary", "assignments": "upload.message.assignments"}.get(kind)
    if key is not None:
        text = stored_text(key, stored)
        return text.render(lang) if text is not None else stored
    warnings = _warnings(stored)
    if warnings is None:
        return stored
    return WARNING_SEP.join(w.render(lang) for w in warnings)


def upload_file_name(file_name: object, kind: str, lang: Lang) -> str:
    """An upload's name: the demo's own ('demo (4000 customers, seed 5)') in `lang`, a file's
    name as it was typed."""
    stored = str(file_name)
    if kind != "demo":
        return stored
    text = stored_text("demo.file_name", stored)
    return text.render(lang) if text is not None else stored


def upload_status(status: object, lang: Lang) -> str:
    """An upload's status in words (ru 'загружено'); a status without words as stored."""
    key = f"cli.uploads.status.{status}"
    return t(key, lang) if key in MESSAGES else str(status)
