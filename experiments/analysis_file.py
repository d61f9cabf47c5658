"""Analyse a results file (one row per customer, an arm column, metric columns).

For experiments run outside Loyalty Lab: the file needs no customer id. DuckDB reads the file
and returns per-arm sufficient statistics (`experiments/store/filestats.py`); `experiments.stats`
does all inference from those numbers. A results file loaded into the store (`load results`)
is analysed the same way: `analyze_stored_results` turns its stored cells back into the file's
shape (`experiments/store/results_sql.py`) and hands it to `analyze_frame`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd

from experiments import catalogue, config, stats
from experiments.escape import quoted
from experiments.i18n.text import Text
from experiments.stats import Correction, Effect, MetricKind, SampleStats, SrmResult
from experiments.store import Store, StoreError, filestats, results_sql
from experiments.store import settings as store_settings
from experiments.store.results_sql import ResultField


@dataclass(frozen=True)
class ArmSummary:
    """One arm of the file.

    Attributes:
        arm: the arm label as text.
        n: rows (customers) in the arm.
        means: metric -> mean in the arm (after capping when capping is on); None if no values.
        is_control: whether this is the control arm.
    """

    arm: str
    n: int
    means: dict[str, float | None]
    is_control: bool

    def as_json(self) -> dict[str, object]:
        return {"arm": self.arm, "n": self.n, "is_control": self.is_control, "means": self.means}


NET_VALUE = catalogue.DECISION_METRIC.name  # what a result file with a money column decides on


@dataclass(frozen=True)
class LeverCost:
    """What one arm of an experiment costs, applied to a result file's outcomes.

    Attributes:
        kind: the arm's kind (control, discount, gift, outreach, custom).
        discount_pct: percent off the orders (discount arms).
        fixed: fixed cost per customer (a gift, a call, a custom cost).
        redemption_share: share of the arm's orders that took the discount (design's).
    """

    kind: str
    discount_pct: float = 0.0
    fixed: float = 0.0
    redemption_share: float = 1.0

    @property
    def discount_share(self) -> float:
        """s: the share of the list value of the arm's orders given away (as the analysis of
        transactions without discount amounts reads a discount arm: `metrics_sql`)."""
        if self.kind != "discount":
            return 0.0
        share = self.discount_pct / 100.0 * min(max(self.redemption_share, 0.0), 1.0)
        return min(max(share, 0.0), 0.99)

    @property
    def costs_money(self) -> bool:
        """The arm costs something (or its cost is unknown: an arm the experiment lacks)."""
        if self.kind == "unknown":
            return True
        return self.kind != "control" and (self.discount_pct > 0 or self.fixed > 0)

    def describe(self) -> str:
        if self.kind == "unknown":
            return "an unknown cost (the arm is not one of the experiment's)"
        parts = []
        if self.discount_pct > 0:
            on = "its" if self.redemption_share >= 1 else f"{self.redemption_share:.0%} of its"
            parts.append(f"{self.discount_pct:g}% off {on} orders")
        if self.fixed > 0:
            parts.append(f"{self.fixed:,.0f} {config.CURRENCY} per customer".replace(",", " "))
        return " + ".join(parts) or "nothing"

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "discount_pct": self.discount_pct,
            "fixed": self.fixed,
            "redemption_share": self.redemption_share,
        }


def net_value(paid: pd.Series, cost: LeverCost, margin_rate: float) -> pd.Series:
    """Net value per customer from what each customer paid (after the discount), after the
    lever's cost.

    The money definition of the transactions without discount amounts (`metrics_sql`): with
    s = discount_pct / 100 * redemption_share the share of the list value given away, what was
    paid is (1 - s) of the list value, so the discount given is paid * s / (1 - s) and the
    gross margin (paid + discount) * margin_rate; net value = gross margin - discount - fixed
    cost. A customer with no value (NaN) keeps NaN.
    """
    share = cost.discount_share
    discount = paid.clip(lower=0) * share / (1.0 - share)
    return (paid + discount) * margin_rate - discount - cost.fixed


@dataclass(frozen=True)
class FileAnalysis:
    """Everything `analyze-file` reports.

    Attributes:
        arms: per-arm sizes and means, control first.
        srm: sample-ratio mismatch test against `allocation` (equal split unless given).
        effects: one row per non-control arm x metric x method, corrected by `correction`.
        metrics: metric -> kind used ('binary' or 'money'), in request order.
        control: control label.
        covariate: pre-period covariate column for cuped, or None.
        correction: multiple-testing correction across arms, each metric its own family.
        alpha: significance level.
        cap: whether money metrics were capped.
        caps: money metric -> (lower, upper) thresholds applied (None = no cap on that side).
        status: 'ok', or 'insufficient_data' when nothing can be compared (one arm, no numeric
            metric, no rows); `note` then says why and `effects` may be empty.
        note: why the data is insufficient, or which requested fields were skipped; '' if none.
        money_field: the file's money column net value was computed from (None: no net value).
        margin_rate: the margin rate behind net value (None without it).
        lever_costs: arm -> what it costs (from the experiment's arms), for files attached to
            an experiment with costs; {} for a standalone file.
        currency: the money's ISO 4217 code: the store's for a file loaded into it
            (`settings.currency`), config.CURRENCY for a standalone file.
    """

    arms: list[ArmSummary]
    srm: SrmResult
    effects: list[Effect]
    metrics: dict[str, MetricKind]
    control: str
    covariate: str | None
    correction: Correction
    alpha: float
    cap: bool
    caps: dict[str, tuple[float | None, float | None]]
    status: Literal["ok", "insufficient_data"] = "ok"
    note: str = ""
    money_field: str | None = None
    margin_rate: float | None = None
    lever_costs: dict[str, LeverCost] = field(default_factory=dict)
    currency: str = field(default_factory=lambda: config.CURRENCY)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def costly_arms(self) -> list[str]:
        """Levers that cost something (a discount, a gift, a call): a rate alone cannot
        show that they pay for it."""
        return [arm for arm, cost in self.lever_costs.items() if cost.costs_money]

    def as_json(self) -> dict[str, object]:
        """The CLI's JSON: arms, srm_p_value, effects (+ settings and the SRM detail)."""
        return {
            "arms": [a.as_json() for a in self.arms],
            "srm_p_value": stats.finite_or_none(self.srm.p_value),
            "srm": self.srm.as_json(),
            "effects": [e.as_json() for e in self.effects],
            "metrics": dict(self.metrics),
            "control": self.control,
            "covariate": self.covariate,
            "correction": self.correction,
            "alpha": self.alpha,
            "cap": self.cap,
            "cap_percentile": config.DEFAULT_CAP_PERCENTILE if self.cap else None,
            "caps": {m: {"lower": lo, "upper": hi} for m, (lo, hi) in self.caps.items()},
            "money_field": self.money_field,
            "margin_rate": self.margin_rate,
            "lever_costs": {a: c.as_json() for a, c in self.lever_costs.items()},
            "money_estimand": stats.money_estimand(self.cap),
            "money_estimand_label": stats.money_estimand_label(self.cap, currency=self.currency),
            "status": self.status,
            "note": self.note,
        }


def _number_cells(column: pd.Series, decimal: str) -> pd.Series:
    """A text column as numbers when every filled cell is one, written the file's way (a
    decimal comma, spaces or no-break spaces between thousands: '1 234,50'); else unchanged."""
    text = column.astype("string").str.strip()
    filled = text.notna() & (text != "")
    cleaned = text.str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    if decimal == ",":
        cleaned = cleaned.str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(cleaned.where(filled), errors="coerce")
    if bool(numbers[filled].notna().all()) and bool(filled.any()):
        return numbers
    return text.where(filled)


def _regional_csv(source: pd.DataFrame | str | Path) -> pd.DataFrame | str | Path:
    """A CSV that is not plain UTF-8 with commas and decimal points (a Russian export: cp1251,
    ';', decimal comma) read the way the Data page reads files, as a frame of numbers and
    text; other sources unchanged (DuckDB reads them directly). A file the reader cannot read
    is left to `filestats.load_source`, whose message names it."""
    if isinstance(source, pd.DataFrame):
        return source
    path = Path(source)
    if path.suffix.lower() not in filestats.CSV_SUFFIXES or not path.is_file():
        return source
    from experiments import ingest

    frame, fmt, problems = ingest.read_table(path)
    plain = fmt.encoding in (None, "utf-8", "ascii") and fmt.delimiter in (None, ",")
    if frame is None or (plain and fmt.decimal == "."):
        if frame is None and problems:
            raise StoreError(problems[0].message)
        return source
    return frame.apply(lambda column: _number_cells(column, fmt.decimal))


def analyze_frame(
    source: pd.DataFrame | str | Path,
    arm_col: str,
    control_label: str,
    metrics: Sequence[tuple[str, MetricKind | None]],
    covariate: str | None = None,
    correction: Correction = "holm",
    cap: bool = config.DEFAULT_CAP,
    alpha: float = config.ALPHA,
    allocation: Mapping[str, float] | None = None,
    cap_percentile: float = config.DEFAULT_CAP_PERCENTILE,
    *,
    plan_assumed_equal: bool | None = None,
) -> FileAnalysis:
    """Effects of every arm against the control on every metric of a results file.

    Args:
        source: a DataFrame, or a path to a .csv / .parquet / .xlsx file.
        arm_col: column holding the arm label.
        control_label: label of the control arm (compared as text).
        metrics: (column, kind) pairs; kind None = guess: only 0/1 values -> 'binary',
            else 'money'.
        covariate: pre-period column for CUPED (e.g. last year's spend); adds 'cuped' rows.
        correction: 'holm' (default), 'bh' or 'none', across arms within each metric.
        cap: winsorise money metrics at pooled thresholds (`stats.cap_thresholds` semantics)
            before any estimator; off by default: capped effects estimate the winsorised mean
            difference, not the money difference.
        alpha: significance level.
        allocation: planned arm weights for the SRM test; default equal split over the arms
            present (plus the control if absent).
        cap_percentile: percentile of the non-zero values used as the cap.
        plan_assumed_equal: the plan was not given but taken as equal (reported with the SRM
            test); default: `allocation` is None.

    Raises:
        StoreError: unreadable file, a column that is not in the file, or a non-numeric metric
            (the CLI prints the message and exits 2). Degenerate data is not an error: it gives
            'insufficient_data' rows.
    """
    if not metrics:
        raise StoreError(Text("store.error.no_metric"))
    with duckdb.connect() as cur:
        filestats.load_source(cur, _regional_csv(source))
        kinds: dict[str, MetricKind] = {}
        for column, kind in metrics:
            if filestats.non_numeric_count(cur, column):
                raise StoreError(Text("store.error.metric_not_numbers", column=quoted(column)))
            kinds[column] = kind or ("binary" if filestats.is_binary(cur, column) else "money")
        if covariate and filestats.non_numeric_count(cur, covariate):
            raise StoreError(Text("store.error.covariate_not_numbers", column=quoted(covariate)))
        caps: dict[str, tuple[float | None, float | None]] = {}
        if cap:
            for column, kind in kinds.items():
                if kind == "money":
                    caps[column] = filestats.cap_thresholds(cur, column, cap_percentile)
        table = filestats.arm_sufficient_stats(cur, arm_col, list(kinds), covariate, caps)

    per_arm: dict[str, dict[str, SampleStats]] = {a: t.metrics for a, t in table.items()}
    sizes: dict[str, int] = {a: t.rows for a, t in table.items()}
    if covariate is not None:  # CUPED rows name the covariate they used
        per_arm = {
            arm: {m: replace(s, covariates=s.single_covariate(covariate)) for m, s in by.items()}
            for arm, by in per_arm.items()
        }
    control = str(control_label)
    ordered = sorted(per_arm, key=lambda a: (a != control, a))
    per_arm = {a: per_arm[a] for a in ordered}
    effects = stats.compare_all(
        per_arm,
        control,
        kinds,
        use_covariate=covariate is not None,
        correction=correction,
        alpha=alpha,
    )
    plan = stats.planned_shares(allocation, [control, *ordered])
    assumed = not allocation if plan_assumed_equal is None else plan_assumed_equal
    srm = stats.srm_test(sizes, plan, plan_assumed_equal=assumed)
    arms = [
        ArmSummary(
            arm=a,
            n=sizes[a],
            means={m: stats.finite_or_none(s.mean) for m, s in per_arm[a].items()},
            is_control=a == control,
        )
        for a in ordered
    ]
    return FileAnalysis(
        arms=arms,
        srm=srm,
        effects=effects,
        metrics=kinds,
        control=control,
        covariate=covariate,
        correction=correction,
        alpha=alpha,
        cap=cap,
        caps=caps,
    )


def parse_metric(text: str) -> tuple[str, MetricKind | None]:
    """'spend:money' -> ('spend', 'money'); 'visit' -> ('visit', None) (kind guessed later).

    Only a trailing ':binary' / ':money' is a kind, so column names containing ':' still work.
    """
    column, sep, kind = text.rpartition(":")
    if sep and kind in ("binary", "money"):
        return column, kind  # type: ignore[return-value]
    return text, None


# -- results files loaded into the store ---------------------------------------------------------
_PRE_PERIOD_WORDS = frozenset(
    {
        "history", "historic", "historical", "pre", "prior", "before", "past", "previous", "prev",
        "baseline", "recency", "tenure", "lag", "история", "прошлый", "прошлого", "до",
    }
)  # fmt: skip
_OUTCOME_WORDS = frozenset(
    {
        "visit", "visits", "visited", "conversion", "conversions", "converted", "convert",
        "spend", "spent", "revenue", "purchase", "purchases", "purchased", "bought", "buy",
        "order", "orders", "response", "responded", "redeemed", "redemption", "redeem",
        "click", "clicks", "clicked", "open", "opened", "opens", "margin", "sales", "amount",
        "repeat", "retained", "retention", "churn", "churned", "clv", "profit", "value",
        "визит", "визиты", "конверсия", "покупка", "покупки", "купил", "выручка", "сумма",
        "отклик", "маржа", "заказ", "заказы", "повторная", "прибыль",
    }
)  # fmt: skip
_MONEY_WORDS = frozenset(
    {"history", "spend", "spent", "revenue", "sales", "amount", "value", "выручка", "сумма"}
)


def _words(name: str) -> set[str]:
    return {w for w in re.split(r"[^0-9a-zа-яё]+", name.lower()) if w}


def looks_pre_period(name: str) -> bool:
    """A field named like something measured before the campaign (history, pre_spend, prior_*)."""
    return bool(_words(name) & _PRE_PERIOD_WORDS)


def suggest_covariate(fields: Sequence[ResultField]) -> str | None:
    """The pre-period field CUPED should use by default, or None.

    Only numeric, non-0/1 fields named like a pre-period measurement qualify; one that reads
    as money (history, pre_spend) beats others (recency), because last period's spend is what
    predicts this period's outcomes best in retail.
    """
    candidates = [
        f.field
        for f in fields
        if f.numeric and not f.binary and f.field != results_sql.ARM_COLUMN
        if looks_pre_period(f.field)
    ]
    money = [c for c in candidates if _words(c) & _MONEY_WORDS]
    ranked = money or candidates
    return ranked[0] if ranked else None


def suggest_money_field(fields: Sequence[ResultField]) -> str | None:
    """The outcome column that reads as money the customer paid (revenue, spend, сумма), or
    None: net value is computed from it."""
    for f in fields:
        if not f.numeric or f.binary or f.field == results_sql.ARM_COLUMN:
            continue
        if not looks_pre_period(f.field) and _words(f.field) & (_MONEY_WORDS - {"history"}):
            return f.field
    return None


def default_metrics(fields: Sequence[ResultField], covariate: str | None = None) -> list[str]:
    """The metrics analysed when none are chosen, in file order.

    Every numeric field except pre-period ones (and the covariate). When some of those fields
    are named like outcomes (visit, conversion, spend, revenue, ...), only they are used: a
    campaign export also carries descriptive 0/1 columns (newbie, mens) that are not outcomes,
    and testing them too would only widen every corrected interval.
    """
    numeric = [
        f.field
        for f in fields
        if f.numeric and f.field not in (covariate, results_sql.ARM_COLUMN)
        if not looks_pre_period(f.field)
    ]
    outcomes = [name for name in numeric if _words(name) & _OUTCOME_WORDS]
    return outcomes or numeric


def _insufficient(
    frame: pd.DataFrame,
    control: str,
    allocation: Mapping[str, float] | None,
    correction: Correction,
    alpha: float,
    cap: bool,
    note: str,
    plan_assumed_equal: bool,
) -> FileAnalysis:
    """A defined answer when nothing can be tested: arm sizes only, no effects."""
    sizes = {str(arm): int(n) for arm, n in frame[results_sql.ARM_COLUMN].value_counts().items()}
    ordered = sorted(sizes, key=lambda a: (a != control, a))
    plan = stats.planned_shares(allocation, ordered)
    return FileAnalysis(
        arms=[ArmSummary(a, sizes[a], {}, a == control) for a in ordered],
        srm=stats.srm_test(sizes, plan, plan_assumed_equal=plan_assumed_equal),
        effects=[],
        metrics={},
        control=control,
        covariate=None,
        correction=correction,
        alpha=alpha,
        cap=cap,
        caps={},
        status="insufficient_data",
        note=note,
    )


def analyze_stored_results(
    store: Store,
    experiment_id: int,
    metrics: Sequence[str] | None = None,
    covariate: str | None = None,
    correction: Correction = "holm",
    cap: bool = config.DEFAULT_CAP,
    alpha: float = config.ALPHA,
    margin_rate: float | None = None,
    money_field: str | None = None,
) -> FileAnalysis:
    """Effects of an experiment whose outcomes came from uploaded campaign result files.

    When the experiment's arms carry costs (a discount, a gift, a call: a designed experiment
    the file is attached to, or a list registered with its costs), the arms, costs and plan
    come from the experiment and the outcomes from the file: with a money column, each
    customer's **net value** (`net_value`: margin on what they paid, minus the lever's cost)
    is computed and is the first metric, the one that decides.

    The stored cells are pivoted back to one row per file row in DuckDB and analysed by
    `analyze_frame`, so a loaded file gives exactly the numbers `analyze-file` gives on it.

    Args:
        store: the store.
        experiment_id: an experiment with rows in `campaign_results` (source 'results_file',
            or a designed experiment whose results were uploaded).
        metrics: fields to test; default `default_metrics`. Fields holding text are skipped
            (and named in `note`); 0/1 fields are rates (z-test), others money (Welch).
        covariate: numeric pre-period field for CUPED; it is never also a metric.
        correction: 'holm', 'bh' or 'none' across arms, each metric its own family.
        cap: winsorise money metrics at the pooled percentile.
        alpha: significance level.
        margin_rate: margin share of what a customer paid, for net value; default the one every
            net value uses (`metrics.resolve_margin_rate`: the experiment's own, else the
            store's, else config's).
        money_field: the money column net value is computed from; default
            `suggest_money_field`.

    Returns:
        The analysis; control = the arm of kind 'control' in the `arms` table (else the first
        arm), SRM against the planned allocation there. No rows, no numeric metric or a single
        arm give status 'insufficient_data' with a note, never an exception.

    Raises:
        StoreError: the covariate is not a numeric field of this experiment.
    """
    from experiments import experiment

    with store.cursor() as cur:
        stored = experiment.load(cur, int(experiment_id))
        fields = results_sql.result_fields(cur, experiment_id)
        arms = list(stored.arms) if stored else []
        by_name = {f.field: f for f in fields}
        if covariate is not None and not (
            covariate in by_name and by_name[covariate].numeric and covariate != "arm"
        ):
            raise StoreError(Text("store.error.covariate_not_result", field=quoted(covariate)))
        requested = list(dict.fromkeys(metrics)) if metrics is not None else None
        chosen = requested if requested is not None else default_metrics(fields, covariate)
        usable = [
            m
            for m in chosen
            if m in by_name and by_name[m].numeric and m not in (covariate, results_sql.ARM_COLUMN)
        ]
        skipped = [m for m in chosen if m not in usable]
        if margin_rate is None:
            from experiments.metrics import resolve_margin_rate

            margin_rate, _ = resolve_margin_rate(cur, None, stored)
        currency = store_settings.currency(cur)
        costs = {
            a.name: LeverCost(a.kind, a.discount_pct, a.cost_per_customer, a.redemption_share)
            for a in (stored.arms if stored else ())
        }
        if not any(c.costs_money for c in costs.values()):
            costs = {}  # a file that knows no lever costs is judged on its own metrics
        money = money_field if money_field in by_name else suggest_money_field(fields)
        if not costs or NET_VALUE in by_name:
            money = None
        match = results_sql.arm_match(cur, experiment_id)
        frame = results_sql.result_frame(
            cur,
            experiment_id,
            list(
                dict.fromkeys(
                    [*usable, *([money] if money else []), *([covariate] if covariate else [])]
                )
            ),
            by_assignment=match.by_assignment,
        )
    note = f"Skipped (not a numeric field): {', '.join(skipped)}." if skipped else ""
    texts = [
        f.field
        for f in fields
        if not f.numeric
        and f.field != results_sql.ARM_COLUMN
        and _words(f.field) & _OUTCOME_WORDS
        and f.field not in skipped
    ]
    if texts:  # an outcome column with a word (or a number beyond MAX_ABS_RESULT_VALUE) in it
        note = (
            f"{note} Not analysed because some cells hold text, not numbers: "
            f"{', '.join(texts)} (a word, or a value beyond +-{config.MAX_ABS_RESULT_VALUE:g})."
        ).strip()
    if match.by_assignment and (match.relabelled or match.unknown):
        note = (
            f"{note} Arms come from the experiment's own assignments: "
            + (
                f"{match.relabelled} row(s) of the file name another arm than the customer was "
                "assigned to (the assigned arm is used); "
                if match.relabelled
                else ""
            )
            + (
                f"{match.unknown} customer(s) in the file were never assigned in this "
                "experiment and are left out."
                if match.unknown
                else ""
            )
        ).strip()
    if costs and not frame.empty:
        unknown = sorted(set(map(str, frame[results_sql.ARM_COLUMN].dropna())) - set(costs))
        costs.update({arm: LeverCost("unknown") for arm in unknown})
        if unknown:
            note = (
                f"{note} Arm(s) in the file that the experiment does not have: "
                f"{', '.join(unknown)}; their costs are unknown."
            ).strip()
    if money is not None and not frame.empty:
        parts = [
            net_value(part[money], costs.get(str(arm), LeverCost("control")), margin_rate)
            for arm, part in frame.groupby(results_sql.ARM_COLUMN, sort=False)
        ]
        frame[NET_VALUE] = pd.concat(parts).reindex(frame.index)
        usable = [NET_VALUE, *usable]
        by_name = {**by_name, NET_VALUE: ResultField(NET_VALUE, True, False, len(frame))}
    control = next((a.name for a in arms if a.kind == "control"), arms[0].name if arms else "")
    allocation = stored.planned_shares if stored else None  # the plan, never the realised split
    assumed = stored.plan_assumed_equal if stored else True
    if frame.empty:
        empty = _insufficient(
            frame, control, allocation, correction, alpha, cap,
            "No result rows are stored for this experiment.", assumed,
        )  # fmt: skip
        return replace(empty, currency=currency)
    if not usable:
        why = "Choose at least one metric." if requested == [] else "No numeric field to analyse."
        nothing = _insufficient(
            frame, control, allocation, correction, alpha, cap, f"{why} {note}".strip(), assumed
        )
        return replace(nothing, currency=currency)
    if not control:
        control = str(frame[results_sql.ARM_COLUMN].iloc[0])
    analysis = analyze_frame(
        frame,
        results_sql.ARM_COLUMN,
        control,
        [(m, "binary" if by_name[m].binary else "money") for m in usable],
        covariate=covariate,
        correction=correction,
        cap=cap,
        alpha=alpha,
        allocation=allocation,
        plan_assumed_equal=assumed,
    )
    present = [a.arm for a in analysis.arms if a.n > 0]
    if len(present) < 2 or control not in present:
        why = (
            f"Only one arm ({', '.join(present)}) in the results: nothing to compare it with."
            if len(present) < 2
            else f"The control arm {quoted(control)} has no rows in the results."
        )
        analysis = replace(analysis, status="insufficient_data", note=f"{why} {note}".strip())
    elif note:
        analysis = replace(analysis, note=note)
    return replace(
        analysis,
        money_field=money,
        margin_rate=margin_rate if money is not None else None,
        lever_costs=costs,
        currency=currency,
    )


def metric_unit(analysis: FileAnalysis, metric: str) -> str:
    """How a metric's differences read: 'pp' for 0/1 rates, the store's currency otherwise."""
    return "pp" if analysis.metrics.get(metric) == "binary" else analysis.currency


def arms_table(analysis: FileAnalysis) -> pd.DataFrame:
    """Per-arm size and means for display: rates in %, money as is; control first.

    Columns: arm, role, customers, expected (customers the planned split implies, for the SRM
    check), then one column per metric named '<metric>, %' or '<metric>, <currency>'.
    """
    rows = []
    for arm in analysis.arms:
        row: dict[str, object] = {
            "arm": arm.arm,
            "role": "control" if arm.is_control else "treated",
            "customers": arm.n,
            "expected": analysis.srm.expected.get(arm.arm),
        }
        for metric, kind in analysis.metrics.items():
            mean = arm.means.get(metric)
            if kind == "binary":
                row[f"{metric}, %"] = None if mean is None else mean * 100
            else:
                row[f"{metric}, {analysis.currency}"] = mean
        rows.append(row)
    return pd.DataFrame(rows)


_EFFECT_COLUMNS = [
    "arm", "metric", "method", "unit", "control", "arm value", "difference", "ci_low",
    "ci_high", "rel_lift", "p_value", "p_adjusted", "n_control", "n_arm", "status", "note",
]  # fmt: skip


def effects_table(analysis: FileAnalysis) -> pd.DataFrame:
    """One row per arm x metric x method, rates in % (differences in pp), for screen and CSV."""
    rows = []
    for e in analysis.effects:
        scale = 100.0 if analysis.metrics.get(e.metric) == "binary" else 1.0

        def scaled(value: float | None, scale: float = scale) -> float | None:
            return None if value is None else value * scale

        rows.append(
            {
                "arm": e.arm,
                "metric": e.metric,
                "method": e.method,
                "unit": "%, pp" if scale == 100.0 else analysis.currency,
                "control": scaled(e.control_mean),
                "arm value": scaled(e.arm_mean),
                "difference": scaled(e.diff),
                "ci_low": scaled(e.ci_low),
                "ci_high": scaled(e.ci_high),
                "rel_lift": e.rel_lift,
                "p_value": e.p_value,
                "p_adjusted": e.p_adjusted,
                "n_control": e.n_control,
                "n_arm": e.n_arm,
                "status": e.status,
                "note": e.note,
            }
        )
    return pd.DataFrame(rows, columns=_EFFECT_COLUMNS)


def effects_csv(analysis: FileAnalysis) -> bytes:
    """`effects_table` as CSV for Excel: UTF-8 BOM, and labels from the file that a spreadsheet
    would run as formulas (=, +, -, @) prefixed with ' so they stay text."""
    from experiments import export

    return export.csv(effects_table(analysis))
