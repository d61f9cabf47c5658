"""Tests, intervals and corrections from per-arm sufficient statistics (numbers in, typed results out)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MetricKind = Literal["binary", "money"]
Method = Literal["z", "welch", "cuped"]
Correction = Literal["holm", "bh", "none"]
Status = Literal["ok", "insufficient_data"]


@dataclass(frozen=True)
class SampleStats:
    """Sufficient statistics of one metric in one arm (what the SQL returns).

    Attributes:
        n: customers in the arm.
        sum: sum of the metric over customers.
        sum_squares: sum of squared metric values.
        cov_sum: sum of the pre-period covariate (0 when no covariate).
        cov_sum_squares: sum of squared covariate values.
        cross_sum: sum of metric x covariate.
    """

    n: int
    sum: float
    sum_squares: float
    cov_sum: float = 0.0
    cov_sum_squares: float = 0.0
    cross_sum: float = 0.0
