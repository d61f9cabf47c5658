"""Decision cards: one verdict per lever in plain language, with the rule that produced it.

The rule (stated on the Results page, in the HTML report and in `analyze --json`):

* **The design fixes the rule.** Horizon, confidence, correction and the decision metric are
  chosen when the experiment is designed (`DecisionRule`, from the experiment's settings). The
  verdict always follows that rule; other settings on the Results page give an *exploratory
  view* of the numbers, labelled as such, never a different verdict.
* **Money decides.** The decision metric is net value per customer over the planned horizon:
  gross margin minus the lever's cost (discounts given, gifts, outreach time), vs control. The
  family of the verdict is that one metric across the levers (corrected by the design's
  method); other metrics are reported and corrected on their own.
* **A verdict is a statement about the planned horizon.** Until every assigned customer is
  observed for it, the verdict is *keep running* with what the data so far suggests - a
  discount pulls purchases forward and its cost accrues as coupons are used, a gift pays up
  front and earns later, so an early look can point either way; the head to head and the
  chance of being best wait as well. The one early stop is for harm that cannot be undone by
  waiting: the always-valid interval (split across levers) shows fewer customers coming back
  than in control - assuming a lever does not merely delay purchases.
* **At the planned horizon**, three verdicts: *ship* - net value significantly above control
  after the correction across levers, and every guardrail shown within its margin; *stop* -
  significantly below control (the corrected interval rules out breaking even), or a
  guardrail clearly broken; *inconclusive* - anything else, with the planner's estimate of
  how many more customers would settle it. Both errors are controlled across the levers.
* Sample-ratio mismatch, pre-period imbalance or impossible dates make every verdict
  *inconclusive* ("check the data") until explained.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Literal, get_args

from scipy import special

from experiments import catalogue, config, stats
from experiments.analysis_file import NET_VALUE, FileAnalysis
from experiments.experiment import Experiment
from experiments.metrics import AnalysisSettings, ArmSummary, ExperimentAnalysis
from experiments.store import Store

Verdict = Literal["ship", "stop", "inconclusive", "keep_running"]
VERDICTS: tuple[str, ...] = get_args(Verdict)
VERDICT_LABELS = {
    "ship": "ship",
    "stop": "stop",
    "inconclusive": "inconclusive",
    "keep_running": "keep running",
}
BLOCKED_LABEL = "check the data"  # the label of an inconclusive verdict a data warning holds
DECISION_METRIC = catalogue.DECISION_METRIC.name
BLOCKING_WARNINGS = ("srm", "imbalance", "data")
_CORRECTION_NAMES = {"holm": "Holm", "bh": "Benjamini-Hochberg", "none": "no"}

RULES = (
    "The rule is fixed when the experiment is designed: horizon, confidence, correction and the "
    "decision metric. Changing them on this page gives an exploratory view, never another "
    "verdict.",
    "Money decides: net value per customer = gross margin minus the lever's cost (discounts "
    "given, gifts, outreach time) over the planned horizon, vs control; levers are corrected "
    "among themselves on that one metric.",
    "Ship: net value significantly above control (after the correction across levers), and "
    "every guardrail shown to be no worse than its margin. Stop: significantly below control "
    "(the corrected interval rules out breaking even), or a guardrail clearly broken. "
    "Inconclusive: anything else, with how many more customers would settle it.",
    "Until the planned horizon is observed for every customer the verdict is keep running: "
    "early money can point either way (a discount pulls purchases forward, a gift earns "
    "later); the head to head and the chance of being best wait too. The only early stop is for "
    "harm waiting cannot undo: the always-valid interval shows fewer customers coming back than "
    "in control (assuming a lever does not merely delay purchases). Guardrails are judged at "
    "the planned horizon.",
    "Sample-ratio mismatch, pre-period imbalance or impossible dates hold every verdict "
    "(check the data) until explained.",
)


@dataclass(frozen=True)
class DecisionRule:
    """The verdict rule, fixed when the experiment was designed.

    Attributes:
        horizon_days: the planned horizon: the verdict is a statement about it.
        confidence: confidence level of the verdict (1 - alpha).
        correction: multiple-testing correction across the levers on the decision metric.
        decision_metric: the metric that decides (net value per customer).
        guardrails: design guardrail names (`design.GUARDRAILS`) that must not get worse.
        guardrail_margin_pct: how much worse a guardrail may get, % of control's mean.
    """

    horizon_days: int
    confidence: float = config.CONFIDENCE
    correction: stats.Correction = config.DEFAULT_CORRECTION  # type: ignore[assignment]
    decision_metric: str = DECISION_METRIC
    guardrails: tuple[str, ...] = ()
    guardrail_margin_pct: float = config.GUARDRAIL_MARGIN_PCT

    @property
    def alpha(self) -> float:
        return round(1.0 - self.confidence, 12)

    def describe(self) -> str:
        """The rule in one line, for the page and the report."""
        correction = _CORRECTION_NAMES.get(self.correction, self.correction)
        metric = (
            f"net value per customer over {self.horizon_days} days"
            if self.decision_metric == DECISION_METRIC
            else f"{self.decision_metric.replace('_', ' ')} (from the result file)"
        )
        text = f"{self.confidence:.0%} confidence, {correction} correction across levers, {metric}"
        if self.guardrails:
            text += (
                f"; guardrails {', '.join(self.guardrails)} within "
                f"{self.guardrail_margin_pct:g}% of control"
            )
        return text

    def as_json(self) -> dict[str, object]:
        return {
            "horizon_days": self.horizon_days,
            "confidence": self.confidence,
            "correction": self.correction,
            "decision_metric": self.decision_metric,
            "guardrails": list(self.guardrails),
            "guardrail_margin_pct": self.guardrail_margin_pct,
            "text": self.describe(),
        }


def rule_of(experiment: Experiment) -> DecisionRule:
    """The experiment's design rule: its horizon and the settings stored at design.

    Experiments designed before the rule was stored get the defaults (95%, Holm), which is
    what their analysis used then (`experiment.from_rows` reads them so).
    """
    return DecisionRule(
        horizon_days=experiment.horizon_days,
        confidence=experiment.confidence,
        correction=experiment.correction,  # type: ignore[arg-type]
        guardrails=experiment.guardrails,
        guardrail_margin_pct=experiment.guardrail_margin_pct,
    )


def rule_settings(
    rule: DecisionRule, *, observed_days: int | None, status: str, base: AnalysisSettings | None
) -> AnalysisSettings:
    """The analysis settings the verdict is read from: the rule's confidence and correction,
    the default estimator, at the planned horizon - or, while the planned horizon is not yet
    observed for everyone in a running experiment, at everything observed so far (an interim
    look). `base` keeps the view's settings that do not bear on the verdict (margin rate,
    segments, lookback)."""
    from experiments.metrics import default_horizon

    defaults = AnalysisSettings()
    base = base or defaults
    return replace(
        base,
        horizon_days=default_horizon(rule.horizon_days, observed_days, status),
        confidence=rule.confidence,
        correction=rule.correction,
        cap=defaults.cap,
        cap_percentile=defaults.cap_percentile,
        use_covariate=defaults.use_covariate,
        bucket_days=defaults.bucket_days,
    )


def exploratory_differences(view: AnalysisSettings, official: AnalysisSettings) -> list[str]:
    """How a view's settings differ from those the verdict follows ([] = the official view)."""
    out: list[str] = []
    if view.horizon_days != official.horizon_days:
        out.append(f"horizon {view.horizon_days} days (the verdict: {official.horizon_days})")
    if not math.isclose(view.confidence, official.confidence):
        out.append(f"{view.confidence:.0%} confidence (the verdict: {official.confidence:.0%})")
    if view.correction != official.correction:
        names = _CORRECTION_NAMES
        out.append(
            f"{names.get(view.correction, view.correction)} correction (the verdict: "
            f"{names.get(official.correction, official.correction)})"
        )
    if view.cap != official.cap or (view.cap and view.cap_percentile != official.cap_percentile):
        out.append(
            f"money capped at the {view.cap_percentile:g}th percentile: a winsorised mean, "
            "not the roubles difference"
            if view.cap
            else "money not capped"
        )
    if view.use_covariate != official.use_covariate:
        out.append("without the pre-period adjustment" if not view.use_covariate else "adjusted")
    return out


