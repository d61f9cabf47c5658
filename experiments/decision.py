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
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, get_args

from scipy import special

from experiments import catalogue, config, stats
from experiments.analysis_file import NET_VALUE, FileAnalysis, LeverCost
from experiments.experiment import Experiment
from experiments.i18n import DEFAULT_LANGUAGE, MESSAGES, Formatter, Lang, t
from experiments.metrics import AnalysisSettings, ArmSummary, ExperimentAnalysis
from experiments.sources import Source
from experiments.store import Store

Verdict = Literal["ship", "stop", "inconclusive", "keep_running"]
VERDICTS: tuple[str, ...] = get_args(Verdict)
RULE_KEYS = ("fixed", "money", "verdicts", "keep_running", "data")  # decision.rule.<key>
FILE_RULE_KEYS = ("metric", "verdicts", "srm")  # decision.file_rule.<key>


def verdict_label(verdict: str, lang: Lang = DEFAULT_LANGUAGE, *, blocked: bool = False) -> str:
    """The verdict as a card shows it: 'keep running' / 'продолжать'; a verdict a data warning
    holds reads 'check the data' / 'проверьте данные'."""
    return t("verdict.check_data" if blocked else f"verdict.{verdict}", lang)


def rules(lang: Lang = DEFAULT_LANGUAGE) -> tuple[str, ...]:
    """The verdict rule of a designed experiment, one paragraph each (the catalogue's text)."""
    return tuple(t(f"decision.rule.{key}", lang) for key in RULE_KEYS)


def file_rules(lang: Lang = DEFAULT_LANGUAGE) -> tuple[str, ...]:
    """The verdict rule of an experiment read from a campaign result file."""
    return tuple(t(f"decision.file_rule.{key}", lang) for key in FILE_RULE_KEYS)


VERDICT_LABELS = {v: verdict_label(v) for v in get_args(Verdict)}  # English, from the catalogue
BLOCKED_LABEL = verdict_label("inconclusive", blocked=True)  # 'check the data'
DECISION_METRIC = catalogue.DECISION_METRIC.name
BLOCKING_WARNINGS = ("srm", "imbalance", "data")
_CORRECTION_NAMES = {"holm": "Holm", "bh": "Benjamini-Hochberg", "none": "no"}


@dataclass(frozen=True)
class Words:
    """Numbers in a decision sentence, in one language, all through `Formatter` (one form on
    the cards, the report, the page and the CLI): ru `+1 234 ₽`, `+6,1 п.п.`, `95 %`;
    en `+RUB 1,234`, `+6.1 pp`, `95%`.

    Attributes:
        lang: 'ru' or 'en'.
        currency: the store's currency (ISO 4217).
    """

    lang: Lang = DEFAULT_LANGUAGE
    currency: str = field(default_factory=lambda: config.CURRENCY)

    @property
    def fmt(self) -> Formatter:
        return Formatter(self.lang, self.currency)

    def money(self, value: float, signed: bool = True) -> str:
        return self.fmt.money(value, signed=signed, digits=0)

    def pp(self, value: float, signed: bool = True) -> str:
        text = self.fmt.points(value)
        return text if signed else text.lstrip("+-")

    def number(self, value: float, digits: int, signed: bool = True) -> str:
        return self.fmt.number(value, digits, signed=signed)

    def level(self, confidence: float) -> str:
        """A confidence level: '95%' / '95 %'."""
        return self.fmt.percent(confidence, 0)

    def margin_pct(self, pct: float) -> str:
        """A guardrail margin given in percent (2 -> '2%' / '2 %')."""
        return self.fmt.percent(pct / 100, 0 if pct == int(pct) else 1)

    def p_value(self, p: float) -> str:
        """'< 0.001' or '= 0.012' ('= 0,012' in Russian): two significant digits."""
        if p < 0.001:
            return f"< {self.fmt.number(0.001, 3)}"
        return f"= {self.fmt.significant(p, 2)}"

    def correction(self, correction: str) -> str:
        """'Holm correction' / 'поправка Холма'."""
        key = f"correction.{correction}"
        return t(key, self.lang) if correction in config.CORRECTIONS else f"{correction}"

    def metric(self, metric: str) -> str:
        """A metric's name inside a sentence: 'repeat purchase' / 'повторная покупка'."""
        if self.lang == "en":
            return metric.replace("_", " ")
        if f"metric.{metric}" not in MESSAGES:
            return metric.replace("_", " ")
        name = t(f"metric.{metric}", self.lang)
        return name[:1].lower() + name[1:]


