"""The metric catalogue: every metric of an experiment analysis declared once, with its aggregates.

Each `Metric` says what it is (kind, unit, label), what the decision does with it (role, tested,
guardrail), how CUPED adjusts it (covariate) and which per-customer aggregates its inference
needs (`Aggregate`). `requests` turns the catalogue into the list of `Request`s a query builder
computes per arm and segment (`experiments.store.metrics_sql` generates DuckDB SQL from them; a
second builder for another engine reads the same requests), and the builder answers with typed
`Moments` in `GroupStats`, keyed by what was requested, never by column names. Definitions of the
per-customer values themselves (windows, margin, cost) are in `experiments.store.metrics_sql`.

No SQL here, and nothing engine-specific: tea-tasting's metrics declare their aggregates the same
way, and each backend computes exactly those.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the catalogue stays light: labels and units are read without scipy
    from experiments.stats import MetricKind as TestKind
    from experiments.stats import SampleStats

__all__ = [
    "BY_NAME",
    "CAPPED",
    "CUPED_COVARIATES",
    "DECISION_METRIC",
    "FADING_SERIES",
    "GUARDRAILS",
    "HORIZON_METRICS",
    "KEPT_MARGIN",
    "METRICS",
    "PRE_PERIOD_COVARIATES",
    "PRIMARY_CHOICES",
    "Aggregate",
    "GroupStats",
    "Metric",
    "Moments",
    "Request",
    "metric",
    "requests",
]

MetricKind = Literal["binary", "money", "count"]  # a 0/1 rate, an amount, a count per customer
Unit = Literal["share", "currency", "orders"]
Role = Literal["decision", "secondary", "guardrail"]
# The per-customer aggregates a metric's inference needs, over the customers observed at the
# horizon: count (n), sum, sum of squares, the cross product with its own CUPED covariate, and
# the full moments with every CUPED covariate (`CUPED_COVARIATES` and the RFM segment).
Aggregate = Literal["count", "sum", "sum_squares", "cross", "cuped_moments"]

# Pre-period covariates, all measured before assignment. The three of the balance check and the
# arms' pre-period means; the CUPED set of the money metrics in priority order (a covariate that
# is constant or collinear in an arm is dropped, later ones first), the RFM segment's indicators
# following them.
PRE_PERIOD_COVARIATES = ("pre_buyer", "pre_orders", "pre_spend")
CUPED_COVARIATES = ("pre_spend_capped", "pre_orders", "pre_recency", "pre_buyer", "tenure_days")


@dataclass(frozen=True)
class Metric:
    """One metric, declared once.

    Attributes:
        name: identifier in effects, JSON and known_effects (and the per-customer value the
            query builder computes).
        label: what a person reads.
        kind: 'binary' (0/1 per customer: a rate), 'money' or 'count' (per customer amounts).
        unit: 'share' (shown in percent / pp), 'currency' or 'orders'.
        role: 'decision' (the verdict decides on it), 'secondary' (reported, tested when
            `tested`) or 'guardrail' (only read by a guardrail).
        covariate: the single pre-period covariate of the classic CUPED row.
        capped: winsorised at pooled percentiles when capping is on (`stats.CapRule`).
        tested: gets effect rows vs control (others are per-arm means only).
        aggregates: what its inference needs per arm (see `Aggregate`); a binary metric needs
            no sum of squares (it equals the sum).
        guardrail: the design's guardrail name that reads this metric, if any.
        derived_from: a metric computed from another one's effect instead of aggregated (kept
            margin is net value plus the lever's fixed cost).
    """

    name: str
    label: str
    kind: MetricKind
    unit: Unit
    role: Role
    covariate: str
    capped: bool
    tested: bool
    aggregates: tuple[Aggregate, ...]
    guardrail: str | None = None
    derived_from: str | None = None

    @property
    def test_kind(self) -> TestKind:
        """How `experiments.stats` tests it: a rate (z-test) or a mean (Welch, CUPED)."""
        return "binary" if self.kind == "binary" else "money"


_RATE: tuple[Aggregate, ...] = ("count", "sum", "cross")
_MEAN: tuple[Aggregate, ...] = ("count", "sum", "sum_squares", "cross", "cuped_moments")

METRICS: tuple[Metric, ...] = (
    Metric("repeat_purchase", "Repeat purchase", "binary", "share", "secondary", "pre_buyer",
           capped=False, tested=True, aggregates=_RATE, guardrail="repeat_purchase"),
    Metric("orders", "Orders per customer", "count", "orders", "secondary", "pre_orders",
           capped=False, tested=True, aggregates=_MEAN, guardrail="orders"),
    Metric("revenue", "Revenue per customer", "money", "currency", "secondary", "pre_spend",
           capped=True, tested=True, aggregates=_MEAN),
    Metric("margin", "Gross margin per customer", "money", "currency", "secondary", "pre_spend",
           capped=True, tested=False, aggregates=_MEAN),
    # the lever's cost is paid in full: never capped
    Metric("cost", "Lever cost per customer", "money", "currency", "secondary", "pre_spend",
           capped=False, tested=False, aggregates=_MEAN),
    Metric("net_value", "Net value per customer", "money", "currency", "decision", "pre_spend",
           capped=True, tested=True, aggregates=_MEAN),
)  # fmt: skip
# margin kept after the discounts given, before the lever's fixed cost (which net value already
# charges): a guardrail, read from net value's effect (`decision`)
KEPT_MARGIN = Metric(
    "kept_margin", "Margin kept per customer", "money", "currency", "guardrail", "pre_spend",
    capped=True, tested=False, aggregates=(), guardrail="margin_per_customer",
    derived_from="net_value",
)  # fmt: skip
BY_NAME: dict[str, Metric] = {m.name: m for m in (*METRICS, KEPT_MARGIN)}
HORIZON_METRICS = tuple(m.name for m in METRICS)  # aggregated per customer at the horizon
CAPPED = tuple(m.name for m in METRICS if m.capped)
DECISION_METRIC = next(m for m in METRICS if m.role == "decision")
# the metrics a design may choose as its primary one (`design.PrimaryMetric`): the analysis
# also compares them arm vs arm and per segment
PRIMARY_CHOICES = ("repeat_purchase", DECISION_METRIC.name)
# design guardrail name -> the metric it reads; guardrails offered before but never analysed
# (refund share, average order value, discount cost) are not here: a stored one is 'not analysed'
GUARDRAILS: dict[str, str] = {
    m.guardrail: m.name for m in (KEPT_MARGIN, *METRICS) if m.guardrail is not None
}
# Contribution (margin - discounts) in the horizon's first half, second half, and each
# customer's second minus first: the fading test's inputs (stats.fading_test).
FADING_SERIES = ("contribution_early", "contribution_late", "contribution_change")
# per assigned customer: data checks the analysis reports (counts of customers)
CHECKS = ("extra_assignments", "customers_before_first_seen", "assigned_after_data_end")


def metric(name: str) -> Metric:
    """The catalogue's metric of this name (KeyError for an unknown one)."""
    return BY_NAME[name]


