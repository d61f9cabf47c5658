"""The experiment record: one typed, frozen shape of a stored experiment with its arms.

The store returns rows (`store.overview.ExperimentRow`, `ArmRow`); `from_rows` is the one
function that turns them into an `Experiment`, and `load` / `from_link` / `list_all` are the
only ways to get one. The CLI, every page, the analysis, the decision rule and the reports read
this record, so what the Design page shows, what "Copy into a new draft" carries and what the
analysis charges are the same numbers (the demo gift once read back at 180 RUB while the
analysis charged the 250 stored).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from experiments import config, stats
from experiments.store import Cursor, overview

if TYPE_CHECKING:
    import pandas as pd

    from experiments.design import ArmSpec, AudienceFilter, ExperimentSpec
    from experiments.store import Store

DEMO_SOURCE = overview.DEMO_SOURCE
RESULTS_FILE_SOURCE = overview.RESULTS_FILE_SOURCE
UPLOADED_SOURCE = "uploaded"  # experiments.source of one made from an assignment file
# arms.params keys that are ArmSpec's cost inputs; the rest (validity_days, ...) travel as extras
COST_PARAMS = ("gift_cost", "minutes", "hourly_cost", "custom_cost")
SPLIT_ASSUMED_EQUAL = overview.SPLIT_ASSUMED_EQUAL  # settings key: no --split, equal assumed
_SPLIT_SOURCES = (RESULTS_FILE_SOURCE, UPLOADED_SOURCE)  # the plan comes from the user, or equal
_MAX_ID_DIGITS = 18  # int('9' * 5000) raises; no id has more digits than a BIGINT


@dataclass(frozen=True)
class Arm:
    """One arm of a stored experiment, as the analysis charges it.

    Attributes:
        arm_id: position of the arm in the experiment (0-based; assignments refer to it).
        name: label shown to users and in exports; unique within the experiment.
        kind: control, discount, gift, outreach or custom (`design.ArmKind`).
        allocation: relative weight of the arm in the planned split: the design's, or for a
            list randomized elsewhere and a campaign result file the split given with
            `--split` (else equal: `Experiment.plan_assumed_equal`). Never the observed share:
            the sample-ratio check compares the observed shares with this.
        discount_pct: percent off an order (discount arms; 0 otherwise).
        redemption_share: expected share of customers who use the discount, 0..1.
        cost_per_customer: the fixed cost per assigned customer as stored: what the analysis
            subtracts from net value and what `spec()` reads back.
        params: the arm's other stored inputs (arms.params JSON: gift_cost, delivery_cost,
            minutes, hourly_cost, custom_cost, validity_days, ...), numbers only.
    """

    arm_id: int
    name: str
    kind: str
    allocation: float
    discount_pct: float
    redemption_share: float
    cost_per_customer: float
    params: Mapping[str, float] = field(default_factory=dict)

    def spec(self) -> ArmSpec:
        """The arm as a design input whose `cost_per_customer` equals the stored one.

        A gift's stored cost includes its delivery (the demo stores gift_cost 180 and
        delivery_cost 70 apart, and charges 250), so the design's "gift incl. delivery" is the
        stored cost; a custom arm's cost is the stored one. Outreach keeps its minutes and hourly
        cost when they give the stored cost, else it reads as one hour at the stored cost.
        Params that are not cost inputs (validity_days, ...) are carried as `extra_params`.
        """
        from experiments.design import ArmSpec

        cost = self.cost_per_customer
        minutes = self.params.get("minutes", 0.0)
        hourly = self.params.get("hourly_cost", 0.0)
        if self.kind == "outreach" and not math.isclose(minutes / 60 * hourly, cost):
            minutes, hourly = 60.0, cost
        folded = {"delivery_cost"} if self.kind == "gift" else set()
        return ArmSpec(
            name=self.name,
            kind=self.kind,  # type: ignore[arg-type]
            allocation=self.allocation,
            discount_pct=self.discount_pct,
            redemption_share=self.redemption_share,
            gift_cost=cost if self.kind == "gift" else self.params.get("gift_cost", 0.0),
            minutes=minutes,
            hourly_cost=hourly,
            custom_cost=cost if self.kind == "custom" else self.params.get("custom_cost", 0.0),
            extra_params=tuple(
                sorted((k, v) for k, v in self.params.items() if k not in (*COST_PARAMS, *folded))
            ),
        )

    def as_json(self) -> dict[str, object]:
        """The arm as `list --json` prints it."""
        return {
            "arm_id": self.arm_id,
            "name": self.name,
            "kind": self.kind,
            "allocation": self.allocation,
            "discount_pct": self.discount_pct,
            "redemption_share": self.redemption_share,
            "cost_per_customer": self.cost_per_customer,
            "params": dict(self.params),
        }


@dataclass(frozen=True)
class Experiment:
    """An experiment as the store holds it, with its arms and its design rule.

    Attributes:
        id: store id (experiments.experiment_id); links carry it.
        name: unique name, stored stripped.
        status: draft, running or completed (`design.Status`).
        hypothesis: what the marketer expected and why.
        salt: seed of the hash that assigned the arms.
        primary_metric: repeat_purchase or net_value.
        horizon_days: the planned horizon (days after assignment).
        source: "designed" (Design page / CLI), "uploaded" (an assignment file), "demo", or
            "results_file" (made from a campaign result file).
        created_at: when it was saved first (None for rows written without it).
        started_at: when the assignments were frozen (None for a draft).
        ended_at: when it was completed (None until then).
        customers: customers assigned; for a campaign result file that assigned nobody, its
            rows (one per customer).
        archived: kept and readable but out of the way (`design_sql.set_archived`).
        arms: the arms in arm_id order.
        secondary_metrics: names reported but not decided on.
        guardrails: guardrail names as stored (a name no longer offered is kept: the verdict
            reports it as not analysed).
        confidence: the verdict's confidence level, fixed at design (default config.CONFIDENCE;
            a stored value outside (0, 1) reads as the default).
        correction: the verdict's multiple-testing correction (one of config.CORRECTIONS).
        guardrail_margin_pct: non-inferiority margin of every guardrail, % of control's mean.
        stratify_by: none, rfm_segment or spend_tier.
        audience: who was eligible (`design.AudienceFilter`).
        code_prefix: prefix of personal coupon codes, or None.
        margin_rate: the experiment's own margin rate for transactions without a margin, or
            None (then the store's, then config's: `metrics.resolve_margin_rate`).
        audience_as_of: the day the audience was computed for at start (ISO), or None.
        settings: the settings JSON as stored, for keys that belong to other modules (the
            result file's field order, ...). Read the typed fields above instead where one
            exists.
        plan_assumed_equal: the planned split was not given (a list or a result file loaded
            without `--split`, or stored before the split was kept: their allocation held the
            observed shares) and is taken as equal; the sample-ratio check says so.
    """

    id: int
    name: str
    status: str
    hypothesis: str
    salt: str
    primary_metric: str
    horizon_days: int
    source: str
    created_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    customers: int
    archived: bool
    arms: tuple[Arm, ...]
    secondary_metrics: tuple[str, ...]
    guardrails: tuple[str, ...]
    confidence: float
    correction: str
    guardrail_margin_pct: float
    stratify_by: str
    audience: AudienceFilter
    code_prefix: str | None
    margin_rate: float | None
    audience_as_of: str | None
    settings: Mapping[str, object] = field(default_factory=dict)
    plan_assumed_equal: bool = False

    @property
    def planned_shares(self) -> dict[str, float]:
        """Arm name -> planned share of customers (the arms' allocation, normalised): what the
        sample-ratio check compares the arm sizes with."""
        return stats.planned_shares({a.name: a.allocation for a in self.arms})

    @property
    def demo(self) -> bool:
        """The seeded demo experiment."""
        return self.source == DEMO_SOURCE

    @property
    def from_results_file(self) -> bool:
        """Made from a campaign result file (its outcomes come measured)."""
        return self.source == RESULTS_FILE_SOURCE

    @property
    def control(self) -> Arm | None:
        """The control arm, or None when there is not exactly one."""
        controls = [a for a in self.arms if a.kind == "control"]
        return controls[0] if len(controls) == 1 else None

    def arm(self, name: str) -> Arm | None:
        """The arm of that name, or None."""
        return next((a for a in self.arms if a.name == name), None)

    def spec(self) -> ExperimentSpec:
        """The design as the Design page edits it: arms read back at their stored costs.

        Guardrails no longer offered are left out (a new design cannot choose them); a metric
        or stratification the design does not know reads as its default.
        """
        from experiments import design

        return design.ExperimentSpec(
            name=self.name,
            arms=tuple(a.spec() for a in self.arms),
            hypothesis=self.hypothesis,
            primary_metric=self.primary_metric  # type: ignore[arg-type]
            if self.primary_metric in design.PRIMARY_METRICS
            else "repeat_purchase",
            horizon_days=self.horizon_days,
            secondary_metrics=self.secondary_metrics,
            guardrails=tuple(g for g in self.guardrails if g in design.GUARDRAILS),
            confidence=self.confidence,
            correction=self.correction,
            guardrail_margin_pct=self.guardrail_margin_pct,
            stratify_by=self.stratify_by  # type: ignore[arg-type]
            if self.stratify_by in design.STRATIFICATIONS
            else "none",
            salt=self.salt,
            audience=self.audience,
            code_prefix=self.code_prefix,
        )

    def progress(self, observed_days: int | None) -> HorizonProgress:
        """The experiment against its planned horizon, given `overview.observed_days`."""
        return HorizonProgress(self.status, self.horizon_days, observed_days)

    def as_json(self) -> dict[str, object]:
        """The experiment as `list --json` prints it."""
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "primary_metric": self.primary_metric,
            "horizon_days": self.horizon_days,
            "source": self.source,
            "started_at": self.started_at.isoformat(sep=" ") if self.started_at else None,
            "ended_at": self.ended_at.isoformat(sep=" ") if self.ended_at else None,
            "arms": [a.as_json() for a in self.arms],
            "customers": self.customers,
            "archived": self.archived,
            "demo": self.demo,
            "plan": self.planned_shares,
            "plan_assumed_equal": self.plan_assumed_equal,
        }


def planned_split(
    weights: Mapping[str, float] | None, arms: Sequence[str], *, refusals: str = "split"
) -> tuple[dict[str, float], bool]:
    """The planned split to store for a list or a result file: (shares per arm, assumed equal).

    `weights` is what the marketer gave (`--split ARM=WEIGHT`, any positive scale); None or
    empty: the equal split, assumed. Every arm needs a weight, no other arm may be named, and
    weights are finite and positive: a split that does not describe the file is refused, not
    guessed, so the sample-ratio check never runs against a plan nobody made.

    `refusals` is the catalogue prefix of the refusals: "split" for a load or a registration
    ("Nothing was loaded."), "split.set" for the split of an existing experiment
    (`set_planned_split`: "Nothing was changed.").

    Raises:
        StoreError: an arm the file does not have, an arm without a weight, or a weight that
            is not a positive number (nothing is written then).
    """
    from experiments.i18n.text import Text
    from experiments.store import StoreError

    names = list(dict.fromkeys(arms))
    if not weights:
        return stats.equal_split(names), True
    listed = ", ".join(names)
    unknown = [a for a in weights if a not in names]
    if unknown:
        raise StoreError(Text(f"{refusals}.unknown_arms", names=", ".join(unknown), arms=listed))
    bad = [a for a, w in weights.items() if not (math.isfinite(float(w)) and float(w) > 0)]
    if bad:
        raise StoreError(Text(f"{refusals}.not_positive", names=", ".join(bad)))
    missing = [a for a in names if a not in weights]
    if missing:
        raise StoreError(Text(f"{refusals}.missing_arms", names=", ".join(missing), arms=listed))
    return stats.planned_shares({a: float(weights[a]) for a in names}), False


def split_settable(found: Experiment) -> bool:
    """Its planned split is the marketer's to give (a results file, a registered list), not
    frozen at launch as a design's allocation is (the randomization followed it)."""
    return found.source in _SPLIT_SOURCES


def set_planned_split(store: Store, found: Experiment, weights: Mapping[str, float]) -> Experiment:
    """Give an existing results-file or registered experiment its real planned split (a 90/10
    holdout loaded without `--split` read as equal and was held as "check the data").

    Weights as `planned_split` takes them (any positive scale, every arm, no other); the
    sample-ratio check compares the arm sizes with them from now on. Returns the record read
    back.

    Raises:
        StoreError: a designed experiment (its allocation was frozen at launch), or weights
            that do not fit its arms; the store is unchanged then.
    """
    from experiments.i18n.text import Text
    from experiments.store import StoreError, design_sql

    if not split_settable(found):
        raise StoreError(Text("split.set.frozen", name=found.name))
    names = [a.name for a in found.arms]
    if not weights:  # planned_split would take none as the equal split, assumed
        listed = ", ".join(names)
        raise StoreError(Text("split.set.missing_arms", names=listed, arms=listed))
    shares, _ = planned_split(weights, names, refusals="split.set")
    design_sql.set_planned_split(store, found.id, shares, _SPLIT_SOURCES)
    with store.cursor() as cur:
        stored = load(cur, found.id)
    assert stored is not None
    return stored


def _json_object(text: object) -> dict[str, object]:
    if isinstance(text, Mapping):
        return dict(text)
    if not text:
        return {}
    try:
        value = json.loads(str(text))
    except ValueError:
        return {}
    return dict(value) if isinstance(value, dict) else {}


def _number(value: object, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(value) if math.isfinite(float(value)) else default


def _optional_number(value: object) -> float | None:
    number = _number(value, math.nan)
    return None if math.isnan(number) else number


def _names(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _arm(row: overview.ArmRow) -> Arm:
    params = {
        str(k): float(v)
        for k, v in _json_object(row.params).items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }
    return Arm(
        arm_id=int(row.arm_id),
        name=str(row.name),
        kind=str(row.kind),
        allocation=float(row.allocation),
        discount_pct=float(row.discount_pct or 0.0),
        redemption_share=float(1.0 if row.redemption_share is None else row.redemption_share),
        cost_per_customer=float(row.cost_per_customer or 0.0),
        params=params,
    )


def from_rows(row: overview.ExperimentRow, arms: Sequence[overview.ArmRow]) -> Experiment:
    """The one builder of the record: an experiment row and its arm rows (any order)."""
    from experiments.design import AudienceFilter

    settings = _json_object(row.settings)
    confidence = _number(settings.get("confidence"), config.CONFIDENCE)
    correction = str(settings.get("correction", config.DEFAULT_CORRECTION))
    code_prefix = settings.get("code_prefix")
    margin = settings.get("margin_rate")
    as_of = settings.get("audience_as_of")
    built = tuple(_arm(a) for a in sorted(arms, key=lambda a: int(a.arm_id)))
    assumed = settings.get(SPLIT_ASSUMED_EQUAL) is True
    if str(row.source) in _SPLIT_SOURCES and SPLIT_ASSUMED_EQUAL not in settings:
        # stored before the plan was kept: the allocation is the observed share, which the
        # sample-ratio check would always pass (p = 1); no plan given reads as equal
        equal = stats.equal_split([a.name for a in built])
        built = tuple(replace(a, allocation=equal[a.name]) for a in built)
        assumed = True
    return Experiment(
        id=int(row.experiment_id),
        name=str(row.name),
        status=str(row.status),
        hypothesis=str(row.hypothesis or ""),
        salt=str(row.salt or ""),
        primary_metric=str(row.primary_metric or "repeat_purchase"),
        horizon_days=int(row.horizon_days or config.DEFAULT_HORIZON_DAYS),
        source=str(row.source),
        created_at=row.created_at,
        started_at=row.started_at,
        ended_at=row.ended_at,
        customers=int(row.customers or 0),
        archived=settings.get("archived") is True,
        arms=built,
        secondary_metrics=_names(settings.get("secondary_metrics")),
        guardrails=_names(settings.get("guardrails")),
        confidence=confidence if 0 < confidence < 1 else config.CONFIDENCE,
        correction=correction if correction in config.CORRECTIONS else config.DEFAULT_CORRECTION,
        guardrail_margin_pct=_number(
            settings.get("guardrail_margin_pct"), config.GUARDRAIL_MARGIN_PCT
        ),
        stratify_by=str(settings.get("stratify_by") or "none"),
        audience=AudienceFilter.from_json(settings.get("audience")),
        code_prefix=code_prefix if isinstance(code_prefix, str) else None,
        margin_rate=_optional_number(margin),
        audience_as_of=as_of if isinstance(as_of, str) else None,
        settings=settings,
        plan_assumed_equal=assumed,
    )


def _build(cur: Cursor, experiment_id: int | None = None) -> list[Experiment]:
    rows = overview.experiment_rows(cur, experiment_id)
    arms: dict[int, list[overview.ArmRow]] = {}
    for arm in overview.arm_rows(cur, experiment_id):
        arms.setdefault(int(arm.experiment_id), []).append(arm)
    return [from_rows(r, arms.get(int(r.experiment_id), [])) for r in rows]


def list_all(cur: Cursor) -> list[Experiment]:
    """Every experiment with its arms, in id order: the one list the tables and pickers use."""
    return _build(cur)


def load(cur: Cursor, key: int | str) -> Experiment | None:
    """An experiment by id or by what a person typed, or None. The one lookup rule:

    - an `int` is an id (links carry ids: `from_link` turns their digits into one);
    - a `str` is what a person typed: the experiment of that name (surrounding spaces
      ignored) when there is one, else, when it is all ASCII digits, the one with that id.

    So an experiment named "2" is found by its name from the CLI, the analysis and the Design
    page, and id 2 stays reachable as an int (a link) or, when nothing is named "2", as "2".
    """
    if isinstance(key, str):
        text = key.strip()  # names are stored stripped
        named = overview.experiment_id_named(cur, key)
        if named is None and text != key:
            named = overview.experiment_id_named(cur, text)
        if named is not None:
            key = named
        elif text.isascii() and text.isdigit() and len(text) <= _MAX_ID_DIGITS:
            key = int(text)
        else:
            return None
    found = _build(cur, int(key))
    return found[0] if found else None


def from_link(cur: Cursor, value: str | None) -> Experiment | None:
    """The experiment a link's `experiment=` value names: all ASCII digits are an id.

    Links made by the app carry ids; a value with other characters (a link from before ids)
    is looked up as a name.
    """
    if value is None:
        return None
    if value.isascii() and value.isdigit():
        return load(cur, int(value)) if len(value) <= _MAX_ID_DIGITS else None
    return load(cur, value)


@dataclass(frozen=True)
class HorizonProgress:
    """How far an experiment's data reaches against its planned horizon.

    Attributes:
        status: the experiment's status (draft, running, completed).
        horizon_days: the planned horizon.
        observed_days: the longest horizon every assigned customer is observed for
            (`overview.observed_days`), or None without data after the last assignment.
    """

    status: str
    horizon_days: int
    observed_days: int | None

    @property
    def fully_observed(self) -> bool:
        """Every customer is observed for the whole planned horizon: ready to read."""
        return self.observed_days is not None and self.observed_days >= self.horizon_days

    @property
    def reading(self) -> str:
        """How far the data reaches, in a few words: 'day 21 of 60' or 'ready to read'."""
        if self.status == "draft":
            return "not started"
        if self.fully_observed:
            return f"ready to read: the planned {self.horizon_days} days are observed"
        if self.observed_days is None:
            return "no data after the assignment yet"
        return f"day {self.observed_days} of {self.horizon_days}"

    @property
    def text(self) -> str:
        """The status line: 'running, day 21 of 60', or past the planned horizon 'running,
        day 88: the planned 60 days are observed — ready to read'."""
        if self.status != "running" or self.observed_days is None:
            return self.status
        if self.fully_observed:
            return (
                f"running, day {self.observed_days}: the planned {self.horizon_days} days are "
                "observed — ready to read"
            )
        return f"running, day {self.observed_days} of {self.horizon_days}"


def table(cur: Cursor) -> pd.DataFrame:
    """Every experiment on one line: status, size, levers and how far its data reaches.

    `progress` is the share of the planned horizon that every customer is observed for
    (capped at 1); None for campaign result files, whose outcomes come measured. `reading`
    says the same in words (`HorizonProgress.reading`), e.g. 'ready to read: the planned 60
    days are observed'.
    """
    import pandas as pd

    observed = overview.all_observed_days(cur)
    rows = []
    for e in list_all(cur):
        days = observed.get(e.id)
        from_file = e.from_results_file
        rows.append(
            {
                "experiment": e.name,
                "status": e.status,
                "started": str(e.started_at or "")[:10] or None,
                "customers": e.customers,
                "levers": ", ".join(a.name for a in e.arms if a.kind != "control"),
                "horizon_days": None if from_file else e.horizon_days,
                "observed_days": None if from_file else days,
                "progress": None if from_file else min((days or 0) / max(e.horizon_days, 1), 1.0),
                "reading": "measured (campaign result file)"
                if from_file
                else e.progress(days).reading,
            }
        )
    columns = ["experiment", "status", "started", "customers", "levers", "horizon_days",
               "observed_days", "progress", "reading"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
