"""Customers drawn from BG/NBD + Gamma-Gamma with known parameters (validation, demos)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from experiments.clv.bgnbd import BgNbdParams
from experiments.clv.core import Array
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
    after each purchase leaves with probability p ~ Beta(a, b); spends are Gamma(p, nu) with
    nu ~ Gamma(q, v) per customer. Fitting the models to the result should recover the
    parameters within sampling error.
    """
    t_end = np.asarray(T, dtype=float)
    n = len(t_end)
    rate = rng.gamma(bgnbd.r, 1 / bgnbd.alpha, n)
    drop = rng.beta(bgnbd.a, bgnbd.b, n)
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
