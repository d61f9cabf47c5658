"""The experiment analysis: typed sufficient statistics in, typed results out.

`analyze_experiment` runs THE per-experiment aggregation (`experiments.store.metrics_sql`, which
sums what the metric catalogue `experiments.catalogue` requests), reads its typed per-arm
`catalogue.GroupStats` as `stats.SampleStats` and leaves every inference to `experiments.stats`.
Definitions of the metrics (windows, margin, cost, observation) are in the docstring of
`experiments.store.metrics_sql`; the demo generator records its truths with them.

Observation rule: a horizon H is analysed on the customers whose whole window
(assigned_at, assigned_at + H days] lies before the last transaction in the store. Customers
assigned later are left out of that horizon (their window is censored), and a
'too-short observation window' warning says how many were left out and the longest horizon
that every assigned customer has fully observed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Literal

import pandas as pd

from experiments import catalogue, config, source_engine, stats
from experiments import experiment as experiment_record
from experiments.catalogue import GroupStats
from experiments.escape import quoted
from experiments.experiment import Arm, Experiment, HorizonProgress
from experiments.i18n.text import Text
from experiments.sources import Source
from experiments.store import Cursor, Store, StoreError, metrics_sql
from experiments.store import settings as store_settings

__all__ = [
    "AnalysisSettings",
    "AnalysisWarning",
    "ArmSummary",
    "DiscountCost",
    "ExperimentAggregates",
    "ExperimentAnalysis",
    "InvalidHorizon",
    "UnknownExperiment",
    "aggregate_experiment",
    "analyse",
    "analyze_experiment",
    "default_horizon",
    "horizon_choices",
    "parse_horizon",
    "resolve_margin_rate",
]

WarningKind = Literal[
    "srm", "imbalance", "short_window", "data", "insufficient_data", "discount_estimated"
]
MarginRateSource = Literal["analysis", "experiment", "store", "default"]
MARGIN_RATE_SOURCES: dict[str, str] = {  # how the page and the report name each source
    "analysis": "set for this analysis",
    "experiment": "the experiment's own setting",
    "store": "the store setting",
    "default": "the default",
}

IMBALANCE_P = 0.001  # pre-period difference this unlikely under randomization: check assignment
SHORT_WINDOW_SHARE = 0.5  # fewer observed customers than this share: the window is too short


class UnknownExperiment(StoreError):
    """No experiment has this id or name."""


@dataclass(frozen=True)
class AnalysisSettings:
    """How to analyse an experiment; defaults come from experiments.config.

    Attributes:
        horizon_days: analysis horizon; None = the experiment's own horizon.
        cap: winsorise money metrics at pooled percentiles; off by default
            (config.DEFAULT_CAP): capped effects estimate the winsorised mean difference, not
            the money difference (`stats.money_estimand`).
        cap_percentile: upper cap percentile (percent) of positive values.
        use_covariate: add CUPED rows with the pre-period covariate.
        lookback_days: pre-period length for covariates.
        correction: multiple-testing correction across the levers, each metric its own family.
        confidence: confidence level of the intervals (1 - alpha).
        margin_rate: margin share when a transaction has no margin; None = the experiment's
            settings' margin_rate, else the store's (`store.settings`), else
            config.DEFAULT_MARGIN_RATE.
        bucket_days: width of the day-since-assignment buckets of the decay series; widened
            so that a horizon has at most metrics_sql.MAX_BUCKETS (the analysis's settings
            hold the width used).
        segment_attribute: customer attribute whose values are segments, or None.
    """

    horizon_days: int | None = None
    cap: bool = config.DEFAULT_CAP
    cap_percentile: float = config.DEFAULT_CAP_PERCENTILE
    use_covariate: bool = True
    lookback_days: int = config.DEFAULT_LOOKBACK_DAYS
    correction: stats.Correction = config.DEFAULT_CORRECTION  # type: ignore[assignment]
    confidence: float = config.CONFIDENCE
    margin_rate: float | None = None
    bucket_days: int = 7
    segment_attribute: str | None = None

    @property
    def alpha(self) -> float:
        return round(1.0 - self.confidence, 12)


@dataclass(frozen=True)
class AnalysisWarning:
    """Something the reader must know before trusting the numbers.

    Attributes:
        kind: 'srm', 'imbalance', 'short_window', 'data', 'insufficient_data', or
            'discount_estimated' (a discount arm's cost is estimated from its configuration:
            the data has no discount amounts; informs, does not block a verdict).
        message: what happened and what to do, in English (the JSON's text).
        key: its catalogue message (``warning.*``), '' for a text the catalogue lacks.
        values: the message's values as (name, value) pairs, numbers unformatted: `text`
            formats them in the reader's language.
    """

    kind: WarningKind
    message: str
    key: str = ""
    values: tuple[tuple[str, object], ...] = ()

    def text(self, lang: str = "en", currency: str | None = None) -> str:
        """The warning in a language: ru from the catalogue with the Formatter's numbers
        (p = 0,0031), English as `message` reads."""
        if lang == "en" or not self.key:
            return self.message
        import datetime as dt

        from experiments.i18n import Formatter, t
        from experiments.i18n.text import render

        fmt = Formatter(lang, currency or config.CURRENCY)  # type: ignore[arg-type]
        shown: dict[str, object] = {}
        for name, value in self.values:
            if name == "p" and isinstance(value, float):
                shown[name] = fmt.significant(value, 2)
            elif name in ("severity", "longest") and isinstance(value, str):
                shown[name] = t(value, lang) if value.startswith("warning.") else value  # type: ignore[arg-type]
            elif name == "longest" and isinstance(value, int):
                shown[name] = fmt.count(value, "days")
            elif name == "covariate" and isinstance(value, str):
                shown[name] = t(f"report.covariate.{value}", lang)  # type: ignore[arg-type]
            elif name == "last" and value is not None:
                shown[name] = fmt.date_short(dt.date.fromisoformat(str(value)[:10]))
            elif isinstance(value, int) and name != "count":
                shown[name] = fmt.number(value)
            else:
                shown[name] = render(value, lang)  # type: ignore[arg-type]  # a Text (SRM note)
        return t(self.key, lang, **shown)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ArmSummary:
    """One arm's size and means at the analysis horizon.

    Attributes:
        arm: arm name.
        arm_id: arm id in the store.
        kind: arm kind (control, discount, gift, outreach, custom).
        n: customers assigned.
        n_observed: customers with the whole analysis window observed.
        planned_allocation: planned share of customers (normalised).
        cost_per_customer: fixed cost per assigned customer.
        means: metric -> mean over observed customers (None without any).
        pre_period: covariate -> mean over all assigned customers.
        repeat_by_horizon: horizon -> (observed customers, repeat-purchase rate or None).
    """

    arm: str
    arm_id: int
    kind: str
    n: int
    n_observed: int
    planned_allocation: float
    cost_per_customer: float
    means: dict[str, float | None]
    pre_period: dict[str, float | None]
    repeat_by_horizon: dict[int, tuple[int, float | None]]

    def as_json(self) -> dict[str, object]:
        out = asdict(self)
        out["means"] = {k: _finite(v) for k, v in self.means.items()}
        out["pre_period"] = {k: _finite(v) for k, v in self.pre_period.items()}
        out["repeat_by_horizon"] = [
            {"horizon_days": h, "n_observed": n, "repeat_rate": _finite(rate)}
            for h, (n, rate) in self.repeat_by_horizon.items()
        ]
        return out


@dataclass(frozen=True)
class DiscountCost:
    """Where the discount arms' cost comes from (`metrics_sql` module docstring has the rule).

    Attributes:
        source: 'data' (the transactions' discount amounts) or 'configured' (the data has no
            discount amount in the experiment's window, so each discount arm's cost is its
            configured percent of the list value of its orders there).
        arms: discount arm -> (discount_pct, redemption_share) as configured.
        note: one sentence for the page and the report on how the cost was obtained; None
            without a discount arm.
    """

    source: metrics_sql.DiscountSource = "data"
    arms: dict[str, tuple[float, float]] = field(default_factory=dict)
    note: str | None = None

    @property
    def estimated(self) -> bool:
        """A discount arm's cost is an estimate from its configuration, not the data's."""
        return self.source == "configured" and bool(self.arms)

    @property
    def summary(self) -> str | None:
        """'estimated from the configured 10% on 85% of orders because the data has no
        discount amounts', 'from the discount amounts in the data', or None without a
        discount arm: what the page and the report put next to the net values."""
        if not self.arms:
            return None
        if not self.estimated:
            return "from the discount amounts in the data"
        parts = [
            f"{pct:g}%" + (f" on {share:.0%} of orders" if share < 1 else "")
            + (f" for {arm}" if len(self.arms) > 1 else "")
            for arm, (pct, share) in self.arms.items()
        ]  # fmt: skip
        return (
            f"estimated from the configured {', '.join(parts)} because the data has no "
            "discount amounts"
        )

    def as_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "estimated": self.estimated,
            "arms": [
                {
                    "arm": arm,
                    "discount_pct": pct,
                    "redemption_share": share,
                    "share_of_list_value": pct / 100 * share,
                }
                for arm, (pct, share) in self.arms.items()
            ],
            "note": self.note,
        }


def _discount_cost(experiment: Experiment, source: str) -> DiscountCost:
    arms = {
        a.name: (a.discount_pct, a.redemption_share)
        for a in experiment.arms
        if a.kind == "discount"
    }
    kind: metrics_sql.DiscountSource = "configured" if source == "configured" else "data"
    cost = DiscountCost(kind, arms)
    if not cost.estimated:
        return dataclasses.replace(cost, note=f"Discount cost {cost.summary}." if arms else None)
    shares = " and ".join(f"{pct * share / 100:.3g}" for pct, share in arms.values())
    return dataclasses.replace(
        cost,
        note=f"Discount cost {cost.summary}: a share of {shares} of the list price of the "
        "discount arm's orders in the window, the list price being the amount paid / "
        "(1 - that share). The intervals take the configured redemption share as exact (at "
        "10% off, 100% instead of 85% redemption is about 19% more cost), and assume the "
        "coupon's use does not depend on the basket's size.",
    )


def _uncounted_coupons(analysis: ExperimentAnalysis, cost: DiscountCost) -> list[AnalysisWarning]:
    """The data carries discounts (so they count), yet a discount arm gave no more than
    control per customer: the export probably holds the shop's ordinary promotions but not
    the lever's coupons, and the lever's cost reads (near) nothing."""
    if cost.source != "data" or not cost.arms:
        return []
    means = {a.arm: a.means.get("cost") for a in analysis.arms}
    fixed = {a.arm: a.cost_per_customer for a in analysis.arms}
    control = means.get(str(analysis.control))
    out = []
    for arm in cost.arms:
        own = means.get(arm)
        if own is None or control is None:
            continue
        if own - fixed.get(arm, 0.0) <= control - fixed.get(str(analysis.control), 0.0):
            out.append(
                AnalysisWarning(
                    "data",
                    f"{arm} gave no more discount per customer than {analysis.control} in the "
                    "data: are the lever's coupons in the export? Without them its cost reads "
                    "as nothing. Load the receipts with their discounts, or an export without "
                    "a discount column so the configured percent is used.",
                    "warning.no_discount_seen",
                    (("arm", arm), ("control", analysis.control)),
                )
            )
    return out


def resolve_margin_rate(
    cur: Cursor, explicit: float | None, own: Experiment | None
) -> tuple[float, MarginRateSource]:
    """The margin rate behind the net values and where it comes from: the analysis' explicit
    rate, else the experiment's own setting, else the store's, else the default."""
    if explicit is not None:
        return float(explicit), "analysis"
    if own is not None and own.margin_rate is not None:
        return float(own.margin_rate), "experiment"
    stored = store_settings.read_settings(cur).margin_rate
    if stored is not None:
        return float(stored), "store"
    return float(config.DEFAULT_MARGIN_RATE), "default"


@dataclass(frozen=True)
class ExperimentAnalysis:
    """Everything the Results page and `analyze --json` show for one experiment.

    Attributes:
        experiment: the experiment analysed (`experiment.load`), its design rule included.
        settings: the settings used, horizon resolved.
        horizon_days: the analysis horizon.
        margin_rate: margin share used for transactions without a margin.
        first_ts: earliest transaction in the store (ISO text) or None.
        last_ts: latest transaction: the data's end, or None.
        status: 'ok', or 'insufficient_data' when no effect could be estimated.
        control: name of the baseline arm (the control arm, else the first arm).
        arms: one summary per arm, in arm_id order.
        srm: sample-ratio mismatch test of assigned counts against the plan.
        effects: arm x metric x method vs control at the horizon, p_adjusted across them.
        comparisons: arm vs arm (non-control pairs) on repeat purchase and net value, with
            CUPED rows for net value when adjusting; corrected across pairs x metrics.
        probability_best: arm -> posterior probability of the highest net value.
        chance_to_beat_control: arm -> posterior probability of beating control on net value.
        horizon_effects: repeat purchase vs control at each catalogue horizon (uncorrected).
        decay: arm -> per-bucket effect on contribution (margin - discounts) in that bucket.
        cumulative: arm -> per-bucket effect on cumulative net value (contribution so far
            minus the fixed cost), the curve whose crossing of 0 is payback.
        payback_day: arm -> first bucket end from which cumulative incremental contribution
            stays above the incremental fixed cost; None if not within the horizon.
        segments: (segment kind, metric, arm) -> per-segment effects and heterogeneity.
        survival: histogram (arm, event, duration_days, customers): Kaplan-Meier inputs.
        kaplan_meier: curves and log-rank test of time to first purchase after assignment.
        caps: metric -> (lower, upper) caps applied.
        distribution: histogram of net value per customer per arm (uncapped, observed
            customers), with how many lie beyond the caps (see metrics_sql.Aggregates).
        checks: data checks: extra_assignments (customers assigned more than once; the first
            assignment is analysed), customers_before_first_seen (assigned customers with a
            transaction dated before their first_seen), assigned_after_data_end.
        warnings: what to know before trusting the numbers.
        margin_rate_source: where margin_rate comes from: 'analysis' (AnalysisSettings),
            'experiment' (its own settings), 'store' (the store setting) or 'default'.
        discount_cost: whether the discount arms' cost is the data's or estimated.
        observed_days: the longest horizon every assigned customer is observed for
            (`overview.observed_days`); None without data after the last assignment.
        payback: arm -> the payback day with its interval (stats.PAYBACK_RULE): paid back
            with confidence by day X, or not yet.
        fading: arm -> the test of whether the effect fades (stats.FADING_RULE).
    """

    experiment: Experiment
    settings: AnalysisSettings
    horizon_days: int
    margin_rate: float
    first_ts: str | None
    last_ts: str | None
    status: stats.Status
    control: str | None
    arms: list[ArmSummary]
    srm: stats.SrmResult
    effects: list[stats.Effect]
    comparisons: list[stats.Effect]
    probability_best: dict[str, float | None]
    chance_to_beat_control: dict[str, float | None]
    horizon_effects: list[tuple[int, stats.Effect]]
    decay: dict[str, list[stats.DecayPoint]]
    cumulative: dict[str, list[stats.DecayPoint]]
    payback_day: dict[str, int | None]
    segments: dict[tuple[str, str, str], stats.SegmentAnalysis]
    survival: pd.DataFrame
    kaplan_meier: stats.KaplanMeierResult
    caps: dict[str, tuple[float | None, float | None]]
    distribution: pd.DataFrame
    checks: dict[str, int]
    warnings: list[AnalysisWarning] = field(default_factory=list)
    margin_rate_source: MarginRateSource = "default"
    discount_cost: DiscountCost = field(default_factory=DiscountCost)
    observed_days: int | None = None
    payback: dict[str, stats.PaybackInterval] = field(default_factory=dict)
    fading: dict[str, stats.FadingTest] = field(default_factory=dict)

    @property
    def horizon_progress(self) -> HorizonProgress:
        """The experiment against its planned horizon: is every customer observed for it?"""
        return self.experiment.progress(self.observed_days)

    def effect(self, arm: str, metric: str, method: str) -> stats.Effect | None:
        """The effect row for an arm, metric and method, or None."""
        for e in self.effects:
            if e.arm == arm and e.metric == metric and e.method == method:
                return e
        return None

    def as_json(self, currency: str | None = None) -> dict[str, object]:
        """Plain JSON-able dict (no NaN): the shape `analyze --json` prints; the English
        statements' amounts in `currency` (the store's; default config.CURRENCY)."""
        return {
            "experiment": {
                k: self.experiment.as_json()[k]
                for k in ("id", "name", "status", "primary_metric", "horizon_days", "source")
            },
            "settings": {
                **asdict(self.settings),
                "horizon_days": self.horizon_days,
                "margin_rate": self.margin_rate,
                "money_estimand": stats.money_estimand(self.settings.cap),
                "money_estimand_label": stats.money_estimand_label(
                    self.settings.cap, self.settings.cap_percentile, currency
                ),
                "margin_rate_source": self.margin_rate_source,
            },
            "data": {
                "first_ts": self.first_ts,
                "last_ts": self.last_ts,
                "observed_days": self.observed_days,
                "planned_horizon_observed": self.horizon_progress.fully_observed,
                "status_text": self.horizon_progress.text,
            },
            "status": self.status,
            "control": self.control,
            "horizon_days": self.horizon_days,
            "arms": [a.as_json() for a in self.arms],
            "srm_p_value": _finite(self.srm.p_value),
            "srm": self.srm.as_json(),
            "effects": [{**e.as_json(), "horizon_days": self.horizon_days} for e in self.effects],
            "comparisons": [e.as_json() for e in self.comparisons],
            "probability_best": {
                "metric": catalogue.DECISION_METRIC.name,
                "arms": {k: _finite(v) for k, v in self.probability_best.items()},
            },
            "chance_to_beat_control": {
                k: _finite(v) for k, v in self.chance_to_beat_control.items()
            },
            "horizon_effects": [
                {**e.as_json(), "horizon_days": h} for h, e in self.horizon_effects
            ],
            "decay": {
                "bucket_days": self.settings.bucket_days,
                "contribution": {a: [p.as_json() for p in ps] for a, ps in self.decay.items()},
                "cumulative_net_value": {
                    a: [p.as_json() for p in ps] for a, ps in self.cumulative.items()
                },
                "payback_day": self.payback_day,
                "payback": {a: p.as_json() for a, p in self.payback.items()},
                "payback_rule": stats.PAYBACK_RULE,
                "fading": {a: f.as_json(currency) for a, f in self.fading.items()},
                "fading_rule": stats.FADING_RULE,
            },
            "segments": [
                {"segment_kind": kind, "metric": metric, "arm": arm, **analysis.as_json()}
                for (kind, metric, arm), analysis in self.segments.items()
            ],
            "survival": {
                "inputs": self.survival.to_dict(orient="records"),
                "logrank_statistic": _finite(self.kaplan_meier.logrank_statistic),
                "logrank_p_value": _finite(self.kaplan_meier.logrank_p_value),
                "status": self.kaplan_meier.status,
                "note": self.kaplan_meier.note,
            },
            "caps": {m: {"lower": lo, "upper": hi} for m, (lo, hi) in self.caps.items()},
            "checks": self.checks,
            "warnings": [{"kind": w.kind, "message": w.message} for w in self.warnings],
            "discount_cost": self.discount_cost.as_json(),
        }


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


_NO_CUSTOMERS = GroupStats()  # an arm the query did not see: zero customers, zero sums


def metric_stats(
    group: GroupStats | None,
    metric: str,
    horizon: int,
    moments: stats.CovariateMoments | None = None,
) -> stats.SampleStats:
    """SampleStats of a catalogue metric at the analysis horizon, with its covariate, and the
    moments with all CUPED covariates when given (`metrics_sql.Aggregates.moments`)."""
    found = group or _NO_CUSTOMERS
    sample = found.sample(metric, horizon, catalogue.metric(metric).covariate)
    return replace(sample, covariates=moments) if moments is not None else sample


Option = str | int | float | bool | None


class InvalidHorizon(ValueError):
    """A horizon given but not a whole number of days above 0 (`value`: as given). The command
    line refuses it; a page link falls back to the default horizon and says so."""

    def __init__(self, value: Option) -> None:
        super().__init__(f"horizon {value!r} is not a whole number of days above 0")
        self.value = value


def parse_horizon(value: Option) -> int | None:
    """An analysis horizon in days: None when absent (None or blank: the experiment's default
    applies), else a whole number above 0 ('90' or 90); anything else raises InvalidHorizon
    (0 and -5 were silently replaced by the default), and so does one beyond
    `config.MAX_HORIZON_DAYS` (99999999999 overflowed the engine's date arithmetic)."""
    given = value
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        text = value.strip()  # ASCII digits only: '²' and '٣' pass str.isdigit
        value = int(text) if text.isascii() and text.isdigit() else None
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and 0 < value <= config.MAX_HORIZON_DAYS
    ):
        return value
    raise InvalidHorizon(given)


