"""Predictive CLV: BG/NBD purchases and drop-out, Gamma-Gamma spend, 12-month discounted margin.

Models (no third-party CLV package: `lifetimes` is unmaintained, so the likelihoods are here):

* BG/NBD (Fader, Hardie & Lee 2005): while alive a customer buys at Poisson rate lambda
  ~ Gamma(r, alpha); after each purchase they drop out with probability p ~ Beta(a, b).
* Gamma-Gamma (Fader & Hardie 2013): the mean spend per repeat purchase day, zbar over x
  purchases, with spend ~ Gamma(p, nu) and nu ~ Gamma(q, v), independent of purchasing.

Both are fitted by maximum likelihood on log-parameters with scipy (BFGS with analytic
gradients, then a Nelder-Mead polish when that stops short), from the per-customer summary that
`experiments.store.customers.rfm_summary` builds in DuckDB. Time is in the summary's unit
(weeks by default): r/alpha is purchases per unit, so alpha changes with the unit, r, a, b don't.

Degenerate data (no repeat purchases, too few customers) gives status "insufficient_data";
a fit that does not converge gives status "not_converged" - each with a message saying what to
do. `require()` turns either into a `ClvFitError` for callers that cannot continue.

The package's rooms: `bgnbd` (purchases and drop-out), `gamma_gamma` (spend), `optimizer` (the
fit machinery both share), `model` (both on one summary: CLV per customer), `simulation`
(customers with known parameters), `projection` (an experiment's arms vs control, with the
held-back check and the bootstrap in `bootstrap`) and `store_wide` (the store's own model).
"""

from experiments.clv.bgnbd import (
    BgNbdFit,
    BgNbdParams,
    bgnbd_individual_log_likelihood,
    bgnbd_log_likelihood,
    expected_purchases,
    expected_purchases_new_customer,
    fit_bgnbd,
    probability_alive,
)
from experiments.clv.core import DAYS_PER_MONTH, ClvFitError, FitStatus, TimeUnit
from experiments.clv.gamma_gamma import (
    GammaGammaFit,
    GammaGammaParams,
    expected_spend,
    fit_gamma_gamma,
    gamma_gamma_log_likelihood,
)
from experiments.clv.model import ClvModel, expected_clv, fit_clv
from experiments.clv.projection import (
    HOLDOUT_RULE,
    PROJECTION_BASIS,
    ArmProjection,
    ArmStatus,
    HoldoutCheck,
    ProjectionMethod,
    ProjectionResult,
    holdout_checks,
    project_arm_frame,
    project_arms,
    projection_json,
)
from experiments.clv.simulation import (
    SimulatedCustomers,
    simulate_arm_summary,
    simulate_customers,
    true_future_clv,
)
from experiments.clv.store_wide import StoreClv, fit_store

__all__ = [
    "DAYS_PER_MONTH",
    "HOLDOUT_RULE",
    "PROJECTION_BASIS",
    "ArmProjection",
    "ArmStatus",
    "BgNbdFit",
    "BgNbdParams",
    "ClvFitError",
    "ClvModel",
    "FitStatus",
    "GammaGammaFit",
    "GammaGammaParams",
    "HoldoutCheck",
    "ProjectionMethod",
    "ProjectionResult",
    "SimulatedCustomers",
    "StoreClv",
    "TimeUnit",
    "bgnbd_individual_log_likelihood",
    "bgnbd_log_likelihood",
    "expected_clv",
    "expected_purchases",
    "expected_purchases_new_customer",
    "expected_spend",
    "fit_bgnbd",
    "fit_clv",
    "fit_gamma_gamma",
    "fit_store",
    "gamma_gamma_log_likelihood",
    "holdout_checks",
    "probability_alive",
    "project_arm_frame",
    "project_arms",
    "projection_json",
    "simulate_arm_summary",
    "simulate_customers",
    "true_future_clv",
]
