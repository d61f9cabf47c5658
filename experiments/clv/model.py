"""Both models on one summary: expected discounted margin per customer (CLV)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from experiments import config
from experiments.clv.bgnbd import (
    BgNbdFit,
    BgNbdParams,
    _cumulative_purchases,
    expected_purchases,
    fit_bgnbd,
    probability_alive,
)
from experiments.clv.core import _DAYS_PER_UNIT, DAYS_PER_MONTH, Array, TimeUnit, _as_arrays
from experiments.clv.gamma_gamma import (
    GammaGammaFit,
    GammaGammaParams,
    expected_spend,
    fit_gamma_gamma,
)


def expected_clv(
    bgnbd: BgNbdParams,
    gamma_gamma: GammaGammaParams,
    frequency: object,
    recency: object,
    T: object,
    monetary: object,
    *,
    months: int = 12,
    monthly_discount_rate: float = config.MONTHLY_DISCOUNT_RATE,
    margin_rate: float = config.DEFAULT_MARGIN_RATE,
    time_unit: TimeUnit = "weeks",
) -> Array:
    """Expected discounted margin per customer over the next `months` months after T.

    CLV = sum over months m of E[purchases in month m] x E[spend] x margin_rate / (1+d)^m,
    with expected purchases from BG/NBD and spend from Gamma-Gamma (assumed independent, as
    both papers do). Discounting at each month's end is a slight understatement of value;
    it matches how finance teams discount monthly cash flows.
    """
    x, t_x, t_end, z = _as_arrays(frequency, recency, T, monetary)
    month = DAYS_PER_MONTH / _DAYS_PER_UNIT[time_unit]
    spend = expected_spend(gamma_gamma, x, z)
    cumulative = _cumulative_purchases(bgnbd, [m * month for m in range(months + 1)], x, t_x, t_end)
    discount = (1.0 + monthly_discount_rate) ** -np.arange(1.0, months + 1)
    value = (np.diff(cumulative, axis=1) * discount[None, :]).sum(axis=1)
    return value * spend * margin_rate


@dataclass(frozen=True)
class ClvModel:
    """Both fits and the per-customer predictions on one summary.

    Attributes:
        bgnbd: the BG/NBD fit.
        gamma_gamma: the Gamma-Gamma fit.
        months: CLV horizon in months.
        monthly_discount_rate: discount rate per month.
        margin_rate: margin share of spend.
        predictions: per customer (summary order): customer_id when given, probability_alive,
            expected_purchases (over the horizon), expected_spend, expected_clv; empty unless
            both fits are ok.
    """

    bgnbd: BgNbdFit
    gamma_gamma: GammaGammaFit
    months: int
    monthly_discount_rate: float
    margin_rate: float
    predictions: pd.DataFrame = field(repr=False)

    @property
    def converged(self) -> bool:
        return self.bgnbd.converged and self.gamma_gamma.converged

    @property
    def message(self) -> str:
        from experiments.i18n.text import Text, joined

        return joined(
            [
                Text("clv.fit.model_message", model=name, message=fit.message)
                for name, fit in (("BG/NBD", self.bgnbd), ("Gamma-Gamma", self.gamma_gamma))
                if fit.message
            ]
        )  # a Text: its English as before, the page renders it in the session's language

    def clv_summary(self) -> dict[str, float | int | None]:
        """Mean, median, p90 and total expected CLV and the mean purchases / P(alive)."""
        if self.predictions.empty:
            return {"customers": 0, "mean": None, "median": None, "p90": None, "total": None}
        clv = self.predictions["expected_clv"]
        return {
            "customers": len(clv),
            "mean": float(clv.mean()),
            "median": float(clv.median()),
            "p90": float(clv.quantile(0.9)),
            "total": float(clv.sum()),
            "expected_purchases_mean": float(self.predictions["expected_purchases"].mean()),
            "probability_alive_mean": float(self.predictions["probability_alive"].mean()),
        }


def fit_clv(
    summary: pd.DataFrame,
    *,
    months: int = 12,
    monthly_discount_rate: float = config.MONTHLY_DISCOUNT_RATE,
    margin_rate: float = config.DEFAULT_MARGIN_RATE,
    time_unit: TimeUnit = "weeks",
    standard_errors: bool = True,
) -> ClvModel:
    """Fit BG/NBD and Gamma-Gamma on a summary frame and predict each customer's CLV.

    Args:
        summary: columns frequency, recency, T, monetary (customer_id optional), as
            `experiments.store.customers.rfm_summary` returns them.
        months: CLV horizon.
        monthly_discount_rate: per-month discount rate.
        margin_rate: margin share of spend (e.g. `customers.margin_rate(cur)`).
        time_unit: unit of recency and T in the summary.
        standard_errors: compute standard errors of the parameters.
    """
    x = summary["frequency"].to_numpy(dtype=float)
    t_x = summary["recency"].to_numpy(dtype=float)
    t_end = summary["T"].to_numpy(dtype=float)
    z = summary["monetary"].to_numpy(dtype=float)
    bg = fit_bgnbd(x, t_x, t_end, time_unit=time_unit, standard_errors=standard_errors)
    gg = fit_gamma_gamma(x, z, standard_errors=standard_errors)
    predictions = pd.DataFrame()
    if bg.converged and gg.converged:
        bg_params, gg_params = bg.require(), gg.require()
        horizon = months * DAYS_PER_MONTH / _DAYS_PER_UNIT[time_unit]
        predictions = pd.DataFrame(
            {
                "probability_alive": probability_alive(bg_params, x, t_x, t_end),
                "expected_purchases": expected_purchases(bg_params, horizon, x, t_x, t_end),
                "expected_spend": expected_spend(gg_params, x, z),
                "expected_clv": expected_clv(
                    bg_params,
                    gg_params,
                    x,
                    t_x,
                    t_end,
                    z,
                    months=months,
                    monthly_discount_rate=monthly_discount_rate,
                    margin_rate=margin_rate,
                    time_unit=time_unit,
                ),
            }
        )
        if "customer_id" in summary.columns:
            predictions.insert(0, "customer_id", summary["customer_id"].to_numpy())
    return ClvModel(bg, gg, months, monthly_discount_rate, margin_rate, predictions)