def official_analysis(
    store: Store, view: ExperimentAnalysis
) -> tuple[ExperimentAnalysis, list[str]]:
    """The analysis the verdict is read from, and how the view's settings differ from it.

    The view itself when it already follows the design rule ([] differences); else the same
    experiment analysed with `rule_settings` (the CLI's path; the page caches its own)."""
    from experiments.metrics import analyze_experiment
    from experiments.store import overview

    experiment_id = view.experiment.id
    with store.cursor() as cur:
        observed = overview.observed_days(cur, experiment_id)
    official = rule_settings(
        rule_of(view.experiment),
        observed_days=observed,
        status=view.experiment.status,
        base=view.settings,
    )
    differences = exploratory_differences(view.settings, official)
    if not differences:
        return view, []
    return analyze_experiment(store, experiment_id, official), differences


@dataclass(frozen=True)
class GuardrailCheck:
    """One guardrail of one lever: non-inferiority against the margin set at design.

    Attributes:
        name: the design's guardrail name.
        metric: the analysis metric it reads.
        effect: lever minus control (None when not estimable).
        margin: the tolerated worsening in the metric's units (margin % x |control mean|).
        state: 'within' (shown no worse than the margin), 'broken' (shown worse than the
            margin), 'unclear' (neither), 'not analysed' (no such metric or no estimate).
        bound: the one-sided bound on the worse side that the state was read from.
    """

    name: str
    metric: str
    effect: stats.Effect | None
    margin: float
    state: Literal["within", "broken", "unclear", "not analysed"]
    bound: float | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "metric": self.metric,
            "diff": self.effect.diff if self.effect is not None else None,
            "margin": self.margin,
            "state": self.state,
            "bound": self.bound,
        }


