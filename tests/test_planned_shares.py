"""Planned arm shares have one home (`stats.equal_split`, `stats.planned_shares`): the SRM test
of a file analysis, the analysis' arm summaries, the Design page's share column and the demo's
arms read it."""

from __future__ import annotations

import pytest
from scipy import stats as scipy_stats

from experiments import demo, stats


def test_equal_split_gives_every_arm_one_kth():
    assert stats.equal_split(["control", "gift", "discount"]) == pytest.approx(
        {"control": 1 / 3, "gift": 1 / 3, "discount": 1 / 3}
    )
    assert stats.equal_split(["a", "a", "b"]) == {"a": 0.5, "b": 0.5}
    assert stats.equal_split([]) == {}


def test_planned_shares_normalise_weights_and_default_to_the_equal_split():
    assert stats.planned_shares({"a": 2.0, "b": 1.0, "c": 1.0}) == pytest.approx(
        {"a": 0.5, "b": 0.25, "c": 0.25}
    )
    assert stats.planned_shares(None, ["a", "b"]) == stats.equal_split(["a", "b"])
    assert stats.planned_shares({"a": 0.0, "b": 0.0}) == stats.equal_split(["a", "b"])


def test_srm_on_the_default_plan_equals_scipys_uniform_chisquare():
    counts = {"control": 1040, "gift": 960, "discount": 1000}
    result = stats.srm_test(counts, stats.planned_shares(None, list(counts)))
    want = scipy_stats.chisquare(list(counts.values()))
    assert result.statistic == pytest.approx(want.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(want.pvalue, rel=1e-12)


def test_the_demo_plans_equal_arms():
    assert pytest.approx([1 / len(demo.ARMS)] * len(demo.ARMS)) == demo._DEMO_SHARES
