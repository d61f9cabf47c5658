"""The design of an experiment before it starts: arms, metrics, verdict rule, salt, audience."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field
from typing import Literal, get_args

from experiments import catalogue, config
from experiments.design.arms import ArmSpec, DesignError
from experiments.design.audience import AudienceFilter
from experiments.i18n.text import Text, joined
from experiments.store import StoreError

PrimaryMetric = Literal["repeat_purchase", "net_value"]
Stratification = Literal["none", "rfm_segment", "spend_tier"]
PRIMARY_METRICS: tuple[str, ...] = get_args(PrimaryMetric)
STRATIFICATIONS: tuple[str, ...] = get_args(Stratification)

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
            found.append(Text("design.problem.no_name"))
        if len(self.arms) < 2:
            found.append(Text("design.problem.two_arms"))
        controls = sum(a.kind == "control" for a in self.arms)
        if controls != 1:
            found.append(_control_message(controls))
        names = [a.name.strip().casefold() for a in self.arms]
        duplicates = sorted(
            {a.name for a in self.arms if names.count(a.name.strip().casefold()) > 1}
        )
        if duplicates:
            found.append(Text("design.problem.duplicate_arms", names=", ".join(duplicates)))
        for arm in self.arms:
            found.extend(arm.problems())
        if self.primary_metric not in PRIMARY_METRICS:
            found.append(Text("design.problem.primary", names=", ".join(PRIMARY_METRICS)))
        if not 1 <= self.horizon_days <= 730:
            found.append(Text("design.problem.horizon"))
        unknown = sorted(set(self.secondary_metrics) - set(SECONDARY_METRICS))
        if unknown:
            found.append(Text("design.problem.secondary", names=", ".join(unknown)))
        unknown = sorted(set(self.guardrails) - set(GUARDRAILS))
        if unknown:
            found.append(Text("design.problem.guardrails", names=", ".join(unknown)))
        if not any(math.isclose(self.confidence, c) for c in config.CONFIDENCE_CHOICES):
            levels = ", ".join(f"{c:.0%}" for c in config.CONFIDENCE_CHOICES)
            found.append(Text("design.problem.confidence", levels=levels))
        if self.correction not in CORRECTIONS:
            found.append(Text("design.problem.correction", names=", ".join(CORRECTIONS)))
        if not 0 <= self.guardrail_margin_pct <= 100:
            found.append(Text("design.problem.guardrail_margin"))
        if self.stratify_by not in STRATIFICATIONS:
            found.append(Text("design.problem.stratify", names=", ".join(STRATIFICATIONS)))
        if not self.salt:
            found.append(Text("design.problem.salt"))
        found.extend(self.audience.problems())
        return found

    def validate(self) -> None:
        """Raise `DesignError` listing every problem, or return quietly."""
        found = self.problems()
        if found:
            raise DesignError(joined(found))


def _control_message(count: int) -> str:
    if count == 0:
        return Text("design.problem.no_control")
    return Text("design.problem.controls", number=count)


def check_spec(spec: ExperimentSpec) -> None:
    """Raise StoreError listing every problem of the design (what the store refuses to write)."""
    problems = spec.problems()
    if problems:
        raise StoreError(joined(problems))
