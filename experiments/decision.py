"""Decision cards: one verdict per arm in plain language, with the rules that produced it.

Rules (stated on the Results page and in reports):

* A warning that questions the randomization or the data (sample-ratio mismatch, pre-period
  imbalance, too-short observation window, impossible dates) **blocks** every verdict: "check
  the data" until it is explained.
* Money decides. The lever's effect on **net value per customer** (margin minus the lever's
  cost) over the horizon is the decision metric; the primary metric (repeat purchase) explains
  it. A lever that lifts repeat purchase but loses money is stopped.
* **Completed** experiments (or running ones past their planned horizon) use the fixed-horizon
  interval, corrected for several arms x metrics: *ship* when net value is significantly above
  control, *stop* when it is significantly below or when nothing is detectable at the end.
* **Running** experiments use the always-valid confidence sequence (Waudby-Smith et al. 2024),
  so looking every day does not inflate false wins: *ship* when the sequence for net value is
  above 0, *stop* when it is below 0, otherwise *keep running*.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from experiments import config, stats
from experiments.analysis_file import FileAnalysis
from experiments.metrics import ArmSummary, ExperimentAnalysis

Verdict = Literal["ship", "stop", "keep running", "check the data", "insufficient data"]
DECISION_METRIC = "net_value"
BLOCKING_WARNINGS = ("srm", "imbalance", "short_window", "data")
_CORRECTION_NAMES = {"holm": "Holm", "bh": "Benjamini-Hochberg"}

RULES = (
    "Money decides: net value per customer = gross margin minus the lever's cost "
    "(discounts given, gifts, outreach time) over the horizon, vs control.",
    "Ship: net value significantly above control (corrected for several arms and metrics). "
    "Stop: significantly below control, or no detectable difference at the planned end.",
    "While running: the always-valid confidence sequence is used instead, split across the "
    "levers, so daily peeking does not create false wins; neither side yet = keep running.",
    "A look at a horizon shorter than planned never stops a lever for losing money while the "
    "experiment runs: its cost is paid up front and its returns come later (see the payback "
    "chart).",
    "Sample-ratio mismatch, pre-period imbalance, a too-short window or impossible dates "
    "block every verdict until explained.",
)


@dataclass(frozen=True)
class Decision:
    """The verdict for one arm.

    Attributes:
        arm: arm name.
        kind: arm kind (discount, gift, outreach, custom).
        verdict: ship / stop / keep running / check the data / insufficient data.
        headline: one sentence for a manager, with effect sizes and intervals.
        reasons: why this verdict, one short sentence each.
        primary: the primary-metric effect (repeat purchase), if estimable.
        net_value: the decision-metric effect used (CUPED when available, else Welch).
        net_value_interval: (low, high) interval the verdict used: sequential while running.
        sequential: True when the always-valid interval decided.
        probability_best: posterior probability that this arm has the highest net value.
        cost_per_customer: the lever's fixed cost per assigned customer.
        lever_cost: what the lever cost per customer over the horizon, on average: the fixed
            cost plus the discounts given on orders (for a discount, all of its cost).
    """

    arm: str
    kind: str
    verdict: Verdict
    headline: str
    reasons: list[str] = field(default_factory=list)
    primary: stats.Effect | None = None
    net_value: stats.Effect | None = None
    net_value_interval: tuple[float, float] | None = None
    sequential: bool = False
    probability_best: float | None = None
    cost_per_customer: float = 0.0
    lever_cost: float | None = None

    @property
    def statement(self) -> str:
        """The headline without its trailing verdict, for a card that shows the verdict apart."""
        return self.headline.rsplit(";", 1)[0]

    def as_json(self) -> dict[str, object]:
        return {
            "arm": self.arm,
            "kind": self.kind,
            "verdict": self.verdict,
            "headline": self.headline,
            "reasons": self.reasons,
            "sequential": self.sequential,
            "net_value_interval": list(self.net_value_interval)
            if self.net_value_interval
            else None,
            "probability_best": self.probability_best,
            "cost_per_customer": self.cost_per_customer,
            "lever_cost": self.lever_cost,
        }


def _lever_cost(summary: ArmSummary, analysis: ExperimentAnalysis) -> float | None:
    """The lever's own cost per customer: its fixed cost plus the discounts given beyond the
    control's. Every arm's receipts carry the shop's ordinary discounts; those are not the
    lever's (a registered list's gift arm showed them as its cost)."""
    cost = summary.means.get("cost")
    if cost is None:
        return None
    control = next((a for a in analysis.arms if a.arm == analysis.control), None)
    ordinary = 0.0
    if control is not None and control.means.get("cost") is not None:
        ordinary = float(control.means["cost"] or 0.0) - control.cost_per_customer
    return summary.cost_per_customer + max(cost - summary.cost_per_customer - ordinary, 0.0)


def _money(value: float, signed: bool = True) -> str:
    text = f"{value:+,.0f}" if signed else f"{value:,.0f}"
    return f"{text.replace(',', ' ')} {config.CURRENCY}"


def _pp(value: float) -> str:
    return f"{value * 100:+.1f} pp"


def _p_text(effect: stats.Effect, correction: str) -> str:
    """The p-value a verdict reads: adjusted for several tests, saying by which method."""
    p = effect.p_adjusted if effect.p_adjusted is not None else effect.p_value
    if p is None:
        return "no p-value"
    value = "< 0.001" if p < 0.001 else f"= {p:.2g}"
    if correction == "none":
        return f"p {value}, no correction for several tests"
    return (
        f"adjusted p {value} after the {_CORRECTION_NAMES.get(correction, correction)} correction"
    )


def _best(
    analysis: ExperimentAnalysis | FileAnalysis, arm: str, metric: str
) -> stats.Effect | None:
    """The estimable headline effect (`stats.headline_effects`: CUPED when estimable) or None."""
    own = [e for e in analysis.effects if (e.arm, e.metric) == (arm, metric)]
    chosen = stats.headline_effects(own)
    return chosen[0] if chosen and chosen[0].ok else None


def sequential_interval(
    effect: stats.Effect, planned_n: int | None, comparisons: int = 1
) -> tuple[float, float]:
    """Always-valid interval from an effect's standard error (as stats.confidence_sequence).

    Args:
        effect: the fixed-horizon effect (its diff and standard error).
        planned_n: customers the comparison is planned to reach (both arms): the boundary is
            tuned once for it and stays put across looks. None: the current total, which
            re-tunes at every look and is only right when everyone is assigned at once.
        comparisons: levers (or pairs) looked at together: each gets alpha / comparisons
            (Bonferroni), so that no lever is stopped or shipped by chance more than alpha.
    """
    assert effect.diff is not None and effect.se is not None
    n_total = effect.n_control + effect.n_arm
    planned = max(int(planned_n or n_total), 1)
    alpha = effect.alpha / max(comparisons, 1)
    half = (
        math.sqrt(n_total) * effect.se
        * float(stats.cs_margin(n_total, stats.cs_rho2(planned, alpha), alpha))
    )  # fmt: skip
    return effect.diff - half, effect.diff + half


def _assigned(analysis: ExperimentAnalysis, *arms: str) -> int:
    """Customers assigned to these arms: what a comparison of them will reach once every
    customer is observed for the horizon (the confidence sequence's planned size)."""
    return sum(a.n for a in analysis.arms if a.arm in arms)


def decide(analysis: ExperimentAnalysis, *, planned_n: int | None = None) -> list[Decision]:
    """One decision per non-control arm, ranked by net value per customer (best first)."""
    experiment = analysis.experiment
    running = experiment.get("status") == "running"
    planned = int(experiment.get("horizon_days") or analysis.horizon_days)  # type: ignore[call-overload]
    early = analysis.horizon_days < planned  # an interim look: costs paid, returns still to come
    blocking = [w for w in analysis.warnings if w.kind in BLOCKING_WARNINGS]
    primary_metric = str(experiment.get("primary_metric") or "repeat_purchase")
    level = f"{analysis.settings.confidence:.0%}"
    decisions: list[Decision] = []
    for summary in analysis.arms:
        if summary.arm == analysis.control:
            continue
        primary = _best(analysis, summary.arm, primary_metric)
        net = _best(analysis, summary.arm, DECISION_METRIC)
        parts: list[str] = []
        if primary is not None and primary.diff is not None:
            unit = _pp if primary.metric == "repeat_purchase" else _money
            parts.append(
                f"{unit(primary.diff)} {primary_metric.replace('_', ' ')} "
                f"({level} CI {unit(primary.ci_low or 0)} to {unit(primary.ci_high or 0)})"
            )
        if net is not None and net.diff is not None:
            parts.append(f"{_money(net.diff)} net value per customer after its cost")
        reasons: list[str] = []
        interval: tuple[float, float] | None = None
        sequential = False
        if net is None or net.diff is None:
            verdict: Verdict = "insufficient data"
            reasons.append(net.note if net is not None and net.note else "No estimable effect yet.")
        elif blocking:
            verdict = "check the data"
            reasons.extend(w.message for w in blocking)
        else:
            if running and net.se is not None:
                planned_pair = planned_n or _assigned(analysis, summary.arm, str(analysis.control))
                interval = sequential_interval(net, planned_pair, len(analysis.arms) - 1)
                sequential = True
            else:
                interval = (float(net.ci_low or 0.0), float(net.ci_high or 0.0))
            low, high = interval
            what = "always-valid interval" if sequential else f"{level} interval"
            span = f"{what} {_money(low)} to {_money(high)}"
            if not sequential:  # the verdict reads the corrected p-value; the interval is not
                span += f", {_p_text(net, analysis.settings.correction)}"
            if sequential:
                significant_up, significant_down = low > 0, high < 0
            else:
                significant_up = bool(net.significant) and net.diff > 0
                significant_down = bool(net.significant) and net.diff < 0
            if significant_up:
                verdict = "ship"
                reasons.append(f"Net value is above control: {span}.")
            elif significant_down and running and early:
                verdict = "keep running"
                reasons.append(
                    f"Below control so far ({span}), but this "
                    f"is {analysis.horizon_days} of the planned {planned} days: the lever's "
                    "cost is paid up front and its returns come later."
                )
            elif significant_down:
                verdict = "stop"
                reasons.append(f"Loses money after its cost: {span}.")
                if primary is not None and primary.diff is not None and (primary.ci_low or 0) > 0:
                    reasons.append(
                        "It does lift repeat purchase, but the extra orders do not pay for it."
                    )
            elif running:
                verdict = "keep running"
                reasons.append(f"Not yet clear ({span}).")
            else:
                verdict = "stop"
                reasons.append(
                    f"No detectable difference in net value at the end ({span}): not worth "
                    "rolling out as tested."
                )
                if low > 0 or high < 0:
                    reasons.append(
                        "The interval alone excludes 0, but not after the correction for "
                        "several arms and metrics: too weak to act on."
                    )
        if early and not running and verdict == "stop":
            reasons.append(
                f"Judged at {analysis.horizon_days} of the planned {planned} days: costs are paid "
                "up front, so the planned horizon is the verdict that counts."
            )
        headline = (
            f"{summary.arm}: " + (", ".join(parts) if parts else "no estimate") + f"; {verdict}"
        )
        decisions.append(
            Decision(
                arm=summary.arm,
                kind=summary.kind,
                verdict=verdict,
                headline=headline,
                reasons=reasons,
                primary=primary,
                net_value=net,
                net_value_interval=interval,
                sequential=sequential,
                probability_best=analysis.probability_best.get(summary.arm),
                cost_per_customer=summary.cost_per_customer,
                lever_cost=_lever_cost(summary, analysis),
            )
        )
    decisions.sort(
        key=lambda d: -(d.net_value.diff if d.net_value and d.net_value.diff is not None else -1e18)
    )
    return decisions


@dataclass(frozen=True)
class Matchup:
    """Two levers against each other on net value: does the gift beat the discount?

    Oriented so that `lever` is the one ahead on the point estimate; `diff` and the interval
    are lever minus `other`, per customer, after each lever's cost.

    Attributes:
        lever: the lever ahead.
        other: the lever behind.
        diff: net value difference per customer (>= 0).
        interval: (low, high) of the difference: the fixed-horizon interval, or the
            always-valid one while the experiment runs.
        clear: the lever beats the other: the p-value corrected across pairs x metrics is
            below alpha (fixed horizon), or the always-valid interval excludes 0 (running).
        repeat_diff: repeat-purchase difference (lever minus other, a share), if estimable.
        method: estimator of the net value difference ('cuped' or 'welch').
        sentence: the comparison in one sentence for a manager.
    """

    lever: str
    other: str
    diff: float
    interval: tuple[float, float]
    clear: bool
    repeat_diff: float | None
    method: str
    sentence: str

    def as_json(self) -> dict[str, object]:
        return {
            "lever": self.lever,
            "other": self.other,
            "diff": self.diff,
            "interval": list(self.interval),
            "clear": self.clear,
            "repeat_diff": self.repeat_diff,
            "method": self.method,
            "sentence": self.sentence,
        }


def head_to_head(analysis: ExperimentAnalysis, *, planned_n: int | None = None) -> list[Matchup]:
    """Every pair of levers on net value, clear winners first, then by the size of the gap.

    The arm-vs-arm effects are the analysis' `comparisons` (p corrected across pairs x metrics),
    read as the decisions read effects vs control: CUPED when estimable, and the always-valid
    interval while the experiment runs.
    """
    running = analysis.experiment.get("status") == "running"
    level = f"{analysis.settings.confidence:.0%}"
    chosen = stats.headline_effects(analysis.comparisons)
    levers = len(analysis.arms) - 1
    pairs = max(levers * (levers - 1) // 2, 1)
    repeat = {(e.baseline, e.arm): e for e in chosen if e.metric == "repeat_purchase" and e.ok}
    matchups: list[Matchup] = []
    for e in chosen:
        if e.metric != DECISION_METRIC or not e.ok or e.diff is None:
            continue
        if running and e.se is not None:
            planned_pair = planned_n or _assigned(analysis, e.arm, e.baseline)
            low, high = sequential_interval(e, planned_pair, pairs)
            clear = low > 0 or high < 0
            what = "always-valid interval"
        else:
            low, high = float(e.ci_low or 0.0), float(e.ci_high or 0.0)
            clear = bool(e.significant)
            what = f"{level} interval"
        sign = 1.0 if e.diff >= 0 else -1.0
        lever, other = (e.arm, e.baseline) if sign > 0 else (e.baseline, e.arm)
        low, high = sorted((sign * low, sign * high))
        gap = sign * e.diff
        r = repeat.get((e.baseline, e.arm))
        repeat_diff = sign * r.diff if r is not None and r.diff is not None else None
        if clear:
            sentence = f"{lever} beats {other} by {_money(gap)} net value per customer"
        else:
            sentence = (
                f"{lever} vs {other}: no clear difference in net value ({_money(gap)} per customer)"
            )
        evidence = f"{what} {_money(low)} to {_money(high)}"
        if not (running and e.se is not None):  # the verdict reads the corrected p-value
            evidence += f", {_p_text(e, analysis.settings.correction)}"
        sentence += f" ({evidence})"
        if repeat_diff is not None:
            sentence += f"; repeat purchase {_pp(repeat_diff)}"
        matchups.append(
            Matchup(lever, other, gap, (low, high), clear, repeat_diff, e.method, sentence + ".")
        )
    matchups.sort(key=lambda m: (not m.clear, -m.diff))
    return matchups


# -- experiments from uploaded campaign result files ---------------------------------------------
FILE_RULES = (
    "One metric decides: the first one chosen. Its CUPED estimate is used when a pre-period "
    "covariate is set (narrower interval), else the plain difference of means or rates.",
    "Ship: the arm is significantly better than control on that metric after the correction "
    "for several arms and metrics. Stop: anything else - significantly worse, or no "
    "detectable difference (a results file is a finished campaign, there is no keep running).",
    "A sample-ratio mismatch against the planned split blocks every verdict until explained.",
)


@dataclass(frozen=True)
class FileDecision:
    """The verdict for one arm of an experiment analysed from a campaign result file.

    Attributes:
        arm: arm label.
        metric: the deciding metric.
        verdict: ship / stop / check the data / insufficient data.
        headline: one sentence for a manager: arm, effect with interval, verdict.
        reasons: why this verdict, one short sentence each.
        effect: the effect row the verdict used (None when none is estimable).
    """

    arm: str
    metric: str
    verdict: Verdict
    headline: str
    reasons: list[str] = field(default_factory=list)
    effect: stats.Effect | None = None

    @property
    def statement(self) -> str:
        """The headline without its trailing verdict."""
        return self.headline.rsplit(";", 1)[0]

    def as_json(self) -> dict[str, object]:
        return {
            "arm": self.arm,
            "metric": self.metric,
            "verdict": self.verdict,
            "headline": self.headline,
            "reasons": self.reasons,
        }


def _file_amount(value: float, kind: str) -> str:
    if kind == "binary":
        return f"{value * 100:+.2f} pp"
    return f"{value:+,.2f}".replace(",", " ") + f" {config.CURRENCY}"


def decide_file(analysis: FileAnalysis, metric: str) -> list[FileDecision]:
    """One verdict per non-control arm of a results-file analysis, on one metric.

    The rule (also `FILE_RULES`): take the arm's CUPED effect on `metric` when it is estimable,
    else the unadjusted one (z-test for 0/1 metrics, Welch for money). **Ship** when it is
    significantly above control after the analysis' multiple-testing correction (adjusted
    p < alpha and diff > 0); **stop** otherwise - significantly worse or no detectable
    difference, because a loaded result file is a finished campaign. A sample-ratio mismatch
    makes every verdict **check the data**; no estimable effect (one arm, an empty metric, an
    analysis with status 'insufficient_data') gives **insufficient data**.

    Money does not decide here as it does for designed experiments: a result file carries no
    lever costs, so a shipped arm's cost still has to be weighed by the reader.
    """
    kind = analysis.metrics.get(metric, "money")
    level = f"{1 - analysis.alpha:.0%}"
    label = metric.replace("_", " ") + (" per customer" if kind == "money" else "")
    decisions: list[FileDecision] = []
    for summary in analysis.arms:
        if summary.is_control:
            continue
        effect = _best(analysis, summary.arm, metric)
        reasons: list[str] = []
        if not analysis.ok or effect is None or effect.diff is None:
            verdict: Verdict = "insufficient data"
            reasons.append(analysis.note or f"No estimable effect on {label} for this arm.")
            headline = f"{summary.arm}: no estimate of {label}; {verdict}"
        else:
            low, high = float(effect.ci_low or 0.0), float(effect.ci_high or 0.0)
            headline = (
                f"{summary.arm}: {_file_amount(effect.diff, kind)} {label} ({level} CI "
                f"{_file_amount(low, kind)} to {_file_amount(high, kind)})"
            )
            corrected = f"({_p_text(effect, analysis.correction)})"
            if analysis.srm.mismatch:
                verdict = "check the data"
                reasons.append(
                    "Arm sizes do not match the planned split (sample-ratio mismatch, p = "
                    f"{analysis.srm.p_value:.2g}): the split or the export is probably broken."
                )
            elif effect.significant and effect.diff > 0:
                verdict = "ship"
                reasons.append(f"Significantly above {analysis.control} {corrected}.")
            elif effect.significant:
                verdict = "stop"
                reasons.append(f"Significantly below {analysis.control} {corrected}.")
            else:
                verdict = "stop"
                reasons.append(
                    f"No detectable difference from {analysis.control} {corrected}: "
                    "not worth rolling out as tested."
                )
            if effect.method == "cuped" and analysis.covariate:
                reasons.append(f"Adjusted for the pre-period field {analysis.covariate} (CUPED).")
            headline += f"; {verdict}"
        decisions.append(
            FileDecision(
                arm=summary.arm,
                metric=metric,
                verdict=verdict,
                headline=headline,
                reasons=reasons,
                effect=effect,
            )
        )
    return decisions
