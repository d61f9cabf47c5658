"""Browser: the Russian HTML report read on a 390 px phone fits the screen (a long live-view
link made the page 3,966 px wide), its verdicts stay in view, and its charts are drawn."""

from __future__ import annotations

import pytest

from experiments import decision, demo, metrics, report
from experiments.i18n import t
from experiments.store import Store

PHONE = {"width": 390, "height": 844}
LONG_LINK = (
    "http://10.0.0.5:8501/?experiment=%D0%9B%D0%BE%D1%8F%D0%BB%D1%8C%D0%BD%D0%BE%D1%81%D1%82%D1%8C"
    "&view=report&lang=ru&horizon=60&confidence=0.95&correction=holm&token=" + "a1b2c3d4" * 30
)


@pytest.fixture(scope="module")
def russian_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("phone")
    store = Store(folder / "demo.duckdb")
    demo.seed_demo(store, customers=3000, seed=3, replace=True)
    analysis = metrics.analyze_experiment(store, 1)
    store.close()
    path = folder / "report-ru.html"
    path.write_text(report.html_report(analysis, link=LONG_LINK, lang="ru"), encoding="utf-8")
    return path, decision.decide(analysis, lang="ru")


def test_russian_report_fits_a_390px_phone_with_its_verdicts_in_view(browser, russian_report):
    path, decisions = russian_report
    page = browser.new_page(viewport=PHONE)
    page.goto(path.as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    page.wait_for_timeout(1500)  # plotly's responsive resize
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    verdicts = page.locator("td.verdict")
    assert verdicts.count() == len(decisions)
    for i, d in enumerate(decisions):  # the lever table's verdict column, row by row
        cell = verdicts.nth(i)
        cell.scroll_into_view_if_needed()
        assert cell.is_visible() and cell.inner_text() == d.label_in("ru")
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    link = page.locator("p.live a")
    assert link.inner_text() == LONG_LINK  # wrapped, not cut
    box = link.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    for chart in page.locator(".js-plotly-plot").all():  # charts reflow to the screen
        box = chart.bounding_box()
        assert box is not None and box["width"] <= PHONE["width"]
    assert page.get_by_role("heading", name=t("report.decisions", "ru")).count() == 1
    page.close()
