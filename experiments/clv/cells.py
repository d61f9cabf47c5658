"""An experiment's customers merged into cells, and the per-arm CLV and bootstrap computed on them.

BG/NBD reads a customer only through (x, t_x, T), and the expected CLV is expected purchases
(a function of those three) times the Gamma-Gamma expected spend, which is linear in the
customer's mean spend zbar given x: p (v + x zbar) / (p x + q - 1). So an arm's mean CLV needs,
per cell of equal (arm, x, t_x, T, spend known), only the number of customers and the sum of
their zbar - at a million customers a few thousand cells. A bootstrap replicate resamples
customers (multinomial counts within each arm: exactly resampling customers with replacement),
sums those counts into the cells, refits BG/NBD on the cells from the point fit, and moves the
Gamma-Gamma estimate by one Newton step from the point fit (its per-customer scores are
computed once); see `replicate`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from experiments.clv.bgnbd import (
    BgNbdFit,
    BgNbdParams,
    _BgNbdObjective,
    _cumulative_purchases,
    _distinct_pairs,
    _objective,
    fit_bgnbd,
)
from experiments.clv.core import _DAYS_PER_UNIT, _LOG_BOUND, DAYS_PER_MONTH, Array, TimeUnit
from experiments.clv.gamma_gamma import (
    GammaGammaFit,
    GammaGammaParams,
    _GammaGammaObjective,
    fit_gamma_gamma,
)

_NEWTON_ITERATIONS = 20  # then BFGS: a refit that needs more is not near the point fit
_REFIT_TOLERANCE = 1e-6  # max |d(mean LL)/d(log parameter)| of a bootstrap refit
_GAMMA_GAMMA_STEP = 0.05  # a refit's error under 5% of every standard error ends it


@dataclass(frozen=True)
class _ArmData:
    x: Array
    t_x: Array
    t_end: Array
    z: Array
    margin_rate: float


@dataclass(frozen=True)
class _Horizon:
    months: int
    monthly_discount_rate: float
    time_unit: TimeUnit

    def purchase_weights(self) -> tuple[list[float], Array]:
        """Month ends in the fit's time unit (0 first) and each month's discount factor."""
        month = DAYS_PER_MONTH / _DAYS_PER_UNIT[self.time_unit]
        ends = [m * month for m in range(self.months + 1)]
        return ends, (1.0 + self.monthly_discount_rate) ** -np.arange(1.0, self.months + 1)


def _arm_data(group: pd.DataFrame, default_margin_rate: float) -> _ArmData:
    """One arm's summary rows as arrays; the margin rate of the fitted period when the summary
    has one (`fit_revenue`/`fit_margin`: a coupon's thin margins stay in its window), else of
    the observed window."""
    return _arms(group.assign(arm_id=0), default_margin_rate)[0]


def _arms(
    summary: pd.DataFrame | Mapping[str, Any], default_margin_rate: float
) -> dict[int, _ArmData]:
    """Each arm's summary rows as arrays (`_arm_data`), from a frame or a dict of columns."""
    arm = np.asarray(summary["arm_id"])
    prefix = "fit_" if "fit_revenue" in summary else ""
    columns = {
        name: np.asarray(summary[name], dtype=float)
        for name in ("frequency", "recency", "T", "monetary", f"{prefix}revenue", f"{prefix}margin")
    }
    out = {}
    for arm_id in np.unique(arm):
        rows = arm == arm_id
        revenue = float(columns[f"{prefix}revenue"][rows].sum())
        margin = float(columns[f"{prefix}margin"][rows].sum())
        out[int(arm_id)] = _ArmData(
            x=columns["frequency"][rows],
            t_x=columns["recency"][rows],
            t_end=columns["T"][rows],
            z=columns["monetary"][rows],
            margin_rate=margin / revenue if revenue > 0 else default_margin_rate,
        )
    return out


@dataclass(frozen=True)
class _Cells:
    """Customers of several arms (concatenated in arm order) and the cells they fall into.

    Per customer: `cell` (index into the cell arrays), `x`, `z` (zbar, 0 when unknown). Per
    cell: `arm` (position in `arm_ids`), `x`, `t_x`, `t_end`, `spend_x` (x when the spend is
    known, else 0, as `expected_spend` reads it), `count` and `spend_sum` (sum of zbar).
    """

    arm_ids: tuple[int, ...]
    margin_rates: Array
    arm_start: Array
    arm_size: Array
    cell: Array
    x: Array
    z: Array
    cell_arm: Array
    cell_x: Array
    cell_t_x: Array
    cell_t_end: Array
    cell_spend_x: Array
    count: Array
    spend_sum: Array

    def customers_of(self, arms: list[int]) -> Array:
        """Positions of the customers of these arm positions."""
        return np.concatenate(
            [np.arange(self.arm_start[a], self.arm_start[a] + self.arm_size[a]) for a in arms]
        )


def _cells(data: dict[int, _ArmData]) -> _Cells:
    arm_ids = tuple(data)
    sizes = np.array([len(d.x) for d in data.values()], dtype=np.int64)
    arm = np.repeat(np.arange(len(arm_ids)), sizes)
    x = np.concatenate([d.x for d in data.values()]) if arm_ids else np.zeros(0)
    t_x = np.concatenate([d.t_x for d in data.values()]) if arm_ids else np.zeros(0)
    t_end = np.concatenate([d.t_end for d in data.values()]) if arm_ids else np.zeros(0)
    z = np.concatenate([d.z for d in data.values()]) if arm_ids else np.zeros(0)
    known = (x > 0) & (z > 0) & np.isfinite(z)
    z = np.where(known, z, 0.0)
    key = arm.astype(np.int64)
    for column in (x, t_x, t_end):
        values, index = np.unique(column, return_inverse=True)
        key = key * len(values) + index.ravel()
    keys, first, cell = np.unique(key * 2 + known, return_index=True, return_inverse=True)
    cell = cell.ravel()
    n = len(keys)
    return _Cells(
        arm_ids=arm_ids,
        margin_rates=np.array([d.margin_rate for d in data.values()]),
        arm_start=np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64),
        arm_size=sizes,
        cell=cell,
        x=x,
        z=z,
        cell_arm=arm[first],
        cell_x=x[first],
        cell_t_x=t_x[first],
        cell_t_end=t_end[first],
        cell_spend_x=np.where(known[first], x[first], 0.0),
        count=np.bincount(cell, minlength=n).astype(float),
        spend_sum=np.bincount(cell, weights=z, minlength=n),
    )