def unit_of(name: str) -> Unit | None:
    """The unit of a catalogue metric, or None for a name the catalogue does not know."""
    found = BY_NAME.get(name)
    return found.unit if found is not None else None


@dataclass(frozen=True)
class Request:
    """One set of moments a query builder computes for every group (arm, segment x arm).

    Attributes:
        value: the per-customer value (a catalogue name the builder knows how to compute).
        days: over the customers observed for at least this many days after assignment; None:
            over every assigned customer.
        squares: also the sum of squares.
        cross: other per-customer values v: also sum(value * v) over the same customers.
    """

    value: str
    days: int | None
    squares: bool = True
    cross: tuple[str, ...] = ()


def requests(
    horizon: int, horizons: Sequence[int], bucket_ends: Sequence[int]
) -> tuple[Request, ...]:
    """Everything the analysis needs per group, from the catalogue's declarations.

    Args:
        horizon: the analysis horizon (days): every metric's aggregates are over the customers
            observed for it.
        horizons: the horizons of repeat purchase by horizon.
        bucket_ends: end day of each decay bucket (`bucket_b{i}` contribution in the bucket,
            `cum_net_b{i}` cumulative net value), over the customers observed to the end.
    """
    out: list[Request] = [
        Request("cost_per_customer", None, squares=False),
        Request("pre_recency_days", None, squares=False),  # mean over pre-period buyers
        *(Request(name, None, squares=False) for name in CHECKS),
        *(Request(c, None) for c in PRE_PERIOD_COVARIATES),  # balance check, pre-period means
        *(Request(c, horizon) for c in PRE_PERIOD_COVARIATES),  # the classic CUPED covariate
    ]
    for m in METRICS:
        cross: tuple[str, ...] = (m.covariate,) if "cross" in m.aggregates else ()
        if "cuped_moments" in m.aggregates:
            cross += CUPED_COVARIATES
        out.append(Request(m.name, horizon, "sum_squares" in m.aggregates, cross))
    if any("cuped_moments" in m.aggregates for m in METRICS):
        out.extend(
            Request(c, horizon, cross=CUPED_COVARIATES[i + 1 :])
            for i, c in enumerate(CUPED_COVARIATES)
        )
    out.extend(Request(f"repeat_{h}", int(h), squares=False) for h in horizons)
    out.extend(Request(name, horizon) for name in FADING_SERIES)
    for b, end in enumerate(bucket_ends):
        out.extend((Request(f"bucket_b{b}", int(end)), Request(f"cum_net_b{b}", int(end))))
    merged: dict[tuple[str, int | None], Request] = {}
    for r in out:  # one request per (value, days): squares if any asks, every cross product
        seen = merged.get((r.value, r.days))
        if seen is not None:
            both = tuple(dict.fromkeys((*seen.cross, *r.cross)))
            r = Request(r.value, r.days, seen.squares or r.squares, both)
        merged[(r.value, r.days)] = r
    return tuple(merged.values())


