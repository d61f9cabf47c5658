"""Experiment design: arms and their costs, audience filters, power / MDE, reproducible assignment.

Pure Python (numpy, scipy, statsmodels): no database and no UI. The SQL that feeds these
functions lives in `experiments.store.design_sql`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, get_args

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import proportion_effectsize

from experiments import catalogue, config
from experiments.stats import SampleStats

ArmKind = Literal["control", "discount", "gift", "outreach", "custom"]
PrimaryMetric = Literal["repeat_purchase", "net_value"]
Stratification = Literal["none", "rfm_segment", "spend_tier"]
Status = Literal["draft", "running", "completed"]
Action = Literal["edit", "start", "complete"]
PlanStatus = Literal["ok", "insufficient_data"]

ARM_KINDS: tuple[str, ...] = get_args(ArmKind)
PRIMARY_METRICS: tuple[str, ...] = get_args(PrimaryMetric)
STRATIFICATIONS: tuple[str, ...] = get_args(Stratification)

# Secondary metrics and guardrails are names the metrics module knows; kept here as a closed
# list so a typo is caught when the experiment is designed, not when it is analysed.
SECONDARY_METRICS: tuple[str, ...] = (
    *(f"net_value_{h}d" for h in config.HORIZONS_DAYS),
    "orders",
    "average_order_value",
)
# Guardrails the analysis tests at the planned horizon (non-inferiority against the margin set
# at design: at most guardrail_margin_pct of control's mean worse), with the metric each reads.
# margin_per_customer is the margin kept after the discounts given (before the lever's fixed
# cost, which net value already charges). Refund share, average order value and discount cost
# were offered before but never analysed (and a cost guardrail against a control that pays
# nothing stops every lever that costs anything): no longer offered; a stored one is reported
# as not analysed and does not hold the verdict.
GUARDRAIL_METRICS: dict[str, str] = catalogue.GUARDRAILS
GUARDRAILS: tuple[str, ...] = tuple(GUARDRAIL_METRICS)
CORRECTIONS: tuple[str, ...] = config.CORRECTIONS

RFM_SEGMENTS: tuple[str, ...] = (
    "champions",
    "loyal",
    "potential loyalists",
    "new",
    "at risk",
    "can't lose",
    "hibernating",
    "lost",
)

SMD_WARNING = 0.1  # |standardized mean difference| above this is highlighted in the table
AA_ALPHA = 0.05  # family-wise level of the A/A check (two tests, Bonferroni)
_UNIT_BITS = 52  # hash bits used for the uniform draw: exact in a double, same in SQL
UNIT_HEX_DIGITS = _UNIT_BITS // 4
UNIT_SCALE = float(2**_UNIT_BITS)


class DesignError(ValueError):
    """A design the user must fix; the message says what and how."""


# -- arms ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ArmSpec:
    """One arm of an experiment and what it costs.

    Attributes:
        name: label shown to users and in exports; unique within the experiment.
        kind: what the arm does; exactly one arm of an experiment is the control.
        allocation: relative weight of the arm in the randomization (any positive number;
            weights 2:1:1 give half the audience to the first arm).
        discount_pct: percent off an order (discount arms).
        redemption_share: expected share of customers who use the discount, 0..1. When the
            data has no discount amounts, the analysis reads it as the share of the arm's
            orders that took the discount (`metrics_sql` module docstring).
        gift_cost: cost of one surprise gift including delivery (gift arms).
        minutes: minutes of staff time per contact (outreach arms).
        hourly_cost: cost of one hour of staff time (outreach arms).
        custom_cost: any other fixed cost per customer (custom arms).
    """

    name: str
    kind: ArmKind
    allocation: float = 1.0
    discount_pct: float = 0.0
    redemption_share: float = 1.0
    gift_cost: float = 0.0
    minutes: float = 0.0
    hourly_cost: float = 0.0
    custom_cost: float = 0.0

    @property
    def cost_per_customer(self) -> float:
        """Fixed cost per assigned customer, paid whether or not the customer buys.

        A discount has no fixed cost: it is paid out of margin on the orders that redeem it, and
        the transactions already carry it (see `expected_cost`). Gifts and outreach are paid
        per customer reached.
        """
        if self.kind == "gift":
            return self.gift_cost
        if self.kind == "outreach":
            return self.minutes / 60.0 * self.hourly_cost
        if self.kind == "custom":
            return self.custom_cost
        return 0.0

    def expected_cost(self, average_order_value: float) -> float:
        """Expected cost per customer, the discount's margin given away included.

        Args:
            average_order_value: expected value of the order a discount applies to.
        """
        discount = 0.0
        if self.kind == "discount":
            discount = self.discount_pct / 100.0 * self.redemption_share * average_order_value
        return self.cost_per_customer + discount

    def params(self) -> dict[str, float]:
        """Cost inputs that have no column of their own in `arms` (stored as arms.params)."""
        return {
            "gift_cost": self.gift_cost,
            "minutes": self.minutes,
            "hourly_cost": self.hourly_cost,
            "custom_cost": self.custom_cost,
        }

    def problems(self) -> list[str]:
        label = f"Arm '{self.name}'" if self.name.strip() else "An arm"
        found: list[str] = []
        if not self.name.strip():
            found.append("Every arm needs a name.")
        if self.kind not in ARM_KINDS:
            found.append(f"{label}: kind must be one of {', '.join(ARM_KINDS)}.")
        if not (math.isfinite(self.allocation) and self.allocation > 0):
            found.append(f"{label}: allocation weight must be a positive number.")
        if self.kind == "discount" and not 0 < self.discount_pct <= 100:
            found.append(f"{label}: discount must be between 0 and 100 percent.")
        if not 0 <= self.redemption_share <= 1:
            found.append(f"{label}: expected redemption share must be between 0 and 1.")
        for field_name in ("gift_cost", "minutes", "hourly_cost", "custom_cost"):
            value = getattr(self, field_name)
            if not (math.isfinite(value) and value >= 0):
                found.append(f"{label}: {field_name.replace('_', ' ')} cannot be negative.")
            elif value > config.MAX_ABS_AMOUNT:
                found.append(
                    f"{label}: {field_name.replace('_', ' ')} {value:g} is beyond the plausible "
                    f"{config.MAX_ABS_AMOUNT:g} (config.MAX_ABS_AMOUNT): a typo?"
                )
        return found


# -- audience ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AudienceFilter:
    """Who is in the experiment, as ranges over per-customer features (None = no limit).

    Every value is bound as a query parameter by `design_sql`; none of it becomes SQL text.

    Attributes:
        as_of: the day the features are computed for (None: the day after the last
            transaction in the store, so an old export still gives a sensible audience).
        lookback_days: window for frequency and monetary (orders and spend in the last N days).
        recency_min, recency_max: days since the last purchase.
        frequency_min, frequency_max: orders in the lookback window.
        monetary_min, monetary_max: spend in the lookback window.
        tenure_min, tenure_max: days since the first purchase.
        segments: named RFM segments to keep (empty = all).
        r_scores, f_scores, m_scores: RFM quintile scores 1..5 to keep (empty = all).
        channels: the channel of the customer's last purchase must be one of these.
        attributes: uploaded customer attributes, (name, allowed values) pairs; a customer must
            match every name.
    """

    as_of: date | None = None
    lookback_days: int = config.DEFAULT_LOOKBACK_DAYS
    recency_min: float | None = None
    recency_max: float | None = None
    frequency_min: float | None = None
    frequency_max: float | None = None
    monetary_min: float | None = None
    monetary_max: float | None = None
    tenure_min: float | None = None
    tenure_max: float | None = None
    segments: tuple[str, ...] = ()
    r_scores: tuple[int, ...] = ()
    f_scores: tuple[int, ...] = ()
    m_scores: tuple[int, ...] = ()
    channels: tuple[str, ...] = ()
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "lookback_days": self.lookback_days,
            "recency_min": self.recency_min,
            "recency_max": self.recency_max,
            "frequency_min": self.frequency_min,
            "frequency_max": self.frequency_max,
            "monetary_min": self.monetary_min,
            "monetary_max": self.monetary_max,
            "tenure_min": self.tenure_min,
            "tenure_max": self.tenure_max,
            "segments": list(self.segments),
            "r_scores": list(self.r_scores),
            "f_scores": list(self.f_scores),
            "m_scores": list(self.m_scores),
            "channels": list(self.channels),
            "attributes": [[name, list(values)] for name, values in self.attributes],
        }

    @classmethod
    def from_json(cls, data: object) -> AudienceFilter:
        """Inverse of `as_json`; anything else (None, a text description) gives no filters."""
        if not isinstance(data, Mapping) or not data:
            return cls()

        def number(key: str) -> float | None:
            value = data.get(key)
            return float(value) if isinstance(value, int | float) else None

        def strings(key: str) -> tuple[str, ...]:
            value = data.get(key) or []
            return tuple(str(v) for v in value) if isinstance(value, list) else ()

        def ints(key: str) -> tuple[int, ...]:
            value = data.get(key) or []
            return tuple(int(v) for v in value) if isinstance(value, list) else ()

        as_of = data.get("as_of")
        attributes = data.get("attributes")
        pairs = attributes if isinstance(attributes, list) else []
        lookback = data.get("lookback_days")
        return cls(
            as_of=date.fromisoformat(as_of) if isinstance(as_of, str) else None,
            lookback_days=int(lookback)
            if isinstance(lookback, int | float)
            else config.DEFAULT_LOOKBACK_DAYS,
            recency_min=number("recency_min"),
            recency_max=number("recency_max"),
            frequency_min=number("frequency_min"),
            frequency_max=number("frequency_max"),
            monetary_min=number("monetary_min"),
            monetary_max=number("monetary_max"),
            tenure_min=number("tenure_min"),
            tenure_max=number("tenure_max"),
            segments=strings("segments"),
            r_scores=ints("r_scores"),
            f_scores=ints("f_scores"),
            m_scores=ints("m_scores"),
            channels=strings("channels"),
            attributes=tuple(
                (str(pair[0]), tuple(str(v) for v in pair[1]))
                for pair in pairs
                if isinstance(pair, list | tuple) and len(pair) == 2
            ),
        )

    def problems(self) -> list[str]:
        found: list[str] = []
        if self.lookback_days < 1:
            found.append("The lookback window must be at least one day.")
        for label, low, high in (
            ("Recency", self.recency_min, self.recency_max),
            ("Frequency", self.frequency_min, self.frequency_max),
            ("Spend", self.monetary_min, self.monetary_max),
            ("Tenure", self.tenure_min, self.tenure_max),
        ):
            if low is not None and high is not None and low > high:
                found.append(f"{label}: the minimum ({low:g}) is above the maximum ({high:g}).")
        unknown = sorted(set(self.segments) - set(RFM_SEGMENTS))
        if unknown:
            found.append(f"Unknown RFM segments: {', '.join(unknown)}.")
        for label, scores in (("R", self.r_scores), ("F", self.f_scores), ("M", self.m_scores)):
            if any(s not in range(1, 6) for s in scores):
                found.append(f"{label} scores are quintiles 1..5.")
        return found


# -- experiment ----------------------------------------------------------------------------------
def new_salt() -> str:
    """A random salt: a per-experiment seed, so two experiments split customers independently."""
    return secrets.token_hex(8)


@dataclass(frozen=True)
class ExperimentSpec:
    """Everything that defines an experiment before it starts.

    Attributes:
        name: unique name; also the export file name.
        hypothesis: what the marketer expects and why, in their words.
        arms: the arms, control included.
        primary_metric: the decision metric: repeat purchase within `horizon_days`, or net
            value per customer over that horizon.
        horizon_days: outcome window after the start.
        secondary_metrics: names from `SECONDARY_METRICS`, reported but not decided on.
        guardrails: names from `GUARDRAILS` that must not get worse (by more than
            `guardrail_margin_pct` of the control's mean): a lever that breaks one is not shipped.
        confidence: confidence level the verdict uses (fixed at design, like the horizon).
        correction: multiple-testing correction of the verdict across levers (holm, bh, none).
        guardrail_margin_pct: the non-inferiority margin of every guardrail, % of control's mean.
        stratify_by: balance the randomization within RFM segments or pre-period spend tiers.
        salt: seed of the hash that assigns arms; same salt + same customer = same arm.
        audience: who is eligible.
        code_prefix: when set, treatment customers get a personal coupon code with this prefix.
    """

    name: str
    arms: tuple[ArmSpec, ...]
    hypothesis: str = ""
    primary_metric: PrimaryMetric = "repeat_purchase"
    horizon_days: int = config.DEFAULT_HORIZON_DAYS
    secondary_metrics: tuple[str, ...] = ()
    guardrails: tuple[str, ...] = ()
    confidence: float = config.CONFIDENCE
    correction: str = config.DEFAULT_CORRECTION
    guardrail_margin_pct: float = config.GUARDRAIL_MARGIN_PCT
    stratify_by: Stratification = "none"
    salt: str = field(default_factory=new_salt)
    audience: AudienceFilter = field(default_factory=AudienceFilter)
    code_prefix: str | None = None

    @property
    def control(self) -> ArmSpec:
        controls = [a for a in self.arms if a.kind == "control"]
        if len(controls) != 1:
            raise DesignError(_control_message(len(controls)))
        return controls[0]

    @property
    def comparisons(self) -> int:
        """Treatment-vs-control comparisons the analysis will make (k - 1 for k arms)."""
        return max(len(self.arms) - 1, 0)

    def settings(self) -> dict[str, object]:
        """What goes into experiments.settings JSON (no column of its own)."""
        return {
            "secondary_metrics": list(self.secondary_metrics),
            "guardrails": list(self.guardrails),
            "confidence": float(self.confidence),
            "correction": self.correction,
            "decision_metric": "net_value",
            "guardrail_margin_pct": float(self.guardrail_margin_pct),
            "stratify_by": self.stratify_by,
            "audience": self.audience.as_json(),
            "code_prefix": self.code_prefix,
        }

    def problems(self) -> list[str]:
        """Everything wrong with the design, as messages a marketer can act on ([] = valid)."""
        found: list[str] = []
        if not self.name.strip():
            found.append("The experiment needs a name.")
        if len(self.arms) < 2:
            found.append("An experiment needs a control and at least one treatment arm.")
        controls = sum(a.kind == "control" for a in self.arms)
        if controls != 1:
            found.append(_control_message(controls))
        names = [a.name.strip().casefold() for a in self.arms]
        duplicates = sorted(
            {a.name for a in self.arms if names.count(a.name.strip().casefold()) > 1}
        )
        if duplicates:
            found.append(f"Arm names must be unique; repeated: {', '.join(duplicates)}.")
        for arm in self.arms:
            found.extend(arm.problems())
        if self.primary_metric not in PRIMARY_METRICS:
            found.append(f"Primary metric must be one of {', '.join(PRIMARY_METRICS)}.")
        if not 1 <= self.horizon_days <= 730:
            found.append("The horizon must be between 1 and 730 days.")
        unknown = sorted(set(self.secondary_metrics) - set(SECONDARY_METRICS))
        if unknown:
            found.append(f"Unknown secondary metrics: {', '.join(unknown)}.")
        unknown = sorted(set(self.guardrails) - set(GUARDRAILS))
        if unknown:
            found.append(f"Unknown guardrails: {', '.join(unknown)}.")
        if not any(math.isclose(self.confidence, c) for c in config.CONFIDENCE_CHOICES):
            levels = ", ".join(f"{c:.0%}" for c in config.CONFIDENCE_CHOICES)
            found.append(f"Confidence must be one of {levels}.")
        if self.correction not in CORRECTIONS:
            found.append(f"Correction must be one of {', '.join(CORRECTIONS)}.")
        if not 0 <= self.guardrail_margin_pct <= 100:
            found.append("The guardrail margin must be between 0 and 100 percent.")
        if self.stratify_by not in STRATIFICATIONS:
            found.append(f"Stratification must be one of {', '.join(STRATIFICATIONS)}.")
        if not self.salt:
            found.append("The randomization salt cannot be empty.")
        found.extend(self.audience.problems())
        return found

    def validate(self) -> None:
        """Raise `DesignError` listing every problem, or return quietly."""
        found = self.problems()
        if found:
            raise DesignError(" ".join(found))


def _control_message(count: int) -> str:
    if count == 0:
        return "Mark exactly one arm as the control: without it there is nothing to compare with."
    return f"Exactly one arm must be the control; {count} are marked as control."


# -- lifecycle -----------------------------------------------------------------------------------
_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "edit"): "draft",
    ("draft", "start"): "running",
    ("running", "complete"): "completed",
}

_REFUSALS: dict[tuple[str, str], str] = {
    ("running", "edit"): (
        "The experiment is running: its customers already got their arms, so changing the arms "
        "would make the results unreadable. Complete it and design a new experiment instead."
    ),
    ("completed", "edit"): (
        "The experiment is completed; its design is the record of what was run. "
        "Design a new experiment instead."
    ),
    ("running", "start"): "The experiment is already running.",
    ("completed", "start"): "The experiment is completed; it cannot start again.",
    ("draft", "complete"): "The experiment has not started yet, so there is nothing to complete.",
    ("completed", "complete"): "The experiment is already completed.",
}


def refusal(status: str, action: Action) -> str | None:
    """Why `action` is not allowed in `status`, or None when it is.

    The lifecycle is draft -> running (assignments frozen, start date set) -> completed.
    """
    if (status, action) in _TRANSITIONS:
        return None
    return _REFUSALS.get((status, action), f"Cannot {action} an experiment in status {status!r}.")


def next_status(status: str, action: Action) -> Status:
    """The status after `action`, or `DesignError` with the reason it is refused."""
    reason = refusal(status, action)
    if reason is not None:
        raise DesignError(reason)
    return _TRANSITIONS[(status, action)]  # type: ignore[return-value]


# -- planner -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlannerInputs:
    """What the audience's own history says, measured from a historical pseudo-start date.

    Attributes:
        customers: customers in the audience today.
        history_customers: customers who matched the audience at the pseudo-start date.
        baseline_rate: share of those who bought again within the horizon.
        value_mean: mean net value (margin) per customer over the horizon.
        value_variance: its variance (sample, ddof=1).
        pre_post_correlation: correlation of pre-period spend with net value over the horizon;
            its square is the variance a pre-period covariate (CUPED) removes.
        weekly_flow: customers newly entering the audience per week (recent four weeks).
        horizon_days: the horizon these were measured over.
    """

    customers: int
    history_customers: int
    baseline_rate: float | None
    value_mean: float | None
    value_variance: float | None
    pre_post_correlation: float | None
    weekly_flow: float
    horizon_days: int

    @property
    def status(self) -> PlanStatus:
        ok = (
            self.history_customers >= 2
            and self.baseline_rate is not None
            and 0 < self.baseline_rate < 1
            and self.value_variance is not None
            and self.value_variance > 0
        )
        return "ok" if ok else "insufficient_data"


def multiplicity_alpha(alpha: float, arms: int) -> float:
    """Per-comparison alpha for k arms compared each with the control (Bonferroni).

    With k - 1 treatment-vs-control comparisons, testing each at alpha / (k - 1) keeps the chance
    of any false winner at or below alpha. Bonferroni is slightly conservative (Šidák's
    1 - (1 - alpha)^(1/(k-1)) is exact for independent tests); the analysis uses Holm, which is
    never less powerful, so a plan made this way is on the safe side.
    """
    comparisons = max(arms - 1, 1)
    return alpha / comparisons


def variance_factor(correlation: float | None) -> float:
    """Share of the variance left after adjusting for a pre-period covariate (CUPED): 1 - rho^2."""
    if correlation is None or not math.isfinite(correlation):
        return 1.0
    return 1.0 - min(correlation**2, 1.0)


def _treated_rate(baseline: float, effect_size: float) -> float:
    """Invert Cohen's h: the rate p1 with 2 asin(sqrt p1) - 2 asin(sqrt p0) = h."""
    angle = math.asin(math.sqrt(baseline)) + effect_size / 2.0
    return math.sin(min(angle, math.pi / 2)) ** 2


def required_n_repeat(
    baseline_rate: float,
    lift_pp: float,
    *,
    alpha: float = config.ALPHA,
    power: float = config.DEFAULT_POWER,
    ratio: float = 1.0,
) -> int | None:
    """Customers in a treatment arm to detect `lift_pp` points on the repeat rate.

    Two-sided two-sample z-test on Cohen's h (statsmodels `proportion_effectsize` +
    `NormalIndPower`); `ratio` = control size / treatment size. None when the lift is zero or
    the treated rate would leave 0..1.
    """
    treated = baseline_rate + lift_pp / 100.0
    if lift_pp == 0 or not 0 < baseline_rate < 1 or not 0 < treated < 1:
        return None
    effect = proportion_effectsize(treated, baseline_rate)
    n = NormalIndPower().solve_power(
        effect_size=effect, alpha=alpha, power=power, ratio=ratio, alternative="two-sided"
    )
    return math.ceil(float(n))


def detectable_lift_pp(
    baseline_rate: float,
    n_treatment: float,
    *,
    alpha: float = config.ALPHA,
    power: float = config.DEFAULT_POWER,
    ratio: float = 1.0,
) -> float | None:
    """Smallest upward lift of the repeat rate, in percentage points, found with `power`."""
    if n_treatment < 2 or not 0 < baseline_rate < 1:
        return None
    effect = NormalIndPower().solve_power(
        nobs1=n_treatment, alpha=alpha, power=power, ratio=ratio, alternative="two-sided"
    )
    return (_treated_rate(baseline_rate, float(effect)) - baseline_rate) * 100.0


def required_n_value(
    std: float,
    lift_money: float,
    *,
    alpha: float = config.ALPHA,
    power: float = config.DEFAULT_POWER,
    ratio: float = 1.0,
    variance_factor: float = 1.0,
) -> int | None:
    """Customers in a treatment arm to detect `lift_money` of net value per customer.

    Two-sample t-test (statsmodels `TTestIndPower`) on d = lift / (std * sqrt(factor)), where
    `variance_factor` is 1 - rho^2 when the analysis adjusts for the pre-period covariate.
    """
    if lift_money == 0 or std <= 0 or variance_factor <= 0:
        return None
    effect = abs(lift_money) / (std * math.sqrt(variance_factor))
    n = TTestIndPower().solve_power(
        effect_size=effect, alpha=alpha, power=power, ratio=ratio, alternative="two-sided"
    )
    return math.ceil(float(n))


def detectable_value(
    std: float,
    n_treatment: float,
    *,
    alpha: float = config.ALPHA,
    power: float = config.DEFAULT_POWER,
    ratio: float = 1.0,
    variance_factor: float = 1.0,
) -> float | None:
    """Smallest change of net value per customer (money) found with `power`."""
    if n_treatment < 2 or std <= 0 or variance_factor <= 0:
        return None
    effect = TTestIndPower().solve_power(
        nobs1=n_treatment, alpha=alpha, power=power, ratio=ratio, alternative="two-sided"
    )
    return float(effect) * std * math.sqrt(variance_factor)


def power_curve(
    baseline_rate: float,
    lift_pp: float,
    n_values: Sequence[int] | None = None,
    *,
    alpha: float = config.ALPHA,
    ratio: float = 1.0,
) -> pd.DataFrame:
    """Power of the repeat-rate test against treatment-arm size (columns n, power), for a chart.

    Empty frame when the inputs cannot give a power (degenerate rate or zero lift).
    """
    treated = baseline_rate + lift_pp / 100.0
    if lift_pp == 0 or not 0 < baseline_rate < 1 or not 0 < treated < 1:
        return pd.DataFrame({"n": pd.Series(dtype="int64"), "power": pd.Series(dtype="float64")})
    effect = proportion_effectsize(treated, baseline_rate)
    if n_values is None:
        target = required_n_repeat(baseline_rate, lift_pp, alpha=alpha, ratio=ratio) or 100
        n_values = sorted({max(int(n), 2) for n in np.linspace(10, 2.5 * target, 40)})
    analysis = NormalIndPower()
    powers = [
        float(analysis.power(effect, nobs1=n, alpha=alpha, ratio=ratio, alternative="two-sided"))
        for n in n_values
    ]
    return pd.DataFrame({"n": list(n_values), "power": powers})


@dataclass(frozen=True)
class Plan:
    """Sample size and sensitivity of a design on its audience.

    Attributes:
        status: "insufficient_data" when the history cannot give a baseline (message says why).
        message: what to do when the status is not ok, else "".
        comparisons: treatment-vs-control comparisons (k - 1).
        alpha_per_comparison: alpha after the multiplicity penalty.
        power: target power.
        customers: audience available today.
        n_per_arm: arm name -> customers the arm gets from the available audience.
        baseline_rate: repeat rate of the audience in history.
        value_std: standard deviation of net value per customer over the horizon.
        variance_factor: 1 - rho^2 of the pre-period covariate (1 = no gain).
        target_lift_pp: the lift the marketer wants to detect (percentage points), if given.
        required_n_repeat: arm name -> customers the arm needs for `target_lift_pp`.
        required_total_repeat: audience needed for that, all arms together.
        detectable_lift_pp: lift found with `power` in the smallest treatment arm of the
            available audience.
        target_lift_money: the net-value change to detect (money per customer), if given.
        required_n_value: arm name -> customers for `target_lift_money` (with CUPED factor).
        required_total_value: audience needed for that.
        detectable_value: money per customer detectable without covariate adjustment.
        detectable_value_cuped: the same with the pre-period covariate.
        weeks_needed: weeks of audience flow to collect `required_total_repeat` (None without
            a target or without flow).
        weekly_flow: customers entering the audience per week.
    """

    status: PlanStatus
    message: str
    comparisons: int
    alpha_per_comparison: float
    power: float
    customers: int
    n_per_arm: dict[str, int]
    baseline_rate: float | None
    value_std: float | None
    variance_factor: float
    target_lift_pp: float | None = None
    required_n_repeat: dict[str, int] | None = None
    required_total_repeat: int | None = None
    detectable_lift_pp: float | None = None
    target_lift_money: float | None = None
    required_n_value: dict[str, int] | None = None
    required_total_value: int | None = None
    detectable_value: float | None = None
    detectable_value_cuped: float | None = None
    weeks_needed: float | None = None
    weekly_flow: float = 0.0


def split_counts(total: int, arms: Sequence[ArmSpec]) -> dict[str, int]:
    """How many of `total` customers each arm gets (largest remainder, sums to total)."""
    weights = np.array([a.allocation for a in arms], dtype=float)
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts), kind="stable")[: total - int(counts.sum())]:
        counts[i] += 1
    return {a.name: int(c) for a, c in zip(arms, counts, strict=True)}


