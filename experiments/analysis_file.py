"""Analyse a standalone results file (one row per customer, an arm column, metric columns).

For experiments run outside Loyalty Lab: the file needs no customer id. DuckDB reads the file
and returns per-arm sufficient statistics (`experiments/store/filestats.py`); `experiments.stats`
does all inference from those numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from experiments import config, stats
from experiments.stats import Correction, Effect, MetricKind, SampleStats, SrmResult
from experiments.store import StoreError, filestats


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
        correction: multiple-testing correction across arms x metrics.
        alpha: significance level.
        cap: whether money metrics were capped.
        caps: money metric -> (lower, upper) thresholds applied (None = no cap on that side).
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
        }


def analyze_frame(
    source: pd.DataFrame | str | Path,
    arm_col: str,
    control_label: str,
    metrics: Sequence[tuple[str, MetricKind | None]],
    covariate: str | None = None,
    correction: Correction = "holm",
    cap: bool = True,
    alpha: float = config.ALPHA,
    allocation: Mapping[str, float] | None = None,
    cap_percentile: float = config.DEFAULT_CAP_PERCENTILE,
) -> FileAnalysis:
    """Effects of every arm against the control on every metric of a results file.

    Args:
        source: a DataFrame, or a path to a .csv / .parquet / .xlsx file.
        arm_col: column holding the arm label.
        control_label: label of the control arm (compared as text).
        metrics: (column, kind) pairs; kind None = guess: only 0/1 values -> 'binary',
            else 'money'.
        covariate: pre-period column for CUPED (e.g. last year's spend); adds 'cuped' rows.
        correction: 'holm' (default), 'bh' or 'none', across arms x metrics per method.
        cap: winsorise money metrics at pooled thresholds (`stats.cap_thresholds` semantics)
            before any estimator, so a few whales do not decide the test.
        alpha: significance level.
        allocation: planned arm weights for the SRM test; default equal split over the arms
            present (plus the control if absent).
        cap_percentile: percentile of the non-zero values used as the cap.

    Raises:
        StoreError: unreadable file, a column that is not in the file, or a non-numeric metric
            (the CLI prints the message and exits 2). Degenerate data is not an error: it gives
            'insufficient_data' rows.
    """
    if not metrics:
        raise StoreError("Give at least one metric column.")
    with duckdb.connect() as cur:
        filestats.load_source(cur, source)
        kinds: dict[str, MetricKind] = {}
        for column, kind in metrics:
            if filestats.non_numeric_count(cur, column):
                raise StoreError(f"Metric column {column!r} holds values that are not numbers.")
            kinds[column] = kind or ("binary" if filestats.is_binary(cur, column) else "money")
        if covariate and filestats.non_numeric_count(cur, covariate):
            raise StoreError(f"Covariate column {covariate!r} holds values that are not numbers.")
        caps: dict[str, tuple[float | None, float | None]] = {}
        if cap:
            for column, kind in kinds.items():
                if kind == "money":
                    caps[column] = filestats.cap_thresholds(cur, column, cap_percentile)
        table = filestats.arm_sufficient_stats(cur, arm_col, list(kinds), covariate, caps)

    per_arm: dict[str, dict[str, SampleStats]] = {}
    sizes: dict[str, int] = {}
    for row in table.to_dict(orient="records"):
        arm = str(row["arm"])
        sizes[arm] = int(row["rows"])
        per_arm[arm] = {
            metric: SampleStats(
                n=int(row[f"m{i}_n"]),
                sum=float(row[f"m{i}_sum"]),
                sum_squares=float(row[f"m{i}_sum_squares"]),
                cov_sum=float(row.get(f"m{i}_cov_sum", 0.0)),
                cov_sum_squares=float(row.get(f"m{i}_cov_sum_squares", 0.0)),
                cross_sum=float(row.get(f"m{i}_cross_sum", 0.0)),
            )
            for i, metric in enumerate(kinds)
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
    plan = dict(allocation) if allocation else dict.fromkeys([control, *ordered], 1.0)
    srm = stats.srm_test(sizes, plan)
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
