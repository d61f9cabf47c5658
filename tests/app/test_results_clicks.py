"""Results clicks (#15): settings changes served without re-aggregating the transactions,
figures built once per analysis, collapsed sections not built."""

from __future__ import annotations

import threading

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from experiments import charts, metrics, precompute, report
from experiments.store import metrics_sql, open_store

from .conftest import APP


class Calls:
    """Counts calls of a function (wrapping it), split by whether a `window` was given."""

    def __init__(self, real) -> None:
        self.real = real
        self.direct = 0
        self.foreground = 0  # direct calls made by the page's own run, not the background
        self.materialized = 0

    def __call__(self, *args, **kwargs):
        if kwargs.get("window") is None:
            self.direct += 1
            background = threading.current_thread().name.startswith(("prefetch-", "precompute-"))
            self.foreground += not background
        else:
            self.materialized += 1
        return self.real(*args, **kwargs)

    @property
    def total(self) -> int:
        return self.direct + self.materialized


def widget(at: AppTest, label: str):
    return next(w for w in at.selectbox if w.label.startswith(label))


def effects(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "p_adjusted" in d.value.columns)


@pytest.fixture(autouse=True)
def settled():
    """No prefetch of another test still building figures (the counting patches are global)."""
    precompute.settle()
    yield
    precompute.settle()


@pytest.fixture
def opened(app_env, monkeypatch):
    """The Results page opened, its precomputation finished, aggregation calls counted."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["section_effects"] = True
    at.run()
    assert not at.exception, at.exception
    assert precompute.wait(open_store(app_env), 1, timeout=120)
    calls = Calls(metrics_sql.experiment_aggregates)
    monkeypatch.setattr(metrics_sql, "experiment_aggregates", calls)
    return at, calls


def direct(app_env, **settings) -> pd.DataFrame:
    analysis = metrics.analyze_experiment(
        open_store(app_env), 1, metrics.AnalysisSettings(**settings)
    )
    return report.effects_table(analysis)


def assert_same(shown: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        shown.reset_index(drop=True), expected, check_dtype=False, rtol=1e-9
    )


def test_statistics_only_settings_never_run_the_aggregation(opened, app_env):
    at, calls = opened
    for name, value in (("Adjust", "off"), ("Correction", "bh"), ("Confidence", "90")):
        widget(at, name).set_value(value).run()
        assert not at.exception, at.exception
    assert calls.total == 0
    assert_same(
        effects(at),
        direct(app_env, horizon_days=60, use_covariate=False, correction="bh", confidence=0.9),
    )


@pytest.mark.parametrize("cap", ["off", "on"])
def test_horizon_and_capping_are_served_from_the_materialized_results(opened, app_env, cap):
    at, calls = opened
    widget(at, "Cap").set_value(cap).run()
    for horizon in ("30", "60", "90", "180"):
        widget(at, "Horizon").set_value(horizon).run()
        assert not at.exception, at.exception
        assert calls.total == 0, horizon  # precomputed: no query at all, no transactions
        assert_same(effects(at), direct(app_env, horizon_days=int(horizon), cap=cap == "on"))
        calls.direct = 0  # the direct analysis just above, for comparison


def test_a_store_write_invalidates_the_precomputed_results(opened, app_env):
    at, calls = opened
    with open_store(app_env).transaction() as cur:
        cur.execute("UPDATE transactions SET amount = amount * 2 WHERE amount > 1000")
    at.run()
    assert not at.exception, at.exception
    # the page's first open of the new version materializes the opened horizon's sums
    # (results_cache.build) and reads its view from them
    assert calls.foreground == 0 and calls.materialized >= 1
    calls.direct = calls.foreground = 0
    assert_same(effects(at), direct(app_env, horizon_days=60))


def test_figures_are_built_once_and_collapsed_sections_not_at_all(app_env, monkeypatch):
    monkeypatch.setattr(precompute, "prefetch", lambda *args, **kwargs: None)  # counted alone
    built: list[str] = []
    for name in ("forest_figure", "segments_figure", "net_value_distribution_figure"):
        real = getattr(charts, name)
        monkeypatch.setattr(
            charts,
            name,
            lambda *a, _real=real, _name=name, **k: built.append(_name) or _real(*a, **k),
        )
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert built == ["forest_figure"]  # segments and the distribution are collapsed
    at.run()  # an unchanged rerun draws the cached figures
    assert built == ["forest_figure"]
    at.session_state["section_segments"] = True
    at.run()
    assert built == ["forest_figure", "segments_figure"]
    widget(at, "Confidence").set_value("90").run()  # another analysis: its own figures
    assert built.count("forest_figure") == 2 and built.count("segments_figure") == 2


def test_a_click_after_the_prefetch_builds_nothing_and_queries_nothing(opened, monkeypatch):
    at, calls = opened
    built: list[str] = []
    real = charts.forest_figure
    monkeypatch.setattr(
        charts, "forest_figure", lambda *a, **k: built.append("forest") or real(*a, **k)
    )
    for name, value in (("Horizon", "90"), ("Confidence", "99"), ("Cap", "on")):
        precompute.settle()  # the views one click away are ready (a person takes longer)
        built.clear()
        widget(at, name).set_value(value).run()
        assert not at.exception, at.exception
        assert built == [], name  # its figures were built in the background
    assert calls.total == 0