def plan(
    inputs: PlannerInputs,
    arms: Sequence[ArmSpec],
    *,
    lift_pp: float | None = None,
    lift_money: float | None = None,
    alpha: float = config.ALPHA,
    power: float = config.DEFAULT_POWER,
) -> Plan:
    """Required customers for a target lift and the lift detectable with the audience at hand.

    Each treatment arm is compared with the control at alpha / (k - 1). With unequal weights the
    statsmodels `ratio` is control size / treatment size, so the smaller arm decides.
    """
    comparisons = max(len(arms) - 1, 1)
    alpha_k = multiplicity_alpha(alpha, len(arms))
    factor = variance_factor(inputs.pre_post_correlation)
    n_per_arm = split_counts(inputs.customers, arms)
    std = math.sqrt(inputs.value_variance) if inputs.value_variance else None
    base = Plan(
        status=inputs.status,
        message="",
        comparisons=comparisons,
        alpha_per_comparison=alpha_k,
        power=power,
        customers=inputs.customers,
        n_per_arm=n_per_arm,
        baseline_rate=inputs.baseline_rate,
        value_std=std,
        variance_factor=factor,
        target_lift_pp=lift_pp,
        target_lift_money=lift_money,
        weekly_flow=inputs.weekly_flow,
    )
    controls = [a for a in arms if a.kind == "control"]
    treatments = [a for a in arms if a.kind != "control"]
    if inputs.status != "ok" or len(controls) != 1 or not treatments:
        reason = (
            "The audience's history is too short or too uniform to estimate a baseline: it needs "
            "customers who matched the audience one horizon ago, some of whom bought again."
            if inputs.status != "ok"
            else "The design needs exactly one control and at least one treatment arm."
        )
        return _replace(base, status="insufficient_data", message=reason)
    control = controls[0]
    assert inputs.baseline_rate is not None and std is not None
    total_weight = sum(a.allocation for a in arms)

    def need(per_treatment: Mapping[str, int | None]) -> tuple[dict[str, int] | None, int | None]:
        if any(v is None for v in per_treatment.values()):
            return None, None
        totals = [
            math.ceil(n * total_weight / a.allocation)  # type: ignore[operator]
            for a in treatments
            for n in [per_treatment[a.name]]
        ]
        total = max(totals)
        return {a.name: math.ceil(total * a.allocation / total_weight) for a in arms}, total

    updates: dict[str, object] = {}
    if lift_pp is not None:
        per = {
            a.name: required_n_repeat(
                inputs.baseline_rate,
                lift_pp,
                alpha=alpha_k,
                power=power,
                ratio=control.allocation / a.allocation,
            )
            for a in treatments
        }
        updates["required_n_repeat"], updates["required_total_repeat"] = need(per)
        total = updates["required_total_repeat"]
        if isinstance(total, int) and inputs.weekly_flow > 0:
            updates["weeks_needed"] = total / inputs.weekly_flow
    if lift_money is not None:
        per = {
            a.name: required_n_value(
                std,
                lift_money,
                alpha=alpha_k,
                power=power,
                ratio=control.allocation / a.allocation,
                variance_factor=factor,
            )
            for a in treatments
        }
        updates["required_n_value"], updates["required_total_value"] = need(per)
    smallest = min(treatments, key=lambda a: n_per_arm[a.name])
    n_small = n_per_arm[smallest.name]
    ratio = n_per_arm[control.name] / n_small if n_small else 1.0
    if n_small >= 2 and n_per_arm[control.name] >= 2:
        updates["detectable_lift_pp"] = detectable_lift_pp(
            inputs.baseline_rate, n_small, alpha=alpha_k, power=power, ratio=ratio
        )
        updates["detectable_value"] = detectable_value(
            std, n_small, alpha=alpha_k, power=power, ratio=ratio
        )
        updates["detectable_value_cuped"] = detectable_value(
            std, n_small, alpha=alpha_k, power=power, ratio=ratio, variance_factor=factor
        )
    return _replace(base, **updates)


