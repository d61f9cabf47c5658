"""The analysis' data warnings in Russian: each carries its catalogue key and raw values, and
`AnalysisWarning.text("ru")` formats them (decimal comma, dates, plural forms); the JSON keeps
the English message and only kind + message."""

from __future__ import annotations

import re

import pytest

from experiments import metrics, report
from experiments.metrics import AnalysisWarning
from experiments.store import Store


def test_a_short_window_warning_reads_russian_with_russian_numbers():
    warning = AnalysisWarning(
        "short_window",
        "Partly observed window: ...",
        "warning.short_window",
        (
            ("severity", "warning.window.partly"),
            ("observed", 1200),
            ("count", 2000),
            ("horizon", 60),
            ("last", "2026-10-31 22:55:51"),
            ("longest", 30),
        ),
    )
    text = warning.text("ru")
    assert text.startswith("Окно наблюдения пройдено не у всех: ")
    assert "1\u00a0200 из 2\u00a0000" in text and "31.10.2026" in text and "30 дней" in text
    assert warning.text("en") == warning.message


def test_srm_and_count_warnings_in_russian():
    srm = AnalysisWarning("srm", "x", "warning.srm", (("p", 0.00312), ("note", "a 10 / b 20")))
    assert "p = 0,0031" in srm.text("ru")
    duplicates = AnalysisWarning("data", "x", "warning.duplicate_assignments", (("count", 3),))
    assert duplicates.text("ru").startswith("3 повторных назначения")


@pytest.fixture(scope="module")
def long_horizon(demo_path) -> metrics.ExperimentAnalysis:
    store = Store(demo_path)
    try:  # a horizon longer than the data: the window warning
        return metrics.analyze_experiment(store, 1, metrics.AnalysisSettings(horizon_days=365))
    finally:
        store.close()


def test_every_warning_of_a_real_analysis_reads_russian(long_horizon):
    assert long_horizon.warnings
    for warning in long_horizon.warnings:
        assert warning.key, warning.message  # no warning left without catalogue words
        text = warning.text("ru")
        assert re.search("[а-яё]", text, re.I) and text != warning.message
    page = report.html_report(long_horizon, lang="ru")
    assert long_horizon.warnings[0].text("ru").split(":")[0] in page
    assert "<span lang='en'>" not in page  # no English details folded any more


def test_the_json_keeps_kind_and_english_message_only(long_horizon):
    rows = long_horizon.as_json()["warnings"]
    assert rows and all(set(r) == {"kind", "message"} for r in rows)
    assert rows[0]["message"] == long_horizon.warnings[0].message