@dataclass(frozen=True)
class _GroupFit:
    """One fit of both models on a group of arms (all arms pooled, or one arm).

    Attributes:
        arms: positions (in the cells' arm order) of the arms the fit is on.
        cells: indices of those arms' cells.
        bgnbd: the BG/NBD fit on the cells.
        gamma_gamma: the Gamma-Gamma fit on the arms' customers with a known spend.
        spend_customers: positions of those customers.
        scores: their per-customer Gamma-Gamma scores at the estimate (rows x 3), or None.
        pairs: the cells' distinct (x, T) (`_distinct_pairs`), for repeated predictions.
        objective: the BG/NBD objective on the cells, for refits with other counts.
    """

    arms: list[int]
    cells: Array
    bgnbd: BgNbdFit
    gamma_gamma: GammaGammaFit
    spend_customers: Array
    scores: Array | None
    pairs: tuple[Array, Array] = field(repr=False)
    objective: _BgNbdObjective = field(repr=False)

    @property
    def converged(self) -> bool:
        return self.bgnbd.converged and self.gamma_gamma.converged


def _fit_group(
    cells: _Cells, arms: list[int], time_unit: TimeUnit, scores: bool = False
) -> _GroupFit:
    """Both models on these arms' customers, BG/NBD on their cells (the same likelihood)."""
    rows = np.flatnonzero(np.isin(cells.cell_arm, arms))
    bg = fit_bgnbd(
        cells.cell_x[rows],
        cells.cell_t_x[rows],
        cells.cell_t_end[rows],
        weights=cells.count[rows],
        time_unit=time_unit,
    )
    customers = cells.customers_of(arms) if arms else np.zeros(0, dtype=np.int64)
    spend = customers[cells.z[customers] > 0]
    gg = fit_gamma_gamma(cells.x[spend], cells.z[spend])
    gradient = None
    if scores and gg.converged:
        spend_objective = _GammaGammaObjective(cells.x[spend], cells.z[spend], np.ones(len(spend)))
        gradient = spend_objective.scores(np.log(gg.require().as_array()))
    x, t_x, t_end = cells.cell_x[rows], cells.cell_t_x[rows], cells.cell_t_end[rows]
    pairs = _distinct_pairs(x, t_end)
    objective = _objective(x, t_x, t_end, cells.count[rows], bg.constant_dropout)
    return _GroupFit(arms, rows, bg, gg, spend, gradient, pairs, objective)