def _switch(value: Option, default: bool) -> bool:
    chosen = _switch_value(value)
    return default if chosen is None else chosen


def _switch_value(value: Option) -> bool | None:
    """'on' / 'off' (or 'true' / 'false', a bool) as a bool; None for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("on", "off", "true", "false"):
        return value.strip().lower() in ("on", "true")
    return None


def _confidence_share(value: Option) -> float | None:
    """A confidence of `config.CONFIDENCE_CHOICES` given as a percent ('95', 95) or a share
    (0.95); None for anything else ('42', 'abc', '²': ASCII digits only)."""
    if isinstance(value, str):
        text = value.strip()
        value = int(text) if text.isascii() and text.isdigit() else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        share = value / 100 if value > 1 else float(value)
        for choice in config.CONFIDENCE_CHOICES:
            if math.isclose(share, choice):
                return choice
    return None


def unrecognised_options(
    *,
    cap: Option = None,
    cuped: Option = None,
    correction: Option = None,
    confidence: Option = None,
) -> tuple[str, ...]:
    """The names of the options given (not None or blank) that `settings_from_options` does
    not recognise and replaces by their defaults (`confidence=42`, `cap=maybe`): a page link
    still opens, saying so, and the command line refuses them."""

    def given(value: Option) -> bool:
        return value is not None and not (isinstance(value, str) and not value.strip())

    checks = {
        "cap": _switch_value(cap) is not None,
        "cuped": _switch_value(cuped) is not None,
        "correction": correction in config.CORRECTIONS,
        "confidence": _confidence_share(confidence) is not None,
    }
    values = {"cap": cap, "cuped": cuped, "correction": correction, "confidence": confidence}
    return tuple(name for name, ok in checks.items() if given(values[name]) and not ok)


def settings_from_options(
    *,
    horizon: Option = None,
    cap: Option = None,
    cuped: Option = None,
    correction: Option = None,
    confidence: Option = None,
    rule_confidence: float = config.CONFIDENCE,
    rule_correction: str = config.DEFAULT_CORRECTION,
) -> AnalysisSettings:
    """The one parser of an analysis' settings, for the page's query parameters (text) and the
    command line's options (numbers, flags), with one default rule: absent or invalid values
    take the design rule's confidence and correction, no capping (`config.DEFAULT_CAP`), the
    pre-period adjustment on, and no horizon (`analyze_experiment` then applies
    `default_horizon`). A horizon given but not a whole number of days above 0 is refused
    (`parse_horizon`: InvalidHorizon), never replaced; `unrecognised_options` names the
    others that were given but replaced.

    Args:
        horizon: days ('90' or 90).
        cap: 'on' / 'off' or a bool.
        cuped: 'on' / 'off' or a bool.
        correction: 'holm', 'bh' or 'none'.
        confidence: percent ('90', 90) or share (0.9), one of `config.CONFIDENCE_CHOICES`.
        rule_confidence: the design rule's confidence (the default).
        rule_correction: the design rule's correction (the default).
    """
    days = parse_horizon(horizon)
    share = _confidence_share(confidence)
    level = rule_confidence if share is None else share
    chosen = correction if correction in config.CORRECTIONS else rule_correction
    return AnalysisSettings(
        horizon_days=days,
        cap=_switch(cap, config.DEFAULT_CAP),
        use_covariate=_switch(cuped, True),
        correction=chosen,  # type: ignore[arg-type]
        confidence=level,
    )


def settings_options(settings: AnalysisSettings) -> dict[str, str]:
    """The inverse of `settings_from_options`: the query parameters of a link that opens the
    analysis with these settings (horizon only when resolved)."""
    options = {
        "cap": "on" if settings.cap else "off",
        "cuped": "on" if settings.use_covariate else "off",
        "correction": str(settings.correction),
        "confidence": f"{round(settings.confidence * 100):d}",
    }
    if settings.horizon_days:
        options = {"horizon": str(int(settings.horizon_days)), **options}
    return options


def horizon_choices(planned: int, observed: int | None) -> list[int]:
    """Horizons worth offering for an experiment, shortest first.

    The standard ones (`config.HORIZONS_DAYS`), the experiment's planned one, and - while the
    planned one is not yet covered by the data - the longest one every customer is observed
    for (`observed`, e.g. 21 days into a running experiment): the only horizon at which an
    interim look has any data.
    """
    choices = {*config.HORIZONS_DAYS, int(planned)}
    if observed is not None and 1 <= observed < planned:
        choices.add(int(observed))
    return sorted(choices)


def default_horizon(planned: int, observed: int | None, status: str) -> int:
    """The planned horizon, except for a running experiment whose planned window the data does
    not cover yet: then everything observed so far (peeking is what the always-valid interval
    of a running experiment is for)."""
    if status == "running" and observed is not None and 1 <= observed < planned:
        return int(observed)
    return int(planned)


# Settings that change the aggregation query (`metrics_sql.QuerySpec`); the others
# (use_covariate, correction, confidence) only change the statistics computed from its sums.
AGGREGATION_FIELDS = (
    "horizon_days",
    "cap",
    "cap_percentile",
    "lookback_days",
    "margin_rate",
    "bucket_days",
    "segment_attribute",
)
STATISTICS_FIELDS = ("use_covariate", "correction", "confidence")
assert set(AGGREGATION_FIELDS) | set(STATISTICS_FIELDS) == {
    f.name for f in dataclasses.fields(AnalysisSettings)
}


def aggregation_settings(settings: AnalysisSettings) -> AnalysisSettings:
    """The settings with the statistics-only fields at their defaults: two settings with the
    same aggregation settings share one aggregation (a cache key)."""
    defaults = AnalysisSettings()
    return replace(settings, **{name: getattr(defaults, name) for name in STATISTICS_FIELDS})


@dataclass(frozen=True)
class ExperimentAggregates:
    """What the aggregation query returns for an experiment, with what it was run for: the
    input of `analyse`, which needs no store.

    Attributes:
        experiment: the experiment record (`experiment.load`), with the design rule the
            verdict follows.
        settings: the aggregation settings resolved (horizon, bucket width); its statistics
            fields are the defaults (`aggregation_settings`).
        spec: the query the aggregates come from.
        margin_rate: margin share used for transactions without a margin.
        margin_rate_source: where margin_rate comes from (`resolve_margin_rate`).
        observed_days: the longest horizon every assigned customer is observed for.
        aggregates: the per-arm sufficient statistics.
    """

    experiment: Experiment
    settings: AnalysisSettings
    spec: metrics_sql.QuerySpec
    margin_rate: float
    margin_rate_source: MarginRateSource
    observed_days: int | None
    aggregates: metrics_sql.Aggregates


def _found(cur: Cursor, experiment: int | str) -> Experiment:
    found = experiment_record.load(cur, experiment)
    if found is None:
        raise UnknownExperiment(
            Text("store.error.unknown_experiment", experiment=quoted(experiment))
        )
    return found


def query_spec(
    cur: Cursor,
    experiment: int | str,
    settings: AnalysisSettings | None = None,
    *,
    source: Source | None = None,
) -> tuple[Experiment, metrics_sql.QuerySpec, MarginRateSource, int | None]:
    """The experiment, the aggregation query its settings ask for (horizon by
    `default_horizon`, margin rate by `resolve_margin_rate`), the margin rate's source and the
    observed days (counted to the last transaction of `source`, the store's own when None).

    Raises:
        UnknownExperiment: no experiment has this id or name.
    """
    settings = settings or AnalysisSettings()
    found = _found(cur, experiment)
    experiment_id = found.id
    margin_rate, margin_source = resolve_margin_rate(cur, settings.margin_rate, found)
    observed = source_engine.observed_days(cur, experiment_id, source)
    horizon = int(
        settings.horizon_days or default_horizon(found.horizon_days, observed, found.status)
    )
    spec = metrics_sql.QuerySpec(
        experiment_id=experiment_id,
        horizon_days=horizon,
        repeat_horizons=config.HORIZONS_DAYS,
        lookback_days=settings.lookback_days,
        margin_rate=margin_rate,
        cap=settings.cap,
        cap_percentile=settings.cap_percentile,
        bucket_days=settings.bucket_days,
        segment_attribute=settings.segment_attribute,
    )
    return found, spec, margin_source, observed


def aggregate_experiment(
    store: Store,
    experiment: int | str,
    settings: AnalysisSettings | None = None,
    *,
    window: metrics_sql.WindowSource | None = None,
    source: Source | None = None,
) -> ExperimentAggregates:
    """The aggregation half of `analyze_experiment`: the one query, for the settings that
    change it (AGGREGATION_FIELDS; the others are ignored here).

    Args:
        store: the store holding assignments and transactions.
        experiment: experiment id or name.
        settings: analysis settings; horizon by `default_horizon` when None.
        window: per-customer window sums already materialized for the experiment
            (`store.results_cache`); None: aggregate the transactions.
        source: where the transactions are read (`source_engine.configured_source`); None:
            the store's own.

    Raises:
        UnknownExperiment: no experiment has this id or name.
        SourceError: the source cannot be read, or cannot compute what the settings ask.
    """
    settings = aggregation_settings(settings or AnalysisSettings())
    with store.cursor() as cur:
        found, spec, margin_source, observed = query_spec(cur, experiment, settings, source=source)
        if source_engine.is_store(source):
            aggregates = metrics_sql.experiment_aggregates(cur, spec, window=window)
        else:
            builder = source_engine.query_builder(source, cur)
            aggregates = builder.aggregate(spec, spec.requests)
    return ExperimentAggregates(
        experiment=found,
        # resolved values: the horizon used, and the bucket width (widened for long horizons)
        settings=replace(settings, horizon_days=spec.horizon_days, bucket_days=spec.bucket_width),
        spec=spec,
        margin_rate=spec.margin_rate,
        margin_rate_source=margin_source,
        observed_days=observed,
        aggregates=aggregates,
    )


def analyse(
    aggregates: ExperimentAggregates, settings: AnalysisSettings | None = None
) -> ExperimentAnalysis:
    """The statistics half of `analyze_experiment`: pure Python on the sufficient statistics.

    Args:
        aggregates: from `aggregate_experiment`.
        settings: only its statistics fields are read (use_covariate, correction,
            confidence); None: the defaults.
    """
    chosen = settings or AnalysisSettings()
    settings = replace(
        aggregates.settings, **{name: getattr(chosen, name) for name in STATISTICS_FIELDS}
    )
    found = aggregates.experiment
    analysis = _analyse(
        found, settings, aggregates.spec, aggregates.margin_rate, aggregates.aggregates
    )
    discount_cost = _discount_cost(found, aggregates.aggregates.discount_source)
    warnings = list(analysis.warnings)
    if discount_cost.estimated and discount_cost.note:
        warnings.append(AnalysisWarning("discount_estimated", discount_cost.note))
    warnings.extend(_uncounted_coupons(analysis, discount_cost))
    return dataclasses.replace(
        analysis,
        margin_rate_source=aggregates.margin_rate_source,
        discount_cost=discount_cost,
        warnings=warnings,
        observed_days=aggregates.observed_days,
    )


def analyze_experiment(
    store: Store,
    experiment: int | str,
    settings: AnalysisSettings | None = None,
    *,
    source: Source | None = None,
) -> ExperimentAnalysis:
    """Analyse an experiment from the store: one aggregation query (`aggregate_experiment`),
    then `experiments.stats` on its sums (`analyse`).

    Args:
        store: the store holding assignments and transactions.
        experiment: experiment id or name.
        settings: analysis settings (defaults from config; horizon by `default_horizon`: the
            planned one, or all the data so far for a running experiment that lacks it - the
            one default rule the page, the CLI and the reports share).

    Returns:
        The analysis. Degenerate data (no transactions, an empty arm, a window not yet
        observed) gives 'insufficient_data' effects and warnings, never an exception.

    Raises:
        UnknownExperiment: no experiment has this id or name.
    """
    return analyse(aggregate_experiment(store, experiment, settings, source=source), settings)


def _arm_defs(experiment: Experiment) -> list[Arm]:
    """The arms as stored: their cost_per_customer is what net value is charged."""
    return list(experiment.arms)


def _analyse(
    experiment: Experiment,
    settings: AnalysisSettings,
    spec: metrics_sql.QuerySpec,
    margin_rate: float,
    agg: metrics_sql.Aggregates,
) -> ExperimentAnalysis:
    horizon = spec.horizon_days
    alpha = settings.alpha
    arm_defs = _arm_defs(experiment)
    names = {a.arm_id: a.name for a in arm_defs}
    rows = agg.arms
    control_def = next((a for a in arm_defs if a.kind == "control"), None)
    if control_def is None and arm_defs:
        control_def = arm_defs[0]
    control = control_def.name if control_def else None
    control_id = control_def.arm_id if control_def else None
    shares = stats.planned_shares({a.arm_id: a.allocation for a in arm_defs})
    warnings: list[AnalysisWarning] = []

    arms = [_arm_summary(a, rows.get(a.arm_id), shares[a.arm_id], horizon) for a in arm_defs]
    srm = stats.srm_test(
        {a.arm: a.n for a in arms},
        {a.arm: a.planned_allocation for a in arms},
        plan_assumed_equal=experiment.plan_assumed_equal,
    )

    def moments(arm_id: int | None, metric: str) -> stats.CovariateMoments | None:
        return agg.moments.get(arm_id, {}).get(metric) if arm_id is not None else None

    effects: list[stats.Effect] = []
    treated = [a for a in arm_defs if a is not control_def]
    control_row = rows.get(control_id) if control_id is not None else None
    for arm_def in treated:
        arm_row = rows.get(arm_def.arm_id)
        for metric in catalogue.METRICS:
            if not metric.tested:
                continue
            effects.extend(
                stats.compare(
                    metric_stats(
                        control_row, metric.name, horizon, moments(control_id, metric.name)
                    ),
                    metric_stats(
                        arm_row, metric.name, horizon, moments(arm_def.arm_id, metric.name)
                    ),
                    metric.test_kind,
                    arm_name=arm_def.name,
                    metric=metric.name,
                    alpha=alpha,
                    use_covariate=settings.use_covariate and metric.test_kind == "money",
                    baseline_name=control or "control",
                )
            )
    effects = stats.adjust_per_metric(effects, settings.correction)

    comparisons: list[stats.Effect] = []
    for i, first in enumerate(treated):
        for second in treated[i + 1 :]:
            base_row = rows.get(first.arm_id)
            other_row = rows.get(second.arm_id)
            for name in catalogue.PRIMARY_CHOICES:
                comparisons.extend(
                    stats.compare(
                        metric_stats(base_row, name, horizon, moments(first.arm_id, name)),
                        metric_stats(other_row, name, horizon, moments(second.arm_id, name)),
                        catalogue.metric(name).test_kind,
                        arm_name=second.name,
                        metric=name,
                        alpha=alpha,
                        use_covariate=settings.use_covariate
                        and catalogue.metric(name).test_kind == "money",
                        baseline_name=first.name,
                    )
                )
    comparisons = stats.adjust_per_metric(comparisons, settings.correction)

    decision = catalogue.DECISION_METRIC.name
    net = {names[i]: metric_stats(rows.get(i), decision, horizon) for i in names}
    probability_best = stats.probability_best(net, "money")
    chance = {
        a.name: stats.chance_to_beat_control(
            net.get(control) if control else None, net[a.name], "money"
        )
        for a in treated
    }

    horizon_effects: list[tuple[int, stats.Effect]] = []
    for h in config.HORIZONS_DAYS:
        for arm_def in treated:
            arm_row = rows.get(arm_def.arm_id)
            effect = stats.compare(
                (control_row or _NO_CUSTOMERS).sample(f"repeat_{h}", h),
                (arm_row or _NO_CUSTOMERS).sample(f"repeat_{h}", h),
                "binary",
                arm_name=arm_def.name,
                metric="repeat_purchase",
                alpha=alpha,
                baseline_name=control or "control",
            )[0]
            horizon_effects.append((h, effect))

    decay_points, cumulative, payback = _decay(treated, control_row, rows, spec, alpha)
    payback_intervals = {
        name: stats.payback_interval(points, arm_name=name, confidence=settings.confidence)
        for name, points in cumulative.items()
    }
    fading = {a.name: _fading(a, control_row, rows.get(a.arm_id), spec, alpha) for a in treated}
    segments = _segments(agg.segments, treated, control_id, horizon, alpha)
    kaplan = _kaplan_meier(agg.survival, names, alpha)

    checks = {
        name: int(sum(r.get(name, None).sum for r in rows.values())) for name in catalogue.CHECKS
    }
    warnings.extend(_warnings(arms, srm, rows, control_row, treated, control, agg, horizon, checks))
    status: stats.Status = "ok" if any(e.ok for e in effects) else "insufficient_data"
    if status != "ok":
        warnings.append(
            AnalysisWarning(
                "insufficient_data",
                "Insufficient data: no effect could be estimated at the "
                f"{horizon}-day horizon (needs a control and a treated arm with at least two "
                "fully observed customers each, and some transactions).",
                "warning.insufficient_data",
                (("horizon", horizon),),
            )
        )
    return ExperimentAnalysis(
        experiment=experiment,
        settings=settings,
        horizon_days=horizon,
        margin_rate=margin_rate,
        first_ts=agg.first_ts,
        last_ts=agg.last_ts,
        status=status,
        control=control,
        arms=arms,
        srm=srm,
        effects=effects,
        comparisons=comparisons,
        probability_best=probability_best,
        chance_to_beat_control=chance,
        horizon_effects=horizon_effects,
        decay=decay_points,
        cumulative=cumulative,
        payback_day=payback,
        segments=segments,
        survival=agg.survival,
        kaplan_meier=kaplan,
        caps=agg.caps,
        distribution=agg.distribution,
        checks=checks,
        warnings=warnings,
        payback=payback_intervals,
        fading=fading,
    )


def _arm_summary(
    arm_def: Arm, row: GroupStats | None, planned_share: float, horizon: int
) -> ArmSummary:
    row = row or _NO_CUSTOMERS
    n_observed = row.n(horizon)
    means = {m.name: row.get(m.name, horizon).mean for m in catalogue.METRICS}
    n = row.assigned
    pre = {cov: row.get(cov, None).mean for cov in catalogue.PRE_PERIOD_COVARIATES}
    buyers = row.get("pre_buyer", None).sum  # the customers with a pre-period recency
    pre["pre_recency_days"] = row.get("pre_recency_days", None).sum / buyers if buyers else None
    by_horizon: dict[int, tuple[int, float | None]] = {}
    for h in config.HORIZONS_DAYS:
        repeat = row.get(f"repeat_{h}", h)
        by_horizon[h] = (repeat.n, repeat.mean)
    return ArmSummary(
        arm=arm_def.name,
        arm_id=arm_def.arm_id,
        kind=arm_def.kind,
        n=n,
        n_observed=n_observed,
        planned_allocation=planned_share,
        cost_per_customer=arm_def.cost_per_customer,
        means=means,
        pre_period=pre,
        repeat_by_horizon=by_horizon,
    )


def _decay(
    treated: list[Arm],
    control_row: GroupStats | None,
    rows: Mapping[int, GroupStats],
    spec: metrics_sql.QuerySpec,
    alpha: float,
) -> tuple[
    dict[str, list[stats.DecayPoint]], dict[str, list[stats.DecayPoint]], dict[str, int | None]
]:
    """Per-bucket and cumulative effects on contribution, and the payback day, per arm."""
    ends = spec.bucket_ends
    starts = [0, *ends[:-1]]
    decay_points: dict[str, list[stats.DecayPoint]] = {}
    cumulative: dict[str, list[stats.DecayPoint]] = {}
    payback: dict[str, int | None] = {}
    base = control_row or _NO_CUSTOMERS
    for arm_def in treated:
        name = arm_def.name
        arm_row = rows.get(arm_def.arm_id) or _NO_CUSTOMERS
        per_bucket = {
            starts[b]: (base.sample(f"bucket_b{b}", end), arm_row.sample(f"bucket_b{b}", end))
            for b, end in enumerate(ends)
        }
        per_end = {
            end: (base.sample(f"cum_net_b{b}", end), arm_row.sample(f"cum_net_b{b}", end))
            for b, end in enumerate(ends)
        }
        decay_points[name] = stats.decay(
            per_bucket, "money", arm_name=name, metric="contribution", alpha=alpha
        )
        cumulative[name] = stats.decay(
            per_end, "money", arm_name=name, metric="cumulative_net_value", alpha=alpha
        )
        cost_diff = (arm_row.get("cost_per_customer", None).mean or 0.0) - (
            base.get("cost_per_customer", None).mean or 0.0
        )
        days = [p.bucket for p in cumulative[name] if p.effect.diff is not None]
        # cumulative net = contribution - fixed cost, so contribution diff = net diff + cost diff
        incremental = [
            float(p.effect.diff) + cost_diff for p in cumulative[name] if p.effect.diff is not None
        ]
        payback[name] = stats.payback_day(days, incremental, cost_diff) if days else None
    return decay_points, cumulative, payback


def _fading(
    arm_def: Arm,
    control_row: GroupStats | None,
    arm_row: GroupStats | None,
    spec: metrics_sql.QuerySpec,
    alpha: float,
) -> stats.FadingTest:
    """The fading test of one arm from the per-customer half-horizon contrasts (FADING_SERIES)."""
    h = spec.horizon_days
    early, late, change = (
        (
            (control_row or _NO_CUSTOMERS).sample(name, h),
            (arm_row or _NO_CUSTOMERS).sample(name, h),
        )
        for name in catalogue.FADING_SERIES
    )
    return stats.fading_test(
        early,
        late,
        change,
        arm_name=arm_def.name,
        split_day=spec.split_day,
        horizon_days=spec.horizon_days,
        alpha=alpha,
    )


def _segments(
    groups: Mapping[tuple[str, str, int], GroupStats],
    treated: list[Arm],
    control_id: int | None,
    horizon: int,
    alpha: float,
) -> dict[tuple[str, str, str], stats.SegmentAnalysis]:
    out: dict[tuple[str, str, str], stats.SegmentAnalysis] = {}
    if not groups or control_id is None:
        return out
    by_kind: dict[str, dict[str, dict[int, GroupStats]]] = {}
    for (kind, segment, arm_id), group in sorted(groups.items()):
        by_kind.setdefault(kind, {}).setdefault(segment, {})[arm_id] = group
    for kind, by_segment in by_kind.items():
        if len(by_segment) < 2:
            continue
        for arm_def in treated:
            arm_id = arm_def.arm_id
            for metric in catalogue.PRIMARY_CHOICES:
                per_segment = {
                    segment: (
                        metric_stats(arms.get(control_id), metric, horizon),
                        metric_stats(arms.get(arm_id), metric, horizon),
                    )
                    for segment, arms in sorted(by_segment.items())
                }
                out[(kind, metric, arm_def.name)] = stats.segment_effects(
                    per_segment,
                    catalogue.metric(metric).test_kind,
                    arm_name=arm_def.name,
                    metric=metric,
                    alpha=alpha,
                )
    return out


def _kaplan_meier(
    survival: pd.DataFrame, names: Mapping[int, str], alpha: float
) -> stats.KaplanMeierResult:
    """Kaplan-Meier from the follow-up histogram: a few hundred weighted rows, not 660k."""
    return stats.kaplan_meier(
        survival["duration_days"].to_numpy(dtype=float),
        survival["event"].to_numpy(dtype=int),
        [names.get(int(i), str(i)) for i in survival["arm_id"]],
        alpha=alpha,
        weights=survival["customers"].to_numpy(dtype=float),
    )


def _warnings(
    arms: list[ArmSummary],
    srm: stats.SrmResult,
    rows: Mapping[int, GroupStats],
    control_row: GroupStats | None,
    treated: list[Arm],
    control: str | None,
    agg: metrics_sql.Aggregates,
    horizon: int,
    checks: Mapping[str, int],
) -> list[AnalysisWarning]:
    out: list[AnalysisWarning] = []
    if srm.mismatch:
        out.append(
            AnalysisWarning(
                "srm",
                f"Sample-ratio mismatch (p = {srm.p_value:.2g}): arm sizes do not match the "
                f"planned allocation ({srm.note}). Assignment or data loading is probably "
                "broken; do not trust the effects until it is explained.",
                "warning.srm",
                (("p", srm.p_value), ("note", srm.note)),
            )
        )
    for arm_def in treated:
        arm_row = rows.get(arm_def.arm_id) or _NO_CUSTOMERS
        for cov in ("pre_spend", "pre_orders"):
            check = stats.compare(
                (control_row or _NO_CUSTOMERS).sample(cov, None),
                arm_row.sample(cov, None),
                "money",
                arm_name=arm_def.name,
                metric=cov,
            )[0]
            if check.ok and check.p_value is not None and check.p_value < IMBALANCE_P:
                out.append(
                    AnalysisWarning(
                        "imbalance",
                        f"Pre-period imbalance: {arm_def.name} differs from {control} in "
                        f"{cov.replace('_', '-')} before assignment (p = {check.p_value:.2g}). "
                        "Randomization may be broken; the CUPED rows adjust for it.",
                        "warning.imbalance",
                        (
                            ("arm", arm_def.name),
                            ("control", control),
                            ("covariate", cov),
                            ("p", check.p_value),
                        ),
                    )
                )
    assigned = sum(a.n for a in arms)
    observed = sum(a.n_observed for a in arms)
    if assigned and observed < assigned:
        complete = [h for h in config.HORIZONS_DAYS if all(
            a.repeat_by_horizon[h][0] == a.n for a in arms)]  # fmt: skip
        longest = f"{max(complete)} days" if complete else "none of the standard horizons"
        severity = "Too-short observation window" if observed < SHORT_WINDOW_SHARE * assigned else (
            "Partly observed window")  # fmt: skip
        out.append(
            AnalysisWarning(
                "short_window",
                f"{severity}: {observed} of {assigned} customers have the whole "
                f"{horizon}-day window in the data (data ends {agg.last_ts}); the others are "
                f"left out of this horizon. Fully observed for everyone: {longest}.",
                "warning.short_window",
                (
                    (
                        "severity",
                        "warning.window.too_short"
                        if observed < SHORT_WINDOW_SHARE * assigned
                        else "warning.window.partly",
                    ),
                    ("observed", observed),
                    ("count", assigned),  # the plural form agrees with it
                    ("horizon", horizon),
                    ("last", agg.last_ts),
                    ("longest", max(complete) if complete else "warning.window.none_complete"),
                ),
            )
        )
    if checks.get("extra_assignments"):
        out.append(
            AnalysisWarning(
                "data",
                f"{checks['extra_assignments']} duplicate assignments: customers assigned more "
                "than once; only each customer's first assignment is analysed.",
                "warning.duplicate_assignments",
                (("count", checks["extra_assignments"]),),
            )
        )
    if checks.get("customers_before_first_seen"):
        out.append(
            AnalysisWarning(
                "data",
                f"{checks['customers_before_first_seen']} assigned customers have purchases "
                "dated before their first_seen, which is impossible: check the customers "
                "file's first-seen dates or the transactions' time zone.",
                "warning.before_first_seen",
                (("count", checks["customers_before_first_seen"]),),
            )
        )
    if checks.get("assigned_after_data_end"):
        out.append(
            AnalysisWarning(
                "data",
                f"{checks['assigned_after_data_end']} customers were assigned after the last "
                "transaction in the store: load newer transactions to measure them.",
                "warning.assigned_after_data_end",
                (("count", checks["assigned_after_data_end"]),),
            )
        )
    return out