@dataclass(frozen=True)
class Decision:
    """The verdict for one lever.

    Attributes:
        arm: arm name.
        kind: arm kind (discount, gift, outreach, custom).
        verdict: ship / stop / inconclusive / keep_running.
        headline: one sentence for a manager, with effect sizes and intervals.
        reasons: why this verdict, one short sentence each.
        primary: the primary-metric effect (repeat purchase), if estimable.
        net_value: the decision-metric effect used (CUPED when available, else Welch).
        net_value_interval: (low, high) interval the verdict used: always-valid at an interim
            look, the fixed-horizon interval at the planned horizon.
        sequential: True when the always-valid interval was used (an interim look).
        probability_best: posterior probability that this arm has the highest net value.
        cost_per_customer: the lever's fixed cost per assigned customer.
        lever_cost: what the lever cost per customer over the horizon, on average: the fixed
            cost plus the discounts given on orders (for a discount, all of its cost).
        rule: the design rule the verdict follows.
        final: the planned horizon is observed for every customer (else an interim look).
        blocked: a data warning holds the verdict (label 'check the data').
        exploratory: the numbers shown beside the verdict come from other settings than the
            rule's (the verdict itself always follows the rule).
        needed_customers: inconclusive only: about how many more customers per lever the
            planner says would settle the difference seen (None when not estimable).
        guardrails: the lever's guardrail checks.
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
    rule: DecisionRule | None = None
    final: bool = True
    blocked: bool = False
    exploratory: bool = False
    needed_customers: int | None = None
    guardrails: tuple[GuardrailCheck, ...] = ()

    @property
    def label(self) -> str:
        """The verdict as a card shows it ('check the data' when a data warning holds it)."""
        return BLOCKED_LABEL if self.blocked else VERDICT_LABELS[self.verdict]

    @property
    def statement(self) -> str:
        """The headline without its trailing verdict, for a card that shows the verdict apart."""
        return self.headline.rsplit(";", 1)[0]

    def as_json(self) -> dict[str, object]:
        return {
            "arm": self.arm,
            "kind": self.kind,
            "verdict": self.verdict,
            "label": self.label,
            "metric": self.rule.decision_metric if self.rule else DECISION_METRIC,
            "headline": self.headline,
            "reasons": self.reasons,
            "sequential": self.sequential,
            "final": self.final,
            "blocked": self.blocked,
            "exploratory": self.exploratory,
            "rule": self.rule.as_json() if self.rule else None,
            "net_value_interval": list(self.net_value_interval)
            if self.net_value_interval
            else None,
            "needed_customers": self.needed_customers,
            "guardrails": [g.as_json() for g in self.guardrails],
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
        return f"p {value}, no correction for several levers"
    return (
        f"adjusted p {value} after the {_CORRECTION_NAMES.get(correction, correction)} "
        "correction across levers"
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


def is_final(analysis: ExperimentAnalysis, rule: DecisionRule | None = None) -> bool:
    """The planned horizon is observed for every assigned customer: a verdict can be given."""
    rule = rule or rule_of(analysis.experiment)
    assigned = sum(a.n for a in analysis.arms)
    return (
        analysis.horizon_days >= rule.horizon_days
        and assigned > 0
        and all(a.n_observed == a.n for a in analysis.arms)
    )


def _needed_customers(effect: stats.Effect, alpha: float, levers: int) -> int | None:
    """More customers per lever that would settle a difference this size (the planner's rule:
    `design.required_n_value` at the verdict's corrected alpha and the default power), from the
    standard error seen so far; None when the difference is 0 or not estimable."""
    from experiments import design

    if effect.diff is None or effect.se is None or effect.se <= 0 or effect.diff == 0:
        return None
    n0, n1 = effect.n_control, effect.n_arm
    std = effect.se / math.sqrt(1 / n0 + 1 / n1)  # per-customer spread, adjustment included
    required = design.required_n_value(
        std,
        abs(effect.diff),
        alpha=design.multiplicity_alpha(alpha, levers + 1),
        ratio=n0 / n1,
    )
    return None if required is None else max(int(required) - n1, 0)


def _guardrail_effect(analysis: ExperimentAnalysis, arm: str, metric: str) -> stats.Effect | None:
    """The effect a guardrail reads. Kept margin (margin after the discounts given, before the
    lever's fixed cost) is net value plus the fixed cost: the same customers and spread, the
    difference shifted by the arms' fixed costs, which are the same for every customer."""
    source = catalogue.BY_NAME[metric].derived_from if metric in catalogue.BY_NAME else None
    if source is None:
        return _best(analysis, arm, metric)
    net = _best(analysis, arm, source)
    if net is None or net.diff is None:
        return None
    fixed = {a.arm: a.cost_per_customer for a in analysis.arms}
    base, own = fixed.get(str(analysis.control), 0.0), fixed.get(arm, 0.0)
    shift = own - base
    return replace(
        net,
        metric=metric,
        diff=net.diff + shift,
        ci_low=None if net.ci_low is None else net.ci_low + shift,
        ci_high=None if net.ci_high is None else net.ci_high + shift,
        control_mean=None if net.control_mean is None else net.control_mean + base,
        arm_mean=None if net.arm_mean is None else net.arm_mean + own,
    )


def _check_guardrails(
    analysis: ExperimentAnalysis, rule: DecisionRule, arm: str
) -> tuple[GuardrailCheck, ...]:
    """Non-inferiority of each design guardrail for one lever, at the planned horizon.

    The worse-side bound is one-sided at the rule's alpha (no correction is needed: every
    guardrail must pass for a ship). Within: the bound is on the good side of -margin; broken:
    even the better-side bound is past -margin. A guardrail the analysis does not know (one
    stored before it stopped being offered) is reported as not analysed and holds nothing.
    """
    from experiments import design

    checks: list[GuardrailCheck] = []
    for name in rule.guardrails:
        metric = design.GUARDRAIL_METRICS.get(name, "")
        effect = _guardrail_effect(analysis, arm, metric) if metric else None
        if effect is None or effect.diff is None or effect.se is None:
            checks.append(GuardrailCheck(name, metric, effect, 0.0, "not analysed"))
            continue
        margin = rule.guardrail_margin_pct / 100 * abs(effect.control_mean or 0.0)
        z = float(special.ndtri(1 - rule.alpha))
        low, high = effect.diff - z * effect.se, effect.diff + z * effect.se
        state: Literal["within", "broken", "unclear"] = (
            "within" if low > -margin else "broken" if high < -margin else "unclear"
        )
        checks.append(GuardrailCheck(name, metric, effect, margin, state, low))
    return tuple(checks)


def _guardrail_text(check: GuardrailCheck) -> str:
    def amount(value: float, signed: bool = True) -> str:
        unit = catalogue.unit_of(check.metric)
        if unit == "share":
            return f"{value * 100:+.1f} pp" if signed else f"{value * 100:.1f} pp"
        if unit == "orders":
            return f"{value:+.2f} orders" if signed else f"{value:.2f} orders"
        return _money(value, signed)

    diff = check.effect.diff if check.effect is not None else None
    change = "" if diff is None else f" ({amount(diff)} per customer vs control)"
    margin = amount(check.margin, signed=False)
    return {
        "within": f"Guardrail {check.name} holds: no worse than {margin}{change}.",
        "broken": f"Guardrail {check.name} is broken: worse than the {margin} allowed{change}.",
        "unclear": f"Guardrail {check.name} not shown to be within {margin}{change}.",
        "not analysed": f"Guardrail {check.name} is no longer analysed (it holds nothing).",
    }[check.state]


def decide(
    analysis: ExperimentAnalysis,
    *,
    planned_n: int | None = None,
    rule: DecisionRule | None = None,
    exploratory: bool = False,
) -> list[Decision]:
    """One decision per lever by the design rule, ranked by net value per customer.

    Args:
        analysis: the analysis to judge; for the official verdict, one made with
            `rule_settings` (the page and the CLI do so).
        planned_n: customers a comparison is planned to reach (default: those assigned).
        rule: the design rule; default `rule_of(analysis.experiment)`.
        exploratory: the view shown beside the verdict uses other settings (a label only).
    """
    rule = rule or rule_of(analysis.experiment)
    final = is_final(analysis, rule)
    blocking = [w for w in analysis.warnings if w.kind in BLOCKING_WARNINGS]
    primary_metric = analysis.experiment.primary_metric
    level = f"{analysis.settings.confidence:.0%}"
    levers = max(len(analysis.arms) - 1, 1)
    planned = rule.horizon_days
    decisions: list[Decision] = []
    for summary in analysis.arms:
        if summary.arm == analysis.control:
            continue
        primary = _best(analysis, summary.arm, primary_metric)
        repeat = _best(analysis, summary.arm, "repeat_purchase")
        net = _best(analysis, summary.arm, rule.decision_metric)
        pair = planned_n or _assigned(analysis, summary.arm, str(analysis.control))
        parts: list[str] = []
        if primary is not None and primary.diff is not None:
            unit = _pp if primary.metric == "repeat_purchase" else _money
            if final or primary.se is None:
                what, (low, high) = f"{level} CI", (primary.ci_low or 0, primary.ci_high or 0)
            else:  # an interim look reads every interval as always-valid
                what, (low, high) = "always-valid", sequential_interval(primary, pair, levers)
            parts.append(
                f"{unit(primary.diff)} {primary_metric.replace('_', ' ')} "
                f"({what} {unit(low)} to {unit(high)})"
            )
        if net is not None and net.diff is not None:
            parts.append(
                f"{_money(net.diff)} net value per customer after its cost"
                + ("" if final else " so far")
            )
        reasons: list[str] = []
        interval: tuple[float, float] | None = None
        verdict: Verdict
        needed: int | None = None
        checks: tuple[GuardrailCheck, ...] = ()
        if blocking:
            verdict = "inconclusive"
            reasons.extend(w.message for w in blocking)
        elif not final:
            verdict = "keep_running"
            so_far = f"day {analysis.horizon_days} of the planned {planned}"
            if not all(a.n_observed == a.n for a in analysis.arms):
                observed = sum(a.n_observed for a in analysis.arms)
                so_far = (
                    f"{analysis.horizon_days} days observed for {observed} of "
                    f"{sum(a.n for a in analysis.arms)} customers, planned {planned}"
                )
            if net is not None and net.diff is not None and net.se is not None:
                interval = sequential_interval(net, pair, levers)
                reasons.append(
                    f"So far ({so_far}): net value {_money(net.diff)} per customer "
                    f"(always-valid interval {_money(interval[0])} to {_money(interval[1])}). "
                    "Not a verdict yet: a discount pulls purchases forward and its cost "
                    "accrues as coupons are used; a gift pays up front and earns later."
                )
            else:
                reasons.append(f"So far ({so_far}): no estimate of net value yet.")
            harm = repeat is not None and repeat.se is not None and repeat.diff is not None
            if harm:
                assert repeat is not None
                _, repeat_high = sequential_interval(repeat, pair, levers)
                harm = repeat_high < 0
            if harm:
                verdict = "stop"
                reasons.insert(
                    0,
                    "Stopped early: fewer customers come back than in control, beyond the "
                    "always-valid interval - customers lost do not return by waiting (the "
                    "rule assumes a lever does not merely delay purchases).",
                )
        elif net is None or net.diff is None:
            verdict = "inconclusive"
            reasons.append(net.note if net is not None and net.note else "No estimable effect.")
        else:
            low, high = float(net.ci_low or 0.0), float(net.ci_high or 0.0)
            interval = (low, high)
            span = (
                f"{level} interval {_money(low)} to {_money(high)}, "
                f"{_p_text(net, analysis.settings.correction)}"
            )
            significant = bool(net.significant)
            checks = _check_guardrails(analysis, rule, summary.arm)
            broken = [c for c in checks if c.state == "broken"]
            unclear = [c for c in checks if c.state == "unclear"]
            if significant and net.diff > 0 and not broken and not unclear:
                verdict = "ship"
                reasons.append(f"Net value is above control after its cost: {span}.")
            elif significant and net.diff > 0:
                verdict = "stop" if broken else "inconclusive"
                reasons.append(f"Net value is above control after its cost: {span}.")
                reasons.extend(_guardrail_text(c) for c in (broken or unclear))
            elif significant and net.diff < 0:  # the corrected test rules out breaking even
                verdict = "stop"
                reasons.append(f"Loses money after its cost: {span}.")
                if repeat is not None and (repeat.ci_low or 0) > 0:
                    reasons.append(
                        "It does lift repeat purchase, but the extra orders do not pay for it."
                    )
            elif broken:
                verdict = "stop"
                reasons.append(f"No clear difference in net value ({span}).")
                reasons.extend(_guardrail_text(c) for c in broken)
            else:
                verdict = "inconclusive"
                needed = _needed_customers(net, rule.alpha, levers)
                what = f"No clear difference in net value at the planned horizon ({span})"
                if low > 0 or high < 0:
                    what += "; the interval alone excludes 0, but not after the correction"
                if needed is not None:
                    count = f"{needed:,}".replace(",", " ")
                    what += (
                        f". If the true difference is the {_money(net.diff)} seen, about "
                        f"{count} more customers per arm, control included, would settle it (a "
                        "test extended that way is read with the always-valid interval)"
                    )
                reasons.append(what + ".")
        if not blocking and final and net is not None and net.diff is not None:
            # when it pays back (with confidence) and whether it fades: stats.PAYBACK_RULE,
            # stats.FADING_RULE (read at the planned horizon, like the verdict)
            for timing in (analysis.payback.get(summary.arm), analysis.fading.get(summary.arm)):
                if timing is not None:
                    reasons.append(timing.statement)
        headline = (
            f"{summary.arm}: "
            + (", ".join(parts) if parts else "no estimate")
            + f"; {BLOCKED_LABEL if blocking else VERDICT_LABELS[verdict]}"
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
                sequential=not final,
                # who is "best" on money seen so far is not a verdict before the horizon
                probability_best=analysis.probability_best.get(summary.arm) if final else None,
                cost_per_customer=summary.cost_per_customer,
                lever_cost=_lever_cost(summary, analysis),
                rule=rule,
                final=final,
                blocked=bool(blocking),
                exploratory=exploratory,
                needed_customers=needed,
                guardrails=checks,
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
        clear: the lever beats the other: the p-value corrected across pairs is below alpha
            at the planned horizon; never at an interim look (who is ahead so far is shown with
            its always-valid interval, not as a winner).
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
    interval until the planned horizon is observed for everyone (an interim look).
    """
    running = not is_final(analysis)
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
        if running:  # an interim look: who is ahead so far is not a verdict
            clear = False
            sentence = (
                f"So far (day {analysis.horizon_days}, not a verdict before the planned horizon): "
                f"{lever} ahead of {other} by {_money(gap)} net value per customer"
            )
        elif clear:
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
    "across arms. Stop: significantly worse, or the interval rules out doing better. "
    "Inconclusive: anything else (a results file is a finished campaign: no keep running).",
    "A sample-ratio mismatch against the planned split blocks every verdict until explained.",
)


@dataclass(frozen=True)
class FileDecision:
    """The verdict for one arm of an experiment analysed from a campaign result file.

    Attributes:
        arm: arm label.
        metric: the deciding metric.
        verdict: ship / stop / inconclusive.
        headline: one sentence for a manager: arm, effect with interval, verdict.
        reasons: why this verdict, one short sentence each.
        effect: the effect row the verdict used (None when none is estimable).
        blocked: a sample-ratio mismatch holds the verdict ('check the data').
        needed_customers: inconclusive only: about how many more customers per arm would
            settle the difference seen (the planner's rule, as for designed experiments).
        rule: the design rule the verdict follows (its decision metric: the file's `metric`).
        exploratory: the numbers shown beside the verdict use other settings than the rule's.
    """

    arm: str
    metric: str
    verdict: Verdict
    headline: str
    reasons: list[str] = field(default_factory=list)
    effect: stats.Effect | None = None
    blocked: bool = False
    needed_customers: int | None = None
    rule: DecisionRule | None = None
    exploratory: bool = False

    @property
    def label(self) -> str:
        """The verdict as a card shows it ('check the data' when a data warning holds it)."""
        return BLOCKED_LABEL if self.blocked else VERDICT_LABELS[self.verdict]

    @property
    def statement(self) -> str:
        """The headline without its trailing verdict."""
        return self.headline.rsplit(";", 1)[0]

    def as_json(self) -> dict[str, object]:
        return {
            "arm": self.arm,
            "metric": self.metric,
            "verdict": self.verdict,
            "label": self.label,
            "blocked": self.blocked,
            "final": True,  # a result file is a finished measurement
            "exploratory": self.exploratory,
            "rule": self.rule.as_json() if self.rule else None,
            "needed_customers": self.needed_customers,
            "headline": self.headline,
            "reasons": self.reasons,
        }


def _file_amount(value: float, kind: str) -> str:
    if kind == "binary":
        return f"{value * 100:+.2f} pp"
    return f"{value:+,.2f}".replace(",", " ") + f" {config.CURRENCY}"


def decide_file(
    analysis: FileAnalysis,
    metric: str,
    *,
    rule: DecisionRule | None = None,
    exploratory: bool = False,
) -> list[FileDecision]:
    """One verdict per non-control arm of a results-file analysis, on one metric.

    The rule (also `FILE_RULES`): take the arm's CUPED effect on `metric` when it is estimable,
    else the unadjusted one (z-test for 0/1 metrics, Welch for money). **Ship** when it is
    significantly above control after the analysis' multiple-testing correction (adjusted
    p < alpha and diff > 0); **stop** when significantly below after the correction;
    **inconclusive** otherwise (a loaded result file is a finished campaign, so there is
    no keep running). A sample-ratio mismatch makes every verdict inconclusive, labelled
    **check the data**; no estimable effect (one arm, an empty metric, an analysis with status
    'insufficient_data') is inconclusive too.

    When the experiment's levers have costs (`FileAnalysis.lever_costs`), a file with a money
    column decides on net value after them; on any other metric (a rate) a lever that costs
    money is never shipped - inconclusive, saying why - because the rate cannot show it pays.
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
        blocked = False
        needed: int | None = None
        costly = summary.arm in analysis.costly_arms
        verdict: Verdict
        if not analysis.ok or effect is None or effect.diff is None:
            verdict = "inconclusive"
            reasons.append(analysis.note or f"No estimable effect on {label} for this arm.")
            headline = f"{summary.arm}: no estimate of {label}; {VERDICT_LABELS[verdict]}"
        else:
            low, high = float(effect.ci_low or 0.0), float(effect.ci_high or 0.0)
            headline = (
                f"{summary.arm}: {_file_amount(effect.diff, kind)} {label} ({level} CI "
                f"{_file_amount(low, kind)} to {_file_amount(high, kind)}, before the "
                "correction)"
            )
            corrected = f"({_p_text(effect, analysis.correction)})"
            if analysis.srm.mismatch:
                verdict, blocked = "inconclusive", True
                reasons.append(
                    "Arm sizes do not match the planned split (sample-ratio mismatch, p = "
                    f"{analysis.srm.p_value:.2g}): the split or the export is probably broken."
                )
            elif effect.significant and effect.diff > 0 and costly and kind != "money":
                verdict = "inconclusive"
                reasons.append(f"Significantly above {analysis.control} {corrected}, but ...")
                reasons.append(
                    f"... the lever costs {analysis.lever_costs[summary.arm].describe()} and the "
                    "file has no money column: a rate alone cannot show that it pays for its "
                    "cost. Load the file with what each customer spent to judge net value."
                )
            elif effect.significant and effect.diff > 0 and costly and metric != NET_VALUE:
                verdict = "inconclusive"
                reasons.append(
                    f"Significantly above {analysis.control} {corrected}, but before the "
                    f"lever's cost ({analysis.lever_costs[summary.arm].describe()}): decide on "
                    "net value."
                )
            elif effect.significant and effect.diff > 0:
                verdict = "ship"
                reasons.append(f"Significantly above {analysis.control} {corrected}.")
            elif effect.significant and effect.diff < 0:  # the corrected test, as for ship
                verdict = "stop"
                reasons.append(f"Below {analysis.control} {corrected}.")
            else:
                verdict = "inconclusive"
                needed = _needed_customers(effect, analysis.alpha, len(analysis.arms) - 1)
                reasons.append(
                    f"No clear difference from {analysis.control} {corrected}: the campaign "
                    "as tested neither proves nor rules out a gain."
                )
            if costly and kind != "money" and not any("no money column" in r for r in reasons):
                reasons.append(
                    "The file has no money column: it cannot show whether the lever pays for "
                    f"its cost ({analysis.lever_costs[summary.arm].describe()})."
                )
            if metric == NET_VALUE and analysis.margin_rate is not None:
                cost = analysis.lever_costs.get(summary.arm)
                basis = f"{analysis.margin_rate:.0%} margin on {analysis.money_field}"
                if cost is not None and cost.discount_share > 0:
                    basis += (
                        f" grossed up to the list value (what was paid / (1 - "
                        f"{cost.discount_share:.0%}))"
                    )
                reasons.append(
                    f"Net value = {basis} minus the lever's cost "
                    f"({cost.describe() if cost else 'nothing'})."
                )
            if effect.method == "cuped" and analysis.covariate:
                reasons.append(f"Adjusted for the pre-period field {analysis.covariate} (CUPED).")
            headline += f"; {BLOCKED_LABEL if blocked else VERDICT_LABELS[verdict]}"
        decisions.append(
            FileDecision(
                arm=summary.arm,
                metric=metric,
                verdict=verdict,
                headline=headline,
                reasons=reasons,
                effect=effect,
                blocked=blocked,
                needed_customers=needed,
                rule=rule,
                exploratory=exploratory,
            )
        )
    return decisions