def _arm_means(
    bgnbd: BgNbdParams,
    gamma_gamma: GammaGammaParams,
    cells: _Cells,
    rows: Array,
    count: Array,
    spend_sum: Array,
    horizons: list[float],
    discount: Array | None,
    pairs: tuple[Array, Array] | None = None,
) -> dict[int, float]:
    """Mean over each arm's customers of E[purchases] x E[spend] x margin rate, from cells.

    `horizons` are the end points E[Y(t)] is taken at (0 first); with `discount` (one factor
    per interval) the intervals' purchases are discounted and summed (the CLV), without it
    the last interval's purchases are taken (the held-back check's prediction).
    """
    x, t_x, t_end = cells.cell_x[rows], cells.cell_t_x[rows], cells.cell_t_end[rows]
    cumulative = _cumulative_purchases(bgnbd, horizons, x, t_x, t_end, pairs)
    purchases = np.diff(cumulative, axis=1)
    per_customer = purchases @ discount if discount is not None else purchases[:, -1]
    p, q, v = gamma_gamma.as_array()
    spend_x = cells.cell_spend_x[rows]
    spend = p * (v * count[rows] + spend_x * spend_sum[rows]) / (p * spend_x + q - 1)
    value = per_customer * spend
    arm = cells.cell_arm[rows]
    totals = np.bincount(arm, weights=value, minlength=len(cells.arm_ids))
    customers = np.bincount(arm, weights=count[rows], minlength=len(cells.arm_ids))
    return {
        cells.arm_ids[a]: float(totals[a] / customers[a] * cells.margin_rates[a])
        for a in np.unique(arm)
        if customers[a] > 0
    }


def _refitted_bgnbd(
    group: _GroupFit, cells: _Cells, count: Array, time_unit: TimeUnit
) -> BgNbdParams | None:
    """The BG/NBD refit on resampled cell counts (None: it did not converge).

    Newton iterations with the point fit's inverse Hessian, theta <- theta + Cov x gradient,
    to the refits' tolerance (1e-6 on the mean log-likelihood's gradient): the resampled
    likelihood's curvature differs from the point fit's by O(1/sqrt(n)), so each iteration
    shrinks the error by about that factor and two or three suffice, each one evaluation on
    the cells. If that stalls (a flat direction), BFGS from the point fit takes over.
    """
    fit = group.bgnbd
    assert fit.params is not None and fit.log_covariance is not None
    rows = group.cells
    objective = group.objective.reweighted(count)
    inverse_hessian = fit.log_covariance * objective.total
    theta = fit.params.theta()  # the model the point fit chose (Beta mixture or its limit)
    for _ in range(_NEWTON_ITERATIONS):
        _, gradient = objective(theta)
        if not np.all(np.isfinite(gradient)):
            break
        if float(np.max(np.abs(gradient))) < _REFIT_TOLERANCE:
            if np.all(np.abs(theta) < _LOG_BOUND):
                return BgNbdParams.from_theta(theta)
            return None
        theta = theta - inverse_hessian @ gradient
    refit = fit_bgnbd(
        cells.cell_x[rows],
        cells.cell_t_x[rows],
        cells.cell_t_end[rows],
        weights=count,
        start=fit,
        time_unit=time_unit,
        standard_errors=False,
        gradient_tolerance=_REFIT_TOLERANCE,
    )
    return refit.params if refit.converged else None


