"""Equality of two builders' answers: counts exactly, money to 1e-9 relative (shared by the
engine equivalence tests)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from experiments.store import metrics_sql

REL = 1e-9


def close(got: float | None, want: float | None) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return math.isclose(got, want, rel_tol=REL, abs_tol=REL)


def assert_same(got, want) -> None:
    """Two {key: GroupStats} equal: counts exactly, sums to 1e-9 relative."""
    assert set(got) == set(want)
    for key in want:
        g, w = got[key], want[key]
        assert g.assigned == w.assigned, key
        assert dict(g.observed) == dict(w.observed), key
        assert set(g.moments) == set(w.moments), key
        for request, wm in w.moments.items():
            gm = g.moments[request]
            where = (key, request)
            assert gm.n == wm.n, where
            assert gm.sum == pytest.approx(wm.sum, rel=REL, abs=REL), where
            if wm.sum_squares is None:
                assert gm.sum_squares is None, where
            else:
                assert gm.sum_squares == pytest.approx(wm.sum_squares, rel=REL, abs=REL)
            assert set(gm.cross) == set(wm.cross), where
            for other, value in wm.cross.items():
                assert gm.cross[other] == pytest.approx(value, rel=REL, abs=REL), where


def assert_same_aggregates(got: metrics_sql.Aggregates, want: metrics_sql.Aggregates) -> None:
    """Everything a builder returns is the DuckDB builder's: statistics per arm and segment
    (attribute segments included), caps, CUPED moments (with the RFM indicators), the
    Kaplan-Meier histogram and the net value distribution."""
    assert (got.first_ts, got.last_ts) == (want.first_ts, want.last_ts)
    assert got.discount_source == want.discount_source
    assert_same(got.arms, want.arms)
    assert_same(got.segments, want.segments)
    assert list(got.segments) == list(want.segments)  # same order: same tables on the page
    assert set(got.caps) == set(want.caps)
    for metric, (lower, upper) in want.caps.items():
        assert close(got.caps[metric][0], lower) and close(got.caps[metric][1], upper), metric
    pd.testing.assert_frame_equal(got.survival, want.survival)  # counts: exactly
    pd.testing.assert_frame_equal(
        got.distribution, want.distribution, check_exact=False, rtol=REL, atol=REL
    )
    assert set(got.moments) == set(want.moments)
    for arm, per_metric in want.moments.items():
        assert set(got.moments[arm]) == set(per_metric)
        for metric, w in per_metric.items():
            g = got.moments[arm][metric]
            assert (g.names, g.n) == (w.names, w.n), (arm, metric)  # the same RFM indicators
            assert g.sums == pytest.approx(w.sums, rel=REL, abs=REL), (arm, metric)
            for g_row, w_row in zip(g.products, w.products, strict=True):
                assert g_row == pytest.approx(w_row, rel=REL, abs=REL), (arm, metric)


def assert_same_json(got: object, want: object, where: str = "") -> None:
    """Two JSON documents equal: same keys, lists and text; numbers to 1e-9 relative."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), where
        for key in want:
            assert_same_json(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, list | tuple):
        assert isinstance(got, list | tuple) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same_json(g, w, f"{where}[{i}]")
    elif isinstance(want, float) or (isinstance(want, int) and isinstance(got, float)):
        assert isinstance(got, float | int) and not isinstance(got, bool), where
        if math.isnan(want):
            assert math.isnan(got), where
        else:
            assert got == pytest.approx(want, rel=REL, abs=REL), where
    else:  # text, flags, None and counts: exactly
        assert got == want, where
