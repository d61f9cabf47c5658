"""Escape at the edge, once: user-supplied text shown in Markdown (pages) or HTML (exports).

Experiment, arm, metric, file and column names are typed by people or come from uploaded
files. Rendered as Markdown, `![x](http://host/p.png)` makes a manager's browser fetch from
that host and `[Log in](http://host)` becomes a link; in an HTML export `<img src=...>` does the
same; in a plotly figure `<a href=...>` is a live link too. Every page and every export passes
such text through `markdown` or `html` here, every chart builder through `plotly`.
Spreadsheet cells have their own one helper, `experiments.design.escape_cell`.
"""

from __future__ import annotations

import html as _html
import math
import re

# CommonMark's ASCII punctuation that can start or end markup, plus Streamlit's own
# ':color[...]' / ':material/...:' directives and 'http://' autolinks (a ':' before a word or
# '//'; '$' for LaTeX, '~' strikethrough, '|' tables)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$!]|:(?=\w|//))")
_AUTOLINK_WWW = re.compile(r"(?i)\b(www)\.")  # 'www.host' autolinks like 'http://host'
_LINE_START = re.compile(r"^(\s*\d*)([-+=.)])")  # a list item ('- ', '1. ') or '=' underline


def markdown(text: object) -> str:
    """The text shown literally in Streamlit Markdown (titles, captions, st.markdown, st.table).

    Every character that can start markup is backslash-escaped: no links, images, emphasis,
    HTML, directives or LaTeX, and no autolinked 'http://...' or 'www.' (the ':' and '.' are
    escaped). Line breaks become spaces, so a name cannot start a heading or a list.
    """
    flat = re.sub(r"[\r\n\u2028\u2029]+", " ", str(text))
    escaped = _AUTOLINK_WWW.sub(r"\1\\.", _MARKDOWN_SPECIAL.sub(r"\\\1", flat))
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def html(text: object) -> str:
    """The text shown literally in HTML, attribute values included (quotes are escaped)."""
    return _html.escape(str(text), quote=True)


def plotly(text: object) -> str:
    """The text drawn literally by plotly.js in a figure (titles, annotations, trace names,
    legend entries, axis categories and ticks, hover customdata).

    plotly renders a subset of HTML in every text it draws: '<b>A</b>' would be bold and
    '<a href="http://host">x</a>' a live link. '&', '<' and '>' become the entities plotly
    decodes back to the characters, so the name reads as typed. Applied by the chart builders
    (experiments/charts) to each user-supplied string they put in a figure, never to a whole
    figure: the figure's own markup ('<br>', '<extra></extra>') stays markup.
    """
    return _html.escape(str(text), quote=False)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def quoted(value: object) -> str:
    """A user's value in a message, as they typed it, in single quotes: 'Сумма, руб'.

    Never a Python repr: repr showed a no-break space as '\\xa0', a value holding a quote in
    the other quotes with backslashes, and bytes as b'...'. Line breaks and tabs read as a
    space and other control characters as U+FFFD, so the message stays one line. Not escaped:
    the message is escaped once where it is shown (`markdown`, `html`).
    """
    if isinstance(value, bytes | bytearray | memoryview):
        text = bytes(value).decode("utf-8", errors="replace")
    else:
        text = str(value)
    text = _CONTROL.sub("\ufffd", re.sub(r"[\r\n\t\u2028\u2029]", " ", text))
    return f"'{text}'"


def json_finite(value: object) -> object:
    """The value with every NaN / infinity replaced by null, in nested dicts and lists too:
    JSON has no such numbers (`Infinity` / `NaN` break every JSON reader)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_finite(v) for v in value]
    return value
