"""Arms of an experiment and what each costs: kinds, allocation weights, cost per customer."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

from experiments import config
from experiments.i18n.text import Text

ArmKind = Literal["control", "discount", "gift", "outreach", "custom"]
ARM_KINDS: tuple[str, ...] = get_args(ArmKind)


class DesignError(ValueError):
    """A design the user must fix; the message says what and how."""


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
        extra_params: stored inputs that set no cost here (the demo's validity_days, ...),
            (name, value) pairs kept so that a copy of a stored arm stores them again.
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
    extra_params: tuple[tuple[str, float], ...] = ()

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
        """Inputs that have no column of their own in `arms` (stored as arms.params)."""
        return {
            **dict(self.extra_params),
            "gift_cost": self.gift_cost,
            "minutes": self.minutes,
            "hourly_cost": self.hourly_cost,
            "custom_cost": self.custom_cost,
        }

    def problems(self) -> list[str]:
        """What is wrong with the arm ([] = valid), as `Text`s (``design.problem.arm_*``)."""
        label = (
            Text("design.problem.arm_named", name=self.name)
            if self.name.strip()
            else Text("design.problem.arm_unnamed")
        )
        found: list[str] = []
        if not self.name.strip():
            found.append(Text("design.problem.arm_name"))
        if self.kind not in ARM_KINDS:
            found.append(Text("design.problem.arm_kind", arm=label, kinds=", ".join(ARM_KINDS)))
        if not (math.isfinite(self.allocation) and self.allocation > 0):
            found.append(Text("design.problem.arm_allocation", arm=label))
        if self.kind == "discount" and not 0 < self.discount_pct <= 100:
            found.append(Text("design.problem.arm_discount", arm=label))
        if not 0 <= self.redemption_share <= 1:
            found.append(Text("design.problem.arm_redemption", arm=label))
        for field_name in ("gift_cost", "minutes", "hourly_cost", "custom_cost"):
            value = getattr(self, field_name)
            field_label = Text(f"design.cost_field.{field_name}")
            if not (math.isfinite(value) and value >= 0):
                found.append(Text("design.problem.arm_negative", arm=label, field=field_label))
            elif value > config.MAX_ABS_AMOUNT:
                found.append(
                    Text(
                        "design.problem.arm_too_large",
                        arm=label,
                        field=field_label,
                        value=f"{value:g}",
                        limit=f"{config.MAX_ABS_AMOUNT:g}",
                    )
                )
        return found