@dataclass(frozen=True)
class _Draw:
    """One bootstrap draw.

    Attributes:
        count: customers per cell.
        spend_sum: their zbar summed per cell.
        scores: per arm, the drawn customers' Gamma-Gamma scores at the point fit, summed.
        members: per arm, the drawn customers with a known spend (positions in cell order).
    """

    count: Array
    spend_sum: Array
    scores: Array
    members: list[Array]


class Resampler:
    """Draws bootstrap replicates of an experiment's customers as counts per cell.

    Resampling each arm's customers with replacement is the same as drawing the arm's cell
    counts from a multinomial over its cells and then, inside each cell, which of its
    customers were drawn (uniformly, with replacement). Only the second step needs customers,
    and only in cells with a known spend (zbar and the Gamma-Gamma scores differ between their
    customers), so a replicate costs one draw per repeat customer and nothing per one-time
    buyer; cells with the same history are otherwise interchangeable.
    """

    def __init__(self, cells: _Cells, groups: list[_GroupFit]) -> None:
        self.cells = cells
        self.groups = groups
        n = len(cells.cell_x)
        # per customer, in cell order: zbar and the Gamma-Gamma scores of its group's fit
        scores = np.zeros((len(cells.x), 3))
        for group in groups:
            if group.scores is not None:
                scores[group.spend_customers] = group.scores
        # within a cell by zbar: the draw then does not depend on the order of the rows
        order = np.lexsort((cells.z, cells.cell))
        self.z = cells.z[order]
        self.x = cells.x[order]
        # distinct x of the customers with a known spend, and each customer's index into them
        self.unique_x = np.unique(self.x[self.z > 0])
        self.x_index = np.minimum(
            np.searchsorted(self.unique_x, self.x), max(len(self.unique_x) - 1, 0)
        )
        self.scores = [np.ascontiguousarray(scores[order, k]) for k in range(3)]
        self.cell_begin = np.concatenate([[0], np.cumsum(cells.count)[:-1]]).astype(np.int64)
        # cells are ordered by arm (the key's leading part): each arm's cells are one run
        self.arm_cells = [np.flatnonzero(cells.cell_arm == a) for a in range(len(cells.arm_ids))]
        self.known = [rows[cells.cell_spend_x[rows] > 0] for rows in self.arm_cells]
        self.n_cells = n
        # each arm's summed scores at its fit (about 0 summed over a group: its estimate)
        self.score_totals = np.array(
            [
                scores[start : start + size].sum(axis=0)
                for start, size in zip(cells.arm_start, cells.arm_size, strict=True)
            ]
        ).reshape(-1, 3)

    def draw(self, rng: np.random.Generator) -> _Draw:
        """Counts per cell, zbar summed per cell, and the customers with a known spend drawn."""
        cells = self.cells
        count = np.zeros(self.n_cells)
        spend_sum = np.zeros(self.n_cells)
        scores = np.zeros((len(cells.arm_ids), 3))
        members: list[Array] = []
        for a, rows in enumerate(self.arm_cells):
            size = int(cells.arm_size[a])
            if not size:
                continue
            count[rows] = rng.multinomial(size, cells.count[rows] / size)
            known = self.known[a]
            drawn = count[known].astype(np.int64)
            cell = np.repeat(known, drawn)
            member = self.cell_begin[cell] + (rng.random(len(cell)) * cells.count[cell]).astype(
                np.int64
            )
            spend = self.z[member]
            ends = np.cumsum(drawn)
            totals = np.concatenate([[0.0], np.cumsum(spend)])
            spend_sum[known] = totals[ends] - totals[ends - drawn]
            scores[a] = [float(column[member].sum()) for column in self.scores]
            members.append(member)
        return _Draw(count, spend_sum, scores, members)

    def refitted_gamma_gamma(self, group: _GroupFit, draw: _Draw) -> GammaGammaParams | None:
        """The Gamma-Gamma refit on the drawn customers (None: no finite mean spend).

        Newton iterations with the point fit's inverse Hessian, theta <- theta + Cov x the
        drawn customers' summed scores at theta: the first from the scores at the estimate,
        computed once, the next on the drawn customers, until the remaining error is under 5%
        of every standard error. The first step misses the refit by about its square (it moves
        by about a standard error, O(1/sqrt(n))), so from some ten thousand customers with a
        known spend it is the refit to that accuracy and nothing is evaluated per replicate.
        When the steps do not settle in _NEWTON_ITERATIONS, BFGS from the point fit refits.
        """
        fit = group.gamma_gamma
        assert fit.params is not None and fit.log_covariance is not None
        covariance = fit.log_covariance
        log_sd = np.sqrt(np.diag(covariance))
        theta = np.log(fit.params.as_array())
        gradient = draw.scores[group.arms].sum(axis=0) - self.score_totals[group.arms].sum(axis=0)
        objective = None
        for iteration in range(_NEWTON_ITERATIONS):
            step = covariance @ gradient
            theta = theta + step
            if not np.all(np.isfinite(theta)) or np.any(np.abs(theta) >= _LOG_BOUND):
                break
            # the first step misses the refit by about its square (measured: 0.8 |step|^2 on
            # the log scale); any later one by far less than its own size
            error = np.abs(step) ** 2 if iteration == 0 else np.abs(step)
            if float(np.max(error / log_sd)) < _GAMMA_GAMMA_STEP:
                params = GammaGammaParams(*(float(v) for v in np.exp(theta)))
                return params if params.q > 1 else None
            if objective is None:
                member = np.concatenate([draw.members[a] for a in group.arms])
                objective = _GammaGammaObjective(
                    self.x[member],
                    self.z[member],
                    np.ones(len(member)),
                    unique=(self.unique_x, self.x_index[member]),
                )
            _, mean_gradient = objective(theta)
            gradient = -mean_gradient * objective.total
        # The fixed-curvature steps overshoot along the (p, v) ridge on some replicates (about
        # 1 in 200 at 2,000 customers an arm); dropping those replicates cut the tails of the
        # interval, so they get a full refit from the point fit instead.
        member = np.concatenate([draw.members[a] for a in group.arms])
        refit = fit_gamma_gamma(
            self.x[member],
            self.z[member],
            start=fit,
            standard_errors=False,
            gradient_tolerance=_REFIT_TOLERANCE,
        )
        return refit.params if refit.converged else None

    def replicate(self, horizon: _Horizon, rng: np.random.Generator) -> dict[int, float] | None:
        """One bootstrap replicate: each arm's mean CLV on its resampled customers (None: a
        refit did not converge).

        Each group's BG/NBD is refitted on the resampled cells from the point fit
        (`_refitted_bgnbd`: a few Newton iterations on a few thousand rows), its Gamma-Gamma
        moved by one Newton step (`_resampled_gamma_gamma`).
        """
        cells = self.cells
        draw = self.draw(rng)
        ends, discount = horizon.purchase_weights()
        values: dict[int, float] = {}
        for group in self.groups:
            rows = group.cells
            bg = _refitted_bgnbd(group, cells, draw.count[rows], horizon.time_unit)
            gg = self.refitted_gamma_gamma(group, draw)
            if bg is None or gg is None:
                return None
            values.update(
                _arm_means(
                    bg, gg, cells, rows, draw.count, draw.spend_sum, ends, discount, group.pairs
                )
            )
        return values