def _replace(plan_: Plan, **changes: object) -> Plan:
    from dataclasses import replace

    return replace(plan_, **changes)  # type: ignore[arg-type]


# -- assignment ----------------------------------------------------------------------------------
def hash_units(salt: str, customer_ids: Iterable[str]) -> np.ndarray:
    """Uniform numbers in [0, 1) from md5(salt + ':' + customer_id): the same every run.

    md5 is used for stability, not secrecy: it is standard everywhere, so the SQL side
    (`design_sql.audience_units`, DuckDB's md5) gives bit-identical numbers, unlike DuckDB's
    `hash()`, which is not guaranteed stable across versions. The first 52 bits are used so the
    value is exact in a double.
    """
    values = [
        int(hashlib.md5(f"{salt}:{cid}".encode()).hexdigest()[:UNIT_HEX_DIGITS], 16)
        for cid in customer_ids
    ]
    return np.asarray(values, dtype=np.float64) / UNIT_SCALE


def _stratum_offset(salt: str, stratum: str) -> float:
    digest = hashlib.md5(f"{salt}:stratum:{stratum}".encode()).hexdigest()
    return int(digest[:UNIT_HEX_DIGITS], 16) / UNIT_SCALE


def assign_arms(
    units: np.ndarray,
    weights: Sequence[float],
    *,
    strata: Sequence[str] | np.ndarray | None = None,
    salt: str = "",
) -> np.ndarray:
    """Arm index per customer from its hash unit (and stratum).

    Without strata each customer's arm depends on its own hash alone (the first arm whose
    cumulative weight share exceeds the unit), so it does not change when the audience does.

    With strata, customers are ranked by their hash inside each stratum (a random permutation)
    and cut into consecutive blocks sized floor(n * cumulative share + offset), with a per-stratum
    offset in [0, 1) drawn from (salt, stratum). Every stratum's split then matches the weights
    to within one customer, and the leftover customer goes to each arm with probability equal to
    its weight rather than always to the first arm.
    """
    units = np.asarray(units, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if w.size == 0 or np.any(w <= 0):
        raise DesignError("Allocation weights must be positive.")
    cumulative = np.cumsum(w) / w.sum()
    if strata is None:
        return np.minimum(np.searchsorted(cumulative, units, side="right"), w.size - 1)
    labels = np.asarray(strata, dtype=object).astype(str)
    codes, uniques = pd.factorize(labels, sort=True)
    order = np.lexsort((units, codes))
    arms = np.empty(units.size, dtype=np.int64)
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    ends = np.r_[starts[1:], sorted_codes.size]
    for start, end in zip(starts, ends, strict=True):
        n = end - start
        offset = _stratum_offset(salt, str(uniques[sorted_codes[start]]))
        bounds = np.floor(n * cumulative + offset).astype(np.int64)
        bounds[-1] = n
        rank = np.arange(n)
        arms[order[start:end]] = np.searchsorted(bounds, rank, side="right")
    return arms


def personal_codes(salt: str, customer_ids: Iterable[str], prefix: str) -> list[str]:
    """Personal coupon codes: prefix + 8 characters derived from (salt, customer), reproducible.

    Unique: 8 characters give 2^40 codes, so at a million customers some two would share one
    about a third of the time. Customers whose code is taken (in customer-id order, so the
    result does not depend on the row order) draw again with a counter until it is free.
    """
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and typed

    def code(cid: str, attempt: int) -> str:
        key = f"{salt}:code:{cid}" + (f":{attempt}" if attempt else "")
        number = int(hashlib.blake2b(key.encode(), digest_size=8).hexdigest(), 16)
        chars = []
        for _ in range(8):
            number, index = divmod(number, len(alphabet))
            chars.append(alphabet[index])
        return prefix + "".join(chars)

    ids = list(customer_ids)
    first = {cid: code(cid, 0) for cid in ids}
    if len(set(first.values())) == len(first):
        return [first[cid] for cid in ids]
    taken: set[str] = set()
    final: dict[str, str] = {}
    for cid in sorted(first):
        attempt, candidate = 0, first[cid]
        while candidate in taken:
            attempt += 1
            candidate = code(cid, attempt)
        taken.add(candidate)
        final[cid] = candidate
    return [final[cid] for cid in ids]


# -- balance and A/A -----------------------------------------------------------------------------
BALANCE_COVARIATES: tuple[str, ...] = ("pre_spend", "pre_orders", "recency_days")


@dataclass(frozen=True)
class BalanceCheck:
    """Are the arms alike before the experiment? (they should be, by construction)

    Attributes:
        table: one row per arm: arm, n, share, and mean + SMD vs control per covariate.
        max_abs_smd: largest |standardized mean difference| over arms and covariates.
        spend_p_value: one-way ANOVA of pre-period spend across arms (Welch t for two arms).
        repeat_p_value: chi-square test of the share with 2+ pre-period orders across arms.
        passed: False when either pre-period test has p below AA_ALPHA / 2 (Bonferroni).
        warning: what failed and what to do, or "".
    """

    table: pd.DataFrame
    max_abs_smd: float
    spend_p_value: float | None
    repeat_p_value: float | None
    passed: bool
    warning: str


def covariate_stats(
    frame: pd.DataFrame, arm_column: str = "arm"
) -> dict[str, dict[str, SampleStats]]:
    """Per arm and covariate sufficient statistics from a per-customer frame.

    The frame has the arm column, `BALANCE_COVARIATES` and `pre_repeat` (0/1). The store's
    `design_sql.balance_stats` returns the same structure for a running experiment.
    """
    result: dict[str, dict[str, SampleStats]] = {}
    for arm, group in frame.groupby(arm_column, sort=False):
        result[str(arm)] = {
            column: SampleStats(
                n=len(group),
                sum=float(group[column].sum()),
                sum_squares=float((group[column].astype(float) ** 2).sum()),
            )
            for column in (*BALANCE_COVARIATES, "pre_repeat")
        }
    return result


def _mean_var(s: SampleStats) -> tuple[float, float]:
    if s.n == 0:
        return 0.0, 0.0
    mean = s.sum / s.n
    var = (s.sum_squares - s.n * mean**2) / (s.n - 1) if s.n > 1 else 0.0
    return mean, max(var, 0.0)


def smd(treatment: SampleStats, control: SampleStats) -> float:
    """Standardized mean difference (mean_t - mean_c) / sqrt((var_t + var_c) / 2); 0 if constant."""
    mt, vt = _mean_var(treatment)
    mc, vc = _mean_var(control)
    pooled = math.sqrt((vt + vc) / 2.0)
    return (mt - mc) / pooled if pooled > 0 else 0.0


def anova_p_value(groups: Sequence[SampleStats]) -> float | None:
    """One-way ANOVA p-value from per-group sufficient statistics (equals scipy.stats.f_oneway)."""
    groups = [g for g in groups if g.n > 0]
    k = len(groups)
    n = sum(g.n for g in groups)
    if k < 2 or n - k < 1:
        return None
    grand = sum(g.sum for g in groups) / n
    between = sum(g.n * (g.sum / g.n - grand) ** 2 for g in groups)
    within = sum(g.sum_squares - g.sum**2 / g.n for g in groups)
    if within <= 0:
        return None
    f = (between / (k - 1)) / (within / (n - k))
    return float(sps.f.sf(f, k - 1, n - k))


def welch_p_value(a: SampleStats, b: SampleStats) -> float | None:
    """Welch two-sample t-test p-value from sufficient statistics (equals scipy ttest_ind)."""
    if a.n < 2 or b.n < 2:
        return None
    ma, va = _mean_var(a)
    mb, vb = _mean_var(b)
    se2 = va / a.n + vb / b.n
    if se2 <= 0:
        return None
    t = (ma - mb) / math.sqrt(se2)
    df = se2**2 / ((va / a.n) ** 2 / (a.n - 1) + (vb / b.n) ** 2 / (b.n - 1))
    return float(2 * sps.t.sf(abs(t), df))


def balance_check(stats: Mapping[str, Mapping[str, SampleStats]], control: str) -> BalanceCheck:
    """Balance table and A/A test from per-arm sufficient statistics.

    A well randomized experiment fails the A/A check in about 5% of launches by chance; a
    failure is a warning to look (a broken filter, an arm fed from a different list), not proof.
    """
    arms = list(stats)
    total = sum(stats[a]["pre_spend"].n for a in arms)
    rows = []
    max_smd = 0.0
    for arm in arms:
        row: dict[str, object] = {
            "arm": arm,
            "n": stats[arm]["pre_spend"].n,
            "share": stats[arm]["pre_spend"].n / total if total else 0.0,
        }
        for column in BALANCE_COVARIATES:
            mean, _ = _mean_var(stats[arm][column])
            row[column] = mean
            value = smd(stats[arm][column], stats[control][column]) if control in stats else 0.0
            row[f"smd_{column}"] = value
            max_smd = max(max_smd, abs(value))
        row["pre_repeat"] = _mean_var(stats[arm]["pre_repeat"])[0]
        rows.append(row)
    table = pd.DataFrame(rows)
    spend_groups = [stats[a]["pre_spend"] for a in arms]
    spend_p = (
        welch_p_value(spend_groups[0], spend_groups[1])
        if len(spend_groups) == 2
        else anova_p_value(spend_groups)
    )
    repeat_p: float | None = None
    counts = np.array(
        [
            [stats[a]["pre_repeat"].sum, stats[a]["pre_repeat"].n - stats[a]["pre_repeat"].sum]
            for a in arms
        ]
    )
    if len(arms) >= 2 and counts.sum(axis=0).min() > 0 and counts.sum(axis=1).min() > 0:
        repeat_p = float(sps.chi2_contingency(counts, correction=False)[1])
    # Two tests, Bonferroni: the check as a whole fails about 1 launch in 20 by chance. The SMD
    # is shown (and highlighted above SMD_WARNING) but does not decide: with a few hundred
    # customers per arm, |SMD| > 0.1 happens by chance far more often than 1 in 20.
    level = AA_ALPHA / 2
    problems = []
    if spend_p is not None and spend_p < level:
        problems.append(f"pre-period spend differs between arms (p = {spend_p:.3f})")
    if repeat_p is not None and repeat_p < level:
        problems.append(f"pre-period repeat share differs between arms (p = {repeat_p:.3f})")
    warning = ""
    if problems:
        if max_smd > SMD_WARNING:
            problems.append(f"a standardized mean difference is {max_smd:.2f}")
        warning = (
            "A/A check failed: "
            + "; ".join(problems)
            + ". By chance this happens in about 1 launch in 20; check the audience and, "
            "if nothing is wrong, draw a new salt or stratify by spend tier."
        )
    return BalanceCheck(
        table=table,
        max_abs_smd=max_smd,
        spend_p_value=spend_p,
        repeat_p_value=repeat_p,
        passed=not problems,
        warning=warning,
    )


# -- export --------------------------------------------------------------------------------------
EXPORT_COLUMNS: tuple[str, ...] = ("customer_id", "arm", "arm_kind", "code")
# The ArmSpec fields that set each kind's cost: the assignment list carries them (a column only
# when an arm of that kind is in it), so the list re-imports with its kinds and costs.
COST_FIELDS: dict[str, tuple[str, ...]] = {
    "control": (),
    "discount": ("discount_pct", "redemption_share"),
    "gift": ("gift_cost",),
    "outreach": ("minutes", "hourly_cost"),
    "custom": ("custom_cost",),
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_FILE_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def escape_cell(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula (=, +, -, @, tab, CR) with '."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def escape_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with `escape_cell` applied to every text cell and every column name: for every
    sheet and CSV a spreadsheet may open (arm, metric and file column names are user text)."""
    out = frame.rename(columns=lambda c: escape_cell(c) if isinstance(c, str) else c)
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(escape_cell)
    return out


def export_frame(assignments: pd.DataFrame, *, include_code: bool | None = None) -> pd.DataFrame:
    """The columns that are exported, every text cell escaped.

    Args:
        assignments: customer_id, arm, arm_kind and (optionally) code.
        include_code: keep the code column; None = keep it when any customer has a code.
    """
    frame = assignments.copy()
    if include_code is None:
        include_code = "code" in frame and bool(frame["code"].notna().any())
    columns = [c for c in EXPORT_COLUMNS if c != "code" or include_code]
    if "code" not in frame:
        frame["code"] = None
    kinds = set(frame["arm_kind"].dropna()) if "arm_kind" in frame else set()
    for kind, cost_fields in COST_FIELDS.items():
        for name in cost_fields:
            if kind in kinds and name in frame:
                frame[name] = frame[name].where(frame["arm_kind"] == kind).map(_cost_text)
                columns.append(name)
    frame = frame[columns]
    for column in columns:
        frame[column] = frame[column].map(escape_cell)
    return frame


def _cost_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return f"{float(value):g}"  # type: ignore[arg-type]


def assignments_csv(
    assignments: pd.DataFrame, *, sep: str = ",", include_code: bool | None = None
) -> bytes:
    """CSV bytes, UTF-8 with BOM so Excel opens Cyrillic text correctly; `sep` ',' or ';'."""
    if sep not in (",", ";"):
        raise DesignError("The CSV separator must be ',' or ';'.")
    buffer = io.StringIO()
    export_frame(assignments, include_code=include_code).to_csv(
        buffer, sep=sep, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n"
    )
    return buffer.getvalue().encode("utf-8-sig")


def assignments_xlsx(assignments: pd.DataFrame, *, include_code: bool | None = None) -> bytes:
    """XLSX bytes (one sheet 'assignments'); every cell is written as text, escaped."""
    from openpyxl import Workbook

    frame = export_frame(assignments, include_code=include_code)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("assignments")
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append(["" if v is None or v is pd.NA else str(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_file_name(experiment_name: str, extension: Literal["csv", "xlsx"] = "csv") -> str:
    """`<experiment>-assignments.<ext>`, with characters no file system accepts replaced by _."""
    stem = _UNSAFE_FILE_CHARS.sub("_", experiment_name).strip(" .") or "experiment"
    return f"{stem}-assignments.{extension}"


# -- lists randomized elsewhere ------------------------------------------------------------------
CONTROL_NAMES = ("control", "контроль", "control group", "контрольная группа")
KIND_WORDS: dict[str, str] = {  # arm_kind cells in Russian and English -> ArmKind
    **{kind: kind for kind in ARM_KINDS},
    "контроль": "control",
    "скидка": "discount",
    "подарок": "gift",
    "gift card": "gift",
    "звонок": "outreach",
    "обзвон": "outreach",
    "call": "outreach",
    "другое": "custom",
}


@dataclass(frozen=True)
class AssignmentList:
    """A customer -> arm list from a file, read and checked before it is registered.

    Attributes:
        customers: one row per customer: customer_id, arm, code (code may be missing).
        arms: the arms, control first: kind and cost from the file's columns or the choices
            given, allocation = the arm's observed share of the list.
        problems: what to fix before it can be registered; empty when it can.
    """

    customers: pd.DataFrame
    arms: tuple[ArmSpec, ...]
    problems: tuple[str, ...] = ()


def _cell_number(value: object) -> float | None:
    """'1 673,04', '10%', '15' -> a float; blank -> None; raises ValueError for text."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip().lstrip("'").rstrip("%").strip()
    if not text:
        return None
    text = re.sub(r"[\s\u00a0\u202f]", "", text).replace(",", ".")
    return float(text)


def parse_assignment_list(
    raw: pd.DataFrame,
    mapping: Mapping[str, str],
    *,
    control_arm: str | None = None,
    arms: Mapping[str, ArmSpec] | None = None,
    rows_shown: int = config.PROBLEM_ROWS_SHOWN,
) -> AssignmentList:
    """Check a customer -> arm list and work out its arms, with kinds and costs.

    Args:
        raw: the file as text cells (`ingest.read_table`).
        mapping: {file column: field} (customer_id, arm, arm_kind, code and the cost fields
            of `COST_FIELDS`); the Design page's form or the CLI's --map over the guesses.
        control_arm: the arm that is the control; else the arm whose kind is control, else the
            arm named control / контроль.
        arms: per arm name, the kind and cost the marketer chose; they override the file.
        rows_shown: row numbers listed in a problem.
    """
    column = {target: source for source, target in mapping.items()}
    problems: list[str] = []
    empty = pd.DataFrame({"customer_id": [], "arm": [], "code": []}, dtype="string")
    if "customer_id" not in column or "arm" not in column:
        return AssignmentList(
            empty,
            (),
            (
                "The assignment file needs a customer id column (customer_id) and an arm column "
                f"(arm); it has: {', '.join(map(str, raw.columns)) or 'no columns'}. Map them "
                "in the form (or with --map COLUMN=customer_id --map COLUMN=arm).",
            ),
        )

    def text(field_name: str) -> pd.Series:
        if field_name not in column:
            return pd.Series(pd.NA, index=raw.index, dtype="string")
        values = raw[column[field_name]].astype("string").str.strip()
        # undo `escape_cell`: the export wrote '+7916... for a customer id +7916...
        values = values.str.replace(r"^'(?=[=+\-@\t\r])", "", regex=True)
        return values.mask(values == "")

    frame = pd.DataFrame(
        {
            "customer_id": text("customer_id"),
            "arm": text("arm"),
            "kind": text("arm_kind").str.lower(),
            "code": text("code"),
        }
    )
    missing = frame["customer_id"].isna() | frame["arm"].isna()
    if missing.any():
        shown = (np.flatnonzero(missing.to_numpy()) + 2)[:rows_shown]
        problems.append(
            f"{int(missing.sum())} rows have no customer id or arm "
            f"(rows {', '.join(map(str, shown))})."
        )
    costs = {name: text(name) for names in COST_FIELDS.values() for name in names}
    frame = frame[~missing]
    doubled = frame.drop_duplicates(["customer_id", "arm"])["customer_id"].duplicated(keep=False)
    unique = frame.drop_duplicates(["customer_id", "arm"])
    if doubled.any():
        examples = ", ".join(unique.loc[doubled, "customer_id"].unique()[:5])
        problems.append(
            f"{unique.loc[doubled, 'customer_id'].nunique()} customers are in two arms "
            f"(e.g. {examples}); each customer must be in exactly one arm."
        )
    chosen = dict(arms or {})
    arm_names = sorted(unique["arm"].unique())
    specs: dict[str, ArmSpec] = {}
    for arm in arm_names:
        rows = frame.index[frame["arm"] == arm]
        given = [KIND_WORDS.get(k, k) for k in frame.loc[rows, "kind"].dropna().unique()]
        if len(set(given)) > 1:
            problems.append(f"Arm '{arm}' has more than one kind: {', '.join(given)}.")
        kind = given[0] if given else "custom"
        if kind not in ARM_KINDS:
            problems.append(f"Arm '{arm}' has kind '{kind}'; kinds are {', '.join(ARM_KINDS)}.")
            kind = "custom"
        values: dict[str, float] = {}
        for name in COST_FIELDS.get(kind, ()):
            cells = costs[name].loc[rows].dropna().unique()
            try:
                numbers = sorted({n for n in (_cell_number(c) for c in cells) if n is not None})
            except ValueError:
                problems.append(f"Arm '{arm}': {name} is not a number (e.g. {cells[0]!r}).")
                continue
            if len(numbers) > 1:
                problems.append(f"Arm '{arm}' has more than one {name}: {numbers[:3]}.")
            elif numbers:
                values[name] = numbers[0]
        specs[arm] = ArmSpec(name=arm, kind=kind, **values)  # type: ignore[arg-type]
    if control_arm is not None:
        if control_arm not in specs:
            problems.append(f"The control arm '{control_arm}' is not in the file.")
        for arm, spec in specs.items():
            if arm == control_arm:
                specs[arm] = _with_kind(spec, "control")
            elif spec.kind == "control":
                specs[arm] = _with_kind(spec, "custom")
    elif not any(s.kind == "control" for s in specs.values()) and not any(
        c.kind == "control" for c in chosen.values()
    ):
        for arm, spec in specs.items():
            if arm.casefold() in CONTROL_NAMES:
                specs[arm] = _with_kind(spec, "control")
    counts = unique["arm"].value_counts()
    total = max(len(unique), 1)
    result = []
    for arm, spec in specs.items():
        picked = chosen.get(arm)
        if picked is not None:  # the marketer's kind and cost win over the file's
            spec = _replace_arm(picked, name=arm, allocation=1.0)
        result.append(_replace_arm(spec, allocation=float(counts.get(arm, 0)) / total))
    result.sort(key=lambda a: (a.kind != "control", a.name))
    customers = unique[["customer_id", "arm", "code"]].reset_index(drop=True)
    return AssignmentList(customers, tuple(result), tuple(problems))


def _with_kind(arm: ArmSpec, kind: ArmKind) -> ArmSpec:
    return _replace_arm(arm, kind=kind)


def _replace_arm(arm: ArmSpec, **changes: object) -> ArmSpec:
    from dataclasses import replace

    return replace(arm, **changes)  # type: ignore[arg-type]
