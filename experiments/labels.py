"""Words people write in files that the app recognises: control groups, totals rows, yes / no.

One home for each list, read by the upload checks (`experiments.store.uploads` builds its SQL
from these constants, never from user text), the header guesses (`experiments.ingest`) and
the assignment-list intake (`experiments.design`): when two copies of a list drifted, an
assignment list's 'holdout' arm was not a control while a result file's was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Arm labels that name the control group. Exact names (compared case-folded) win over the
# broader pattern: a list with arms "control" and "holdout" has "control" as its control.
CONTROL_NAMES: tuple[str, ...] = ("control", "контроль", "control group", "контрольная группа")
_CONTROL_PATTERN = re.compile(
    r"(control|контроль|holdout|hold-out|no[ _-]?e-?mail|no[ _-]?mail|none|без\b|baseline|"
    r"placebo|^0$|^c$|^ctrl)",
    re.IGNORECASE,
)

# First cells of a totals line at the end of an export ("Итого", "Total"): set aside, not data.
TOTALS_WORDS: tuple[str, ...] = ("итого", "итог", "всего", "total", "totals", "grand total")
# `TOTALS_PATTERN` in Python and `TOTALS_REGEX` in SQL (regexp_matches over lower(cell)): the
# word at the start of the cell, followed by a non-letter or the end.
TOTALS_REGEX = r"^\s*(" + "|".join(TOTALS_WORDS) + r")([^a-zа-яё0-9]|$)"
TOTALS_PATTERN = re.compile(TOTALS_REGEX, re.IGNORECASE)

# Yes / no cells of a result file (a "Покупка: да/нет" column) are a 0/1 metric.
TRUE_WORDS: tuple[str, ...] = ("да", "д", "yes", "y", "true", "истина", "+", "1", "1.0")
FALSE_WORDS: tuple[str, ...] = ("нет", "н", "no", "n", "false", "ложь", "-", "0", "0.0")


def looks_like_control(label: str) -> bool:
    """An arm label that names the control group (control, Контроль, holdout, No E-Mail...)."""
    text = label.strip()
    return text.casefold() in CONTROL_NAMES or bool(_CONTROL_PATTERN.search(text))


def control_label(labels: Iterable[str]) -> str | None:
    """The one label of `labels` that names the control group, or None.

    An exact control name (`CONTROL_NAMES`) wins; else the label that alone looks like a
    control (`looks_like_control`). Two candidates of the same rank give None: the marketer
    says which one is the control.
    """
    labels = list(dict.fromkeys(labels))
    exact = [a for a in labels if a.strip().casefold() in CONTROL_NAMES]
    if exact:
        return exact[0] if len(exact) == 1 else None
    broad = [a for a in labels if looks_like_control(a)]
    return broad[0] if len(broad) == 1 else None


def looks_like_totals(cell: str) -> bool:
    """A cell that starts a totals line (Итого, Всего, Total, Grand total)."""
    return bool(TOTALS_PATTERN.match(cell))