RULES = rules()  # English; the text lives in the catalogue (decision.rule.*)


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

    def describe(self, lang: Lang = DEFAULT_LANGUAGE, currency: str | None = None) -> str:
        """The rule in one line, for the page and the report."""
        words = Words(lang, currency or config.CURRENCY)
        metric = (
            t("decision.rule.metric_net_value", lang, days=self.horizon_days)
            if self.decision_metric == DECISION_METRIC
            else t("decision.rule.metric_file", lang, metric=words.metric(self.decision_metric))
        )
        text = t(
            "decision.rule.describe",
            lang,
            confidence=words.level(self.confidence),
            correction=words.correction(self.correction),
            metric=metric,
        )
        if self.guardrails:
            text += t(
                "decision.rule.describe_guardrails",
                lang,
                names=", ".join(self.guardrails),
                margin=words.margin_pct(self.guardrail_margin_pct),
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


def timing_statement(
    timing: stats.PaybackInterval | stats.FadingTest, words: Words | None = None
) -> str:
    """A payback or fading result in one sentence from the catalogue (`timing.*`, the words of
    `stats`' English `statement`) with the formatter's numbers."""
    words = words or Words()
    lang = words.lang
    if isinstance(timing, stats.PaybackInterval):
        values: dict[str, dict[str, object]] = {
            "paid_back": {
                "day": timing.confident_day,
                "earliest": timing.earliest_day,
                "level": words.level(timing.confidence),
            },
            "not_yet": {"days": timing.horizon_days, "earliest": timing.earliest_day},
            "not_within_horizon": {
                "days": timing.horizon_days,
                "level": words.level(timing.confidence),
            },
            "insufficient_data": {},
        }
        return t(f"timing.payback.{timing.status}", lang, arm=timing.arm, **values[timing.status])
    if timing.fading is None:
        return t("timing.fading.no_data", lang, arm=timing.arm)
    p = timing.p_value if timing.p_value is not None else 1.0
    halves = t(
        "timing.fading.halves",
        lang,
        early=words.money(timing.early.diff or 0.0),
        late=words.money(timing.late.diff or 0.0),
        split=timing.split_day,
        after=timing.split_day + 1,
        horizon=timing.horizon_days,
        p=f"p {words.p_value(p)}",
    )
    key = "fades" if timing.fading else "falls_not_gain" if p < timing.alpha else "no_evidence"
    return t(f"timing.fading.{key}", lang, arm=timing.arm, halves=halves)


def exploratory_differences(
    view: AnalysisSettings, official: AnalysisSettings, lang: Lang = DEFAULT_LANGUAGE
) -> list[str]:
    """How a view's settings differ from those the verdict follows ([] = the official view)."""
    words = Words(lang)
    out: list[str] = []
    if view.horizon_days != official.horizon_days:
        out.append(
            t("decision.view.horizon", lang, days=view.horizon_days, rule=official.horizon_days)
        )
    if not math.isclose(view.confidence, official.confidence):
        out.append(
            t(
                "decision.view.confidence",
                lang,
                level=words.level(view.confidence),
                rule=words.level(official.confidence),
            )
        )
    if view.correction != official.correction:
        out.append(
            t(
                "decision.view.correction",
                lang,
                correction=words.correction(view.correction),
                rule=words.correction(official.correction),
            )
        )
    if view.cap != official.cap or (view.cap and view.cap_percentile != official.cap_percentile):
        out.append(
            t("decision.view.capped", lang, percentile=f"{view.cap_percentile:g}")
            if view.cap
            else t("decision.view.not_capped", lang)
        )
    if view.use_covariate != official.use_covariate:
        out.append(
            t(
                "decision.view.unadjusted" if not view.use_covariate else "decision.view.adjusted",
                lang,
            )
        )
    return out


def official_analysis(
    store: Store, view: ExperimentAnalysis, *, source: Source | None = None
) -> tuple[ExperimentAnalysis, list[str]]:
    """The analysis the verdict is read from, and how the view's settings differ from it.

    The view itself when it already follows the design rule ([] differences); else the same
    experiment analysed with `rule_settings` (the CLI's path; the page caches its own), read
    from the same `source` as the view."""
    from experiments import source_engine
    from experiments.metrics import analyze_experiment
    from experiments.store import overview

    experiment_id = view.experiment.id
    if source_engine.is_store(source):
        with store.cursor() as cur:
            observed = overview.observed_days(cur, experiment_id)
    else:  # counted to the source's last transaction when the view was made
        observed = view.observed_days
    official = rule_settings(
        rule_of(view.experiment),
        observed_days=observed,
        status=view.experiment.status,
        base=view.settings,
    )
    differences = exploratory_differences(view.settings, official)
    if not differences:
        return view, []
    return analyze_experiment(store, experiment_id, official, source=source), differences


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
        needed_customers: inconclusive only: about how many more customers in the lever's
            arm would settle the difference seen at the (extended) horizon by the fixed,
            corrected interval at the default power (None when not estimable).
        needed_customers_control: the same extension's customers in the control (new
            customers arrive in the planned shares, so it differs from the arm's when the
            plan is unequal).
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
    needed_customers_control: int | None = None
    guardrails: tuple[GuardrailCheck, ...] = ()

    @property
    def label(self) -> str:
        """The verdict as a card shows it ('check the data' when a data warning holds it)."""
        return BLOCKED_LABEL if self.blocked else VERDICT_LABELS[self.verdict]

    def label_in(self, lang: Lang) -> str:
        """The card's label in a language ('внедрять', 'проверьте данные')."""
        return verdict_label(self.verdict, lang, blocked=self.blocked)

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
            "needed_customers_control": self.needed_customers_control,
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


