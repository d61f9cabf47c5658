"""Customers drawn from BG/NBD + Gamma-Gamma with known parameters (validation, demos)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments import config
from experiments.clv.bgnbd import BgNbdParams, expected_purchases_new_customer
from experiments.clv.core import _DAYS_PER_UNIT, DAYS_PER_MONTH, Array, TimeUnit
from experiments.clv.gamma_gamma import GammaGammaParams


@dataclass(frozen=True)
class SimulatedCustomers:
    """Customers drawn from BG/NBD + Gamma-Gamma with known parameters.

    Attributes:
        frequency: repeat purchases x per customer.
        recency: time of the last repeat purchase (0 without one).
        T: observation length per customer.
        monetary: mean spend of the repeat purchases (0 without one).
        purchase_customer: customer index of every repeat purchase.
        purchase_time: time of every repeat purchase since the customer's time zero.
        purchase_spend: spend of every repeat purchase.
        first_spend: spend of each customer's first (time zero) purchase.
    """

    frequency: Array
    recency: Array
    T: Array
    monetary: Array
    purchase_customer: Array
    purchase_time: Array
    purchase_spend: Array
    first_spend: Array


def simulate_customers(
    bgnbd: BgNbdParams,
    gamma_gamma: GammaGammaParams,
    T: object,
    rng: np.random.Generator,
) -> SimulatedCustomers:
    """Draw purchase histories from the generative story of both models (validation, demos).

    Each customer makes a purchase at time 0, then buys at rate lambda ~ Gamma(r, alpha) and
    after each purchase leaves with probability p ~ Beta(a, b) (every customer the same p in
    the constant-dropout limit, `BgNbdParams.constant`); spends are Gamma(p, nu) with
    nu ~ Gamma(q, v) per customer. Fitting the models to the result should recover the
    parameters within sampling error.
    """
    t_end = np.asarray(T, dtype=float)
    n = len(t_end)
    rate = rng.gamma(bgnbd.r, 1 / bgnbd.alpha, n)
    drop = np.full(n, bgnbd.dropout) if bgnbd.dropout is not None else rng.beta(bgnbd.a, bgnbd.b, n)
    scale = rng.gamma(gamma_gamma.q, 1 / gamma_gamma.v, n)
    clock = np.zeros(n)
    active = np.arange(n)
    customers: list[Array] = []
    times: list[Array] = []
    while active.size:
        clock[active] += rng.exponential(1.0, active.size) / np.maximum(rate[active], 1e-300)
        active = active[clock[active] <= t_end[active]]
        customers.append(active)
        times.append(clock[active].copy())
        active = active[rng.random(active.size) >= drop[active]]
    who = np.concatenate(customers) if customers else np.zeros(0, dtype=int)
    when = np.concatenate(times) if times else np.zeros(0)
    spend = rng.gamma(gamma_gamma.p, 1 / scale[who])
    frequency = np.bincount(who, minlength=n).astype(float)
    recency = np.zeros(n)
    np.maximum.at(recency, who, when)
    total = np.bincount(who, weights=spend, minlength=n)
    monetary = np.divide(total, frequency, out=np.zeros(n), where=frequency > 0)
    first = rng.gamma(gamma_gamma.p, 1 / scale)
    return SimulatedCustomers(frequency, recency, t_end, monetary, who, when, spend, first)


def simulate_arm_summary(
    arms: Mapping[int, BgNbdParams],
    gamma_gamma: GammaGammaParams,
    T: object,
    rng: np.random.Generator,
    *,
    margin_rate: float = config.DEFAULT_MARGIN_RATE,
) -> pd.DataFrame:
    """An experiment's per-customer summary (as `project_arm_frame` reads it) drawn from known
    parameters per arm: each arm's customers observed for `T` (one value per customer, the
    same for every arm), spends from `gamma_gamma`, margin `margin_rate` of revenue."""
    t_end = np.asarray(T, dtype=float)
    frames = []
    for arm_id, params in arms.items():
        sim = simulate_customers(params, gamma_gamma, t_end, rng)
        revenue = sim.frequency * sim.monetary
        frames.append(
            pd.DataFrame(
                {
                    "arm_id": arm_id,
                    "frequency": sim.frequency,
                    "recency": sim.recency,
                    "T": sim.T,
                    "monetary": sim.monetary,
                    "revenue": revenue,
                    "margin": revenue * margin_rate,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def true_future_clv(
    bgnbd: BgNbdParams,
    gamma_gamma: GammaGammaParams,
    T: object,
    *,
    months: int = 12,
    monthly_discount_rate: float = config.MONTHLY_DISCOUNT_RATE,
    margin_rate: float = config.DEFAULT_MARGIN_RATE,
    time_unit: TimeUnit = "weeks",
) -> float:
    """The population's mean discounted margin in the `months` after each customer's T: what
    a projection's mean CLV estimates (exact: FHL 2005 eq. 9 at month ends, times the mean
    spend and the margin rate)."""
    month = DAYS_PER_MONTH / _DAYS_PER_UNIT[time_unit]
    discount = (1.0 + monthly_discount_rate) ** -np.arange(1.0, months + 1)
    values = []
    for t in np.unique(np.asarray(T, dtype=float)):
        cumulative = np.array(
            [expected_purchases_new_customer(bgnbd, t + m * month) for m in range(months + 1)]
        )
        values.append((float(np.diff(cumulative) @ discount), np.sum(np.asarray(T) == t)))
    mean_spend = gamma_gamma.mean_spend
    if mean_spend is None:
        raise ValueError("q <= 1: the population has no finite mean spend")
    purchases = sum(v * k for v, k in values) / sum(k for _, k in values)
    return float(purchases * mean_spend * margin_rate)
