"""The HTML report's payback and fading statements are in the store's currency, as the
cards and `analyze --json` are (`report.figure_specs(..., currency)`)."""

from __future__ import annotations

import html

import pytest

from experiments import decision, report
from experiments.i18n import Formatter


@pytest.mark.parametrize(("lang", "never"), [("en", "RUB"), ("ru", "₽")])
def test_the_reports_fading_statements_are_in_euros(analysis, lang, never):
    assert analysis.fading  # the demo's levers are tested for fading
    page = report.html_report(analysis, lang=lang, currency="EUR")
    words = decision.Words(lang, "EUR")
    fmt = Formatter(lang, "EUR")
    for test in analysis.fading.values():
        statement = decision.timing_statement(test, words)
        assert html.escape(statement) in page, statement
        early = words.money(test.early.diff or 0.0)
        assert early in statement and fmt.currency_symbol in early
    for caption in (report.fading_caption, report.payback_caption):
        assert html.escape(caption(analysis, lang, "EUR")) in page
        assert never not in caption(analysis, lang, "EUR")
    page_specs = {s.name: s.caption for s in report.figure_specs(analysis, lang, "EUR")}
    assert page_specs["decay"] == report.fading_caption(analysis, lang, "EUR")
    assert never in report.fading_caption(analysis, lang, "RUB")  # the test can tell them apart