def _p_text(effect: stats.Effect, correction: str, words: Words | None = None) -> str:
    """The p-value a verdict reads: adjusted for several tests, saying by which method."""
    words = words or Words()
    p = effect.p_adjusted if effect.p_adjusted is not None else effect.p_value
    if p is None:
        return t("decision.p.none", words.lang)
    value = words.p_value(p)
    if correction == "none":
        return t("decision.p.uncorrected", words.lang, value=value)
    return t(
        "decision.p.adjusted", words.lang, value=value, correction=words.correction(correction)
    )


def _span(
    interval: str, low: str, high: str, effect: stats.Effect, correction: str, words: Words
) -> str:
    """An interval with the p-value a verdict reads. The interval is the effect's own and the
    p is corrected across the levers (`_p_text`): the interval is then named as before the
    correction, the cards' convention (report.note.correction, decision.file.effect)."""
    key = "decision.span" if correction == "none" else "decision.span.unadjusted"
    p = _p_text(effect, correction, words)
    return t(key, words.lang, interval=interval, low=low, high=high, p=p)


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


def srm_plan_reason(srm: stats.SrmResult, words: Words | None = None) -> list[str]:
    """Beside a sample-ratio verdict whose plan nobody gave: that the equal split was assumed
    and how to give the real one (`--split`); [] when the plan was given or nothing is off."""
    words = words or Words()
    if not (srm.mismatch and srm.plan_assumed_equal):
        return []
    plan = ", ".join(f"{arm} {words.fmt.percent(share, 0)}" for arm, share in srm.plan.items())
    return [t("decision.srm_plan_assumed_equal", words.lang, plan=plan)]


def _needed_customers(
    effect: stats.Effect,
    alpha: float,
    levers: int,
    correction: str = config.DEFAULT_CORRECTION,
    plan: Mapping[str, float] | None = None,
    control: str | None = None,
) -> tuple[int, int] | None:
    """More customers (control, lever's arm) that would settle a difference this size, read
    as the verdict reads an extended test: at its horizon, by the fixed interval at the
    corrected alpha (Holm and BH both test a lone clear lever at alpha / levers), at the
    default power, from the standard error seen so far, new customers arriving in the planned
    shares (`stats.customers_to_settle_at_horizon`); None when not estimable."""
    if effect.diff is None or effect.se is None:
        return None
    corrected = alpha if correction == "none" else alpha / max(levers, 1)
    plan = plan or {}
    share_control = plan.get(str(control), 0.5) if control is not None else 0.5
    share_arm = plan.get(effect.arm, share_control)
    return stats.customers_to_settle_at_horizon(
        effect.diff,
        effect.se,
        effect.n_control,
        effect.n_arm,
        alpha=corrected,
        power=config.DEFAULT_POWER,
        share_control=share_control,
        share_arm=share_arm,
    )


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


