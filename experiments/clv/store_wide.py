"""The store's CLV model up to a cutoff, as the CLI and the Customers page use it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from experiments import config
from experiments.clv.core import TimeUnit
from experiments.clv.model import ClvModel, fit_clv

if TYPE_CHECKING:
    from experiments.sources import Source
    from experiments.store import Cursor


@dataclass(frozen=True)
class StoreClv:
    """The CLV model of the store's transactions up to a cutoff.

    Attributes:
        model: fits and per-customer predictions.
        until: the calibration cutoff day (None for an empty store).
        time_unit: unit of recency, T and alpha.
        summary_seconds: time of the DuckDB summary query.
        fit_seconds: time of both fits and the predictions.
    """

    model: ClvModel
    until: dt.date | None
    time_unit: TimeUnit
    summary_seconds: float
    fit_seconds: float

    def as_json(self) -> dict[str, object]:
        """The `clv --json` document: parameters, log-likelihood, convergence, CLV summary."""
        bg, gg = self.model.bgnbd, self.model.gamma_gamma
        status = (
            "ok"
            if self.model.converged
            else (
                "insufficient_data"
                if "insufficient_data" in (bg.status, gg.status)
                else "not_converged"
            )
        )
        return {
            "until": self.until.isoformat() if self.until else None,
            "time_unit": self.time_unit,
            "customers": int(bg.customers),
            "repeat_customers": int(bg.repeat_customers),
            "bgnbd": {
                **(
                    dataclasses.asdict(bg.params)
                    if bg.params
                    else dict.fromkeys(["r", "alpha", "a", "b", "dropout"])
                ),
                "log_likelihood": bg.log_likelihood,
                "status": bg.status,
                "message": bg.message,
                "iterations": bg.iterations,
                "standard_errors": bg.standard_errors,
            },
            "gamma_gamma": {
                **(dataclasses.asdict(gg.params) if gg.params else dict.fromkeys(["p", "q", "v"])),
                "log_likelihood": gg.log_likelihood,
                "status": gg.status,
                "message": gg.message,
                "customers": int(gg.customers),
                "iterations": gg.iterations,
                "standard_errors": gg.standard_errors,
                "frequency_spend_correlation": gg.frequency_spend_correlation,
            },
            "log_likelihood": bg.log_likelihood,
            "converged": self.model.converged,
            "status": status,
            "message": self.model.message,
            "clv": {
                "months": self.model.months,
                "monthly_discount_rate": self.model.monthly_discount_rate,
                "margin_rate": self.model.margin_rate,
                **self.model.clv_summary(),
            },
            "seconds": {"summary": self.summary_seconds, "fit": self.fit_seconds},
        }


def fit_store(
    cur: Cursor,
    *,
    until: dt.date | None = None,
    months: int = 12,
    monthly_discount_rate: float = config.MONTHLY_DISCOUNT_RATE,
    time_unit: TimeUnit = "weeks",
    standard_errors: bool = True,
    margin_rate: float | None = None,
    source: Source | None = None,
) -> StoreClv:
    """Build the RFM summary in DuckDB up to `until` (default: last transaction day) and fit.

    The margin rate is `margin_rate` when given (a marketer's own gross margin), else the
    store's own (margin column where present, else the default rate). With a `source`
    (`source_engine.configured_source`) the summary is computed there and brought back as
    cells with counts (`source_engine.clv_inputs`), not one row per customer.
    """
    from experiments import source_engine
    from experiments.store import customers

    started = time.perf_counter()
    if source_engine.is_store(source):
        cutoff = until or customers.last_transaction_day(cur)
        summary = customers.rfm_summary(cur, until=cutoff, time_unit=time_unit)
        rate = customers.margin_rate(cur, until=cutoff) if margin_rate is None else margin_rate
    else:
        assert source is not None
        cutoff, summary, rate = source_engine.clv_inputs(
            source, cur, until=until, time_unit=time_unit, margin_rate=margin_rate
        )
    summarized = time.perf_counter()
    model = fit_clv(
        summary,
        months=months,
        monthly_discount_rate=monthly_discount_rate,
        margin_rate=rate,
        time_unit=time_unit,
        standard_errors=standard_errors,
    )
    return StoreClv(
        model=model,
        until=cutoff,
        time_unit=time_unit,
        summary_seconds=summarized - started,
        fit_seconds=time.perf_counter() - summarized,
    )
