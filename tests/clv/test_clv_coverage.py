"""The CLV projection's bootstrap intervals cover a known truth at their nominal level (#15).

Experiments drawn from BG/NBD + Gamma-Gamma with known parameters, where the projection's model
is right (per-arm fits with a lasting lever; one pooled fit when the arms do not differ). The
truth is what `ArmProjection.projected_clv` estimates: the arm population's expected 12-month
discounted margin per customer (`clv.true_future_clv`, exact). Coverage must be the nominal 95%
within twice its Monte Carlo error, 2 sqrt(0.95 x 0.05 / n) over n experiments - too low (the
percentile interval's 0.84-0.87 in bench/results/clv_coverage.md) and too high both fail.

The replicates are few (REPLICATES) so that the test runs in seconds: the interval's coverage
must not depend on their number (at 20 replicates a 95% percentile interval spans the 1st to
the 20th order statistic and covers some 90%).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from experiments import clv

SPEND = clv.GammaGammaParams(5.0, 4.0, 60.0)  # mean spend 100 per purchase day
BASE = clv.BgNbdParams(0.6, 40.0 / 7, 0.8, 3.0)  # weeks
FASTER = clv.BgNbdParams(0.6, 25.0 / 7, 0.8, 3.0)  # buys 60% more often, for good
ARMS = pd.DataFrame({"arm_id": [0, 1], "name": ["Control", "Lever"], "kind": ["control", "gift"]})
EXPERIMENTS = 200
CUSTOMERS = 1000  # per arm
REPLICATES = 20
NOMINAL = 0.95


def _coverage(method: str, lever: clv.BgNbdParams) -> dict[str, float]:
    """Share of EXPERIMENTS whose interval covers the truth: control's CLV, the lever's, and
    the difference."""
    T = np.random.default_rng(3).integers(24, 29, CUSTOMERS).astype(float)
    control_truth = clv.true_future_clv(BASE, SPEND, T)
    lever_truth = clv.true_future_clv(lever, SPEND, T)
    covered = {"control": 0, "lever": 0, "difference": 0}
    for number in range(EXPERIMENTS):
        summary = clv.simulate_arm_summary(
            {0: BASE, 1: lever}, SPEND, T, np.random.default_rng(7000 + number)
        )
        result = clv.project_arm_frame(
            summary, ARMS, bootstrap=REPLICATES, seed=number, method=method
        )
        control, treated = result.arms
        assert result.failed_replicates == 0
        assert treated.ci_lower is not None and treated.ci_upper is not None
        covered["difference"] += treated.ci_lower <= lever_truth - control_truth <= treated.ci_upper
        for name, arm, truth in (
            ("control", control, control_truth),
            ("lever", treated, lever_truth),
        ):
            assert arm.projected_ci_lower is not None and arm.projected_ci_upper is not None
            covered[name] += arm.projected_ci_lower <= truth <= arm.projected_ci_upper
    return {name: count / EXPERIMENTS for name, count in covered.items()}


@pytest.mark.slow
@pytest.mark.parametrize(("method", "lever"), [("per_arm", FASTER), ("pooled", BASE)])
def test_intervals_cover_the_true_clv_at_the_nominal_level(method, lever):
    tolerance = 2 * math.sqrt(NOMINAL * (1 - NOMINAL) / EXPERIMENTS)
    coverage = _coverage(method, lever)
    assert all(abs(c - NOMINAL) <= tolerance for c in coverage.values()), (coverage, tolerance)
