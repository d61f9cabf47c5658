"""Escape at the edge, once: user-supplied text shown in Markdown (pages) or HTML (exports).

Experiment, arm, metric, file and column names are typed by people or come from uploaded
files. Rendered as Markdown, `![x](http://host/p.png)` makes a manager's browser fetch from
that host and `[Log in](http://host)` becomes a link; in an HTML export `<img src=...>` does the
same. Every page and every export passes such text through `markdown` or `html` here.
Spreadsheet cells have their own one helper, `experiments.design.escape_cell`.
"""

from __future__ import annotations

import html as _html
import re

import numpy as np
import plotly.graph_objects as go

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


# plotly.js renders a few HTML tags in every text it draws (names, ticks, titles, hover):
# '<a href=...>' becomes a live link. Our own figures use only these bare tags.
_PLOTLY_TAG = re.compile(r"<(?!/?(?:br|b|i|em|sup|sub)\s*/?>)", re.IGNORECASE)


def figure_text(value: object) -> object:
    """A figure's strings (from to_dict) with every tag but <br>, <b>, <i>, <em>, <sup>, <sub>
    neutralised: a name like '<a href="http://host">gift</a>' is drawn as text, not a link."""
    if isinstance(value, str):
        return _PLOTLY_TAG.sub("&lt;", value)
    if isinstance(value, dict):
        return {k: v if k == "template" else figure_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [figure_text(v) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "OU":  # category labels
        return [figure_text(v) for v in value.tolist()]
    return value


def figure(fig: go.Figure) -> go.Figure:
    """A copy of the figure safe to draw: see `figure_text`."""
    return go.Figure(figure_text(fig.to_dict()))