def _guardrail_text(check: GuardrailCheck, words: Words | None = None) -> str:
    words = words or Words()
    lang = words.lang

    def amount(value: float, signed: bool = True) -> str:
        unit = catalogue.unit_of(check.metric)
        if unit == "share":
            return words.pp(value, signed)
        if unit == "orders":
            return f"{words.number(value, 2, signed)} {t('unit.orders', lang)}"
        return words.money(value, signed)

    diff = check.effect.diff if check.effect is not None else None
    change = "" if diff is None else t("decision.guardrail.change", lang, diff=amount(diff))
    name = check.name
    if lang != "en" and f"guardrail.{check.name}" in MESSAGES:
        name = t(f"guardrail.{check.name}", lang)
    key = "not_analysed" if check.state == "not analysed" else check.state
    if check.state == "not analysed":
        return t(f"decision.guardrail.{key}", lang, name=name)
    margin = amount(check.margin, signed=False)
    return t(f"decision.guardrail.{key}", lang, name=name, margin=margin, change=change)


def decide(
    analysis: ExperimentAnalysis,
    *,
    planned_n: int | None = None,
    rule: DecisionRule | None = None,
    exploratory: bool = False,
    lang: Lang = DEFAULT_LANGUAGE,
    currency: str | None = None,
) -> list[Decision]:
    """One decision per lever by the design rule, ranked by net value per customer.

    Args:
        analysis: the analysis to judge; for the official verdict, one made with
            `rule_settings` (the page and the CLI do so).
        planned_n: customers a comparison is planned to reach (default: those assigned).
        rule: the design rule; default `rule_of(analysis.experiment)`.
        exploratory: the view shown beside the verdict uses other settings (a label only).
        lang: the language of the headline, the reasons and the label (`as_json`'s field
            names and verdict codes do not change).
        currency: the store's currency (default config.CURRENCY).
    """
    words = Words(lang, currency or config.CURRENCY)
    _money, _pp = words.money, words.pp
    rule = rule or rule_of(analysis.experiment)
    final = is_final(analysis, rule)
    blocking = [w for w in analysis.warnings if w.kind in BLOCKING_WARNINGS]
    primary_metric = analysis.experiment.primary_metric
    level = words.level(analysis.settings.confidence)
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
                what = t("decision.interval.confidence", lang, level=level)
                low, high = primary.ci_low or 0, primary.ci_high or 0
            else:  # an interim look reads every interval as always-valid
                what = t("decision.interval.always_valid_short", lang)
                low, high = sequential_interval(primary, pair, levers)
            parts.append(
                t(
                    "decision.part.effect",
                    lang,
                    diff=unit(primary.diff),
                    metric=words.metric(primary_metric),
                    interval=what,
                    low=unit(low),
                    high=unit(high),
                )
            )
        if net is not None and net.diff is not None:
            key = "decision.part.net_value" if final else "decision.part.net_value_so_far"
            parts.append(t(key, lang, diff=_money(net.diff)))
        reasons: list[str] = []
        interval: tuple[float, float] | None = None
        verdict: Verdict
        needed: int | None = None
        needed_control: int | None = None
        checks: tuple[GuardrailCheck, ...] = ()
        if blocking:
            verdict = "inconclusive"
            reasons.extend(w.text(lang, currency) for w in blocking)
            if any(w.kind == "srm" for w in blocking):
                reasons.extend(srm_plan_reason(analysis.srm, words))
        elif not final:
            verdict = "keep_running"
            so_far = t("decision.so_far.day", lang, day=analysis.horizon_days, planned=planned)
            if not all(a.n_observed == a.n for a in analysis.arms):
                so_far = t(
                    "decision.so_far.observed",
                    lang,
                    days=analysis.horizon_days,
                    observed=sum(a.n_observed for a in analysis.arms),
                    total=sum(a.n for a in analysis.arms),
                    planned=planned,
                )
            if net is not None and net.diff is not None and net.se is not None:
                interval = sequential_interval(net, pair, levers)
                reasons.append(
                    t(
                        "decision.reason.so_far",
                        lang,
                        so_far=so_far,
                        diff=_money(net.diff),
                        low=_money(interval[0]),
                        high=_money(interval[1]),
                    )
                )
            else:
                reasons.append(t("decision.reason.so_far_no_estimate", lang, so_far=so_far))
            harm = repeat is not None and repeat.se is not None and repeat.diff is not None
            if harm:
                assert repeat is not None
                _, repeat_high = sequential_interval(repeat, pair, levers)
                harm = repeat_high < 0
            if harm:
                verdict = "stop"
                reasons.insert(0, t("decision.reason.stopped_early", lang))
        elif net is None or net.diff is None:
            verdict = "inconclusive"
            reasons.append(
                net.note
                if net is not None and net.note
                else t("decision.reason.no_estimable_effect", lang)
            )
        else:
            low, high = float(net.ci_low or 0.0), float(net.ci_high or 0.0)
            interval = (low, high)
            span = _span(
                t("decision.interval.fixed", lang, level=level),
                _money(low),
                _money(high),
                net,
                analysis.settings.correction,
                words,
            )
            significant = bool(net.significant)
            checks = _check_guardrails(analysis, rule, summary.arm)
            broken = [c for c in checks if c.state == "broken"]
            unclear = [c for c in checks if c.state == "unclear"]
            if significant and net.diff > 0 and not broken and not unclear:
                verdict = "ship"
                reasons.append(t("decision.reason.above", lang, span=span))
            elif significant and net.diff > 0:
                verdict = "stop" if broken else "inconclusive"
                reasons.append(t("decision.reason.above", lang, span=span))
                reasons.extend(_guardrail_text(c, words) for c in (broken or unclear))
            elif significant and net.diff < 0:  # the corrected test rules out breaking even
                verdict = "stop"
                reasons.append(t("decision.reason.loses", lang, span=span))
                if repeat is not None and (repeat.ci_low or 0) > 0:
                    reasons.append(t("decision.reason.lifts_repeat_only", lang))
            elif broken:
                verdict = "stop"
                reasons.append(t("decision.reason.no_clear_difference", lang, span=span))
                reasons.extend(_guardrail_text(c, words) for c in broken)
            else:
                verdict = "inconclusive"
                more = _needed_customers(
                    net,
                    rule.alpha,
                    levers,
                    analysis.settings.correction,
                    analysis.srm.plan,
                    str(analysis.control),
                )
                if more is not None:
                    needed_control, needed = more
                what = t(
                    "decision.reason.no_clear_at_horizon",
                    lang,
                    span=span,
                    excludes=t("decision.reason.excludes_zero_before_correction", lang)
                    if low > 0 or high < 0
                    else "",
                )
                if needed is not None and needed_control is not None:
                    settle = t(
                        "decision.reason.needed_customers",
                        lang,
                        arm=summary.arm,
                        arm_count=words.fmt.count(needed, "customers"),
                        control_count=words.fmt.count(needed_control, "customers"),
                        diff=_money(net.diff),
                        power=words.fmt.percent(config.DEFAULT_POWER, 0),
                    )
                    what += " " + settle
                reasons.append(what)
        if not blocking and final and net is not None and net.diff is not None:
            # when it pays back (with confidence) and whether it fades: stats.PAYBACK_RULE,
            # stats.FADING_RULE (read at the planned horizon, like the verdict)
            for timing in (analysis.payback.get(summary.arm), analysis.fading.get(summary.arm)):
                if timing is not None:
                    reasons.append(timing_statement(timing, words))
        headline = t(
            "decision.headline",
            lang,
            arm=summary.arm,
            parts=", ".join(parts) if parts else t("decision.no_estimate", lang),
            verdict=verdict_label(verdict, lang, blocked=bool(blocking)),
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
                needed_customers_control=needed_control,
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


def head_to_head(
    analysis: ExperimentAnalysis,
    *,
    planned_n: int | None = None,
    lang: Lang = DEFAULT_LANGUAGE,
    currency: str | None = None,
) -> list[Matchup]:
    """Every pair of levers on net value, clear winners first, then by the size of the gap.

    The arm-vs-arm effects are the analysis' `comparisons` (p corrected across pairs x metrics),
    read as the decisions read effects vs control: CUPED when estimable, and the always-valid
    interval until the planned horizon is observed for everyone (an interim look).
    """
    words = Words(lang, currency or config.CURRENCY)
    _money = words.money
    running = not is_final(analysis)
    level = words.level(analysis.settings.confidence)
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
            what = t("decision.interval.always_valid", lang)
        else:
            low, high = float(e.ci_low or 0.0), float(e.ci_high or 0.0)
            clear = bool(e.significant)
            what = t("decision.interval.fixed", lang, level=level)
        sign = 1.0 if e.diff >= 0 else -1.0
        lever, other = (e.arm, e.baseline) if sign > 0 else (e.baseline, e.arm)
        low, high = sorted((sign * low, sign * high))
        gap = sign * e.diff
        r = repeat.get((e.baseline, e.arm))
        repeat_diff = sign * r.diff if r is not None and r.diff is not None else None
        if running:  # an interim look: who is ahead so far is not a verdict
            clear = False
            key = "decision.matchup.so_far"
        else:
            key = "decision.matchup.beats" if clear else "decision.matchup.no_clear"
        values = {"lever": lever, "other": other, "diff": _money(gap)}
        if running:
            values["day"] = str(analysis.horizon_days)
        sentence = t(key, lang, **values)
        if running and e.se is not None:  # the always-valid interval alone
            evidence = t(
                "decision.evidence", lang, interval=what, low=_money(low), high=_money(high)
            )
        else:  # the verdict reads the corrected p-value
            evidence = _span(
                what, _money(low), _money(high), e, analysis.settings.correction, words
            )
        sentence += f" ({evidence})"
        if repeat_diff is not None:
            sentence += t("decision.matchup.repeat", lang, diff=words.pp(repeat_diff))
        matchups.append(
            Matchup(
                lever,
                other,
                gap,
                (low, high),
                clear,
                repeat_diff,
                e.method,
                sentence if sentence.endswith(".") else sentence + ".",  # ru ends on 'п.п.'
            )
        )
    matchups.sort(key=lambda m: (not m.clear, -m.diff))
    return matchups


# -- experiments from uploaded campaign result files ---------------------------------------------
FILE_RULES = file_rules()  # English; the text lives in the catalogue (decision.file_rule.*)


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

    def label_in(self, lang: Lang) -> str:
        """The card's label in a language ('внедрять', 'проверьте данные')."""
        return verdict_label(self.verdict, lang, blocked=self.blocked)

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


def _file_amount(value: float, kind: str, words: Words | None = None) -> str:
    words = words or Words()
    if kind == "binary":
        return words.fmt.points(value, 2)
    return words.fmt.money(value, signed=True, digits=2)


def cost_text(cost: LeverCost | None, words: Words | None = None) -> str:
    """What a lever costs, in words, from the catalogue (ru 'скидка 10 % на 85 % её заказов +
    250 ₽ на клиента', en '10% off 85% of its orders + RUB 250 per customer')."""
    words = words or Words()
    lang = words.lang
    if cost is None:
        return t("decision.cost.nothing", lang)
    if cost.kind == "unknown":
        return t("decision.cost.unknown", lang)
    parts = []
    if cost.discount_pct > 0:
        pct = words.margin_pct(cost.discount_pct)
        parts.append(
            t("decision.cost.discount", lang, pct=pct)
            if cost.redemption_share >= 1
            else t(
                "decision.cost.discount_share",
                lang,
                pct=pct,
                share=words.fmt.percent(cost.redemption_share, 0),
            )
        )
    if cost.fixed > 0:
        parts.append(t("decision.cost.fixed", lang, amount=words.money(cost.fixed, signed=False)))
    return " + ".join(parts) or t("decision.cost.nothing", lang)


def decide_file(
    analysis: FileAnalysis,
    metric: str,
    *,
    rule: DecisionRule | None = None,
    exploratory: bool = False,
    lang: Lang = DEFAULT_LANGUAGE,
    currency: str | None = None,
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
    words = Words(lang, currency or config.CURRENCY)
    kind = analysis.metrics.get(metric, "money")
    level = words.level(1 - analysis.alpha)
    label = words.metric(metric)
    if kind == "money" and (lang == "en" or f"metric.{metric}" not in MESSAGES):
        # a file's own column; the catalogue's money metrics already say 'на клиента'
        label = t("decision.file.per_customer", lang, metric=label)
    control = analysis.control
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
            reasons.append(
                analysis.note
                if analysis.note and lang == "en"
                else t("decision.file.no_estimable", lang, label=label)
            )
            headline = t(
                "decision.file.headline_no_estimate",
                lang,
                arm=summary.arm,
                label=label,
                verdict=verdict_label(verdict, lang),
            )
        else:
            low, high = float(effect.ci_low or 0.0), float(effect.ci_high or 0.0)
            headline = t(
                "decision.file.effect",
                lang,
                arm=summary.arm,
                diff=_file_amount(effect.diff, kind, words),
                label=label,
                level=level,
                low=_file_amount(low, kind, words),
                high=_file_amount(high, kind, words),
            )
            corrected = f"({_p_text(effect, analysis.correction, words)})"
            lever_cost = cost_text(analysis.lever_costs.get(summary.arm), words) if costly else ""
            said_no_money_column = False
            if analysis.srm.mismatch:
                verdict, blocked = "inconclusive", True
                p_srm = words.fmt.significant(analysis.srm.p_value, 2)
                reasons.append(t("decision.file.srm", lang, p=p_srm))
                reasons.extend(srm_plan_reason(analysis.srm, words))
            elif effect.significant and effect.diff > 0 and costly and kind != "money":
                verdict = "inconclusive"
                reasons.append(
                    t("decision.file.above_but", lang, control=control, corrected=corrected)
                )
                reasons.append(t("decision.file.rate_cannot_pay", lang, cost=lever_cost))
                said_no_money_column = True
            elif effect.significant and effect.diff > 0 and costly and metric != NET_VALUE:
                verdict = "inconclusive"
                reasons.append(
                    t(
                        "decision.file.above_before_cost",
                        lang,
                        control=control,
                        corrected=corrected,
                        cost=lever_cost,
                    )
                )
            elif effect.significant and effect.diff > 0:
                verdict = "ship"
                reasons.append(t("decision.file.above", lang, control=control, corrected=corrected))
            elif effect.significant and effect.diff < 0:  # the corrected test, as for ship
                verdict = "stop"
                reasons.append(t("decision.file.below", lang, control=control, corrected=corrected))
            else:
                verdict = "inconclusive"
                more = _needed_customers(
                    effect,
                    analysis.alpha,
                    len(analysis.arms) - 1,
                    analysis.correction,
                    analysis.srm.plan,
                    str(control),
                )
                needed = None if more is None else more[1]
                reasons.append(
                    t("decision.file.no_clear", lang, control=control, corrected=corrected)
                )
            if costly and kind != "money" and not said_no_money_column:
                reasons.append(t("decision.file.no_money_column", lang, cost=lever_cost))
            if metric == NET_VALUE and analysis.margin_rate is not None:
                cost = analysis.lever_costs.get(summary.arm)
                basis = t(
                    "decision.file.basis",
                    lang,
                    margin=words.level(analysis.margin_rate),
                    field=analysis.money_field,
                )
                if cost is not None and cost.discount_share > 0:
                    basis += t(
                        "decision.file.grossed_up", lang, share=words.level(cost.discount_share)
                    )
                reasons.append(
                    t("decision.file.net_value", lang, basis=basis, cost=cost_text(cost, words))
                )
            if effect.method == "cuped" and analysis.covariate:
                reasons.append(t("decision.file.cuped", lang, covariate=analysis.covariate))
            headline += "; " + verdict_label(verdict, lang, blocked=blocked)
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