@dataclass(frozen=True)
class Moments:
    """Sums of one per-customer value over one group's customers (what a builder returns).

    Attributes:
        n: customers summed over (observed for the request's days, or assigned).
        sum: sum of the value.
        sum_squares: sum of its squares; None when not requested (a 0/1 value, whose squares
            are the sum).
        cross: other value -> sum of value x other (those requested).
    """

    n: int
    sum: float
    sum_squares: float | None = None
    cross: Mapping[str, float] = field(default_factory=dict)

    @property
    def mean(self) -> float | None:
        return self.sum / self.n if self.n else None


@dataclass(frozen=True)
class GroupStats:
    """The typed sufficient statistics of one group of customers: an arm, or an arm within a
    segment. A missing request reads as zero sums (an arm without customers).

    Attributes:
        assigned: customers assigned (first assignments).
        observed: days -> customers observed for at least that long after assignment.
        moments: (value, days) of each `Request` -> its moments.
    """

    assigned: int = 0
    observed: Mapping[int, int] = field(default_factory=dict)
    moments: Mapping[tuple[str, int | None], Moments] = field(default_factory=dict)

    def n(self, days: int | None) -> int:
        """Customers observed for `days` (None: assigned)."""
        return self.assigned if days is None else int(self.observed.get(int(days), 0))

    def get(self, value: str, days: int | None) -> Moments:
        found = self.moments.get((value, days))
        return found if found is not None else Moments(self.n(days), 0.0)

    def sample(self, value: str, days: int | None, covariate: str | None = None) -> SampleStats:
        """SampleStats of a value (with a covariate's sums and cross product when given); a
        value without a sum of squares (a 0/1 rate) takes its sum as the sum of squares."""
        from experiments.stats import SampleStats

        own = self.get(value, days)
        squares = own.sum if own.sum_squares is None else own.sum_squares
        if covariate is None:
            return SampleStats(own.n, own.sum, squares)
        other = self.get(covariate, days)
        other_squares = other.sum if other.sum_squares is None else other.sum_squares
        return SampleStats(
            own.n, own.sum, squares, other.sum, other_squares, own.cross.get(covariate, 0.0)
        )


def finite(value: object) -> float:
    """A sum as a float; 0 for NULL or a non-finite one (a group without customers)."""
    if value is None:
        return 0.0
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else 0.0
