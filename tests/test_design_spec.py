"""Arms, audience filters and the whole design: costs and plain-language validation."""

from __future__ import annotations

import pytest

from experiments import design
from experiments.design import ArmSpec, ExperimentSpec

CONTROL = ArmSpec("control", "control")
GIFT = ArmSpec("gift", "gift", gift_cost=250.0)
DISCOUNT = ArmSpec("10% off", "discount", discount_pct=10, redemption_share=0.4)


def ids(n: int) -> list[str]:
    return [f"cust-{i}" for i in range(n)]


def test_cost_per_customer_by_kind():
    assert CONTROL.cost_per_customer == 0
    assert GIFT.cost_per_customer == 250.0
    assert ArmSpec("call", "outreach", minutes=15, hourly_cost=800).cost_per_customer == 200.0
    assert ArmSpec("x", "custom", custom_cost=12.5).cost_per_customer == 12.5
    # a discount is paid out of margin on redeemed orders, not per customer
    assert DISCOUNT.cost_per_customer == 0
    assert DISCOUNT.expected_cost(2000) == pytest.approx(0.10 * 0.4 * 2000)
    assert GIFT.expected_cost(2000) == 250.0


def test_valid_spec_has_no_problems():
    spec = ExperimentSpec("Q3 gift vs discount", (CONTROL, GIFT, DISCOUNT))
    assert spec.problems() == []
    spec.validate()
    assert spec.control is CONTROL
    assert spec.comparisons == 2


@pytest.mark.parametrize(
    ("arms", "expected"),
    [
        ((GIFT, DISCOUNT), "Mark exactly one arm as the control"),
        ((CONTROL, ArmSpec("c2", "control"), GIFT), "2 are marked as control"),
        ((CONTROL, ArmSpec("Gift", "gift"), GIFT), "Arm names must be unique; repeated: "),
        ((CONTROL, ArmSpec("g", "gift", allocation=0)), "allocation weight must be a positive"),
        ((CONTROL, ArmSpec("g", "gift", allocation=-1)), "allocation weight must be a positive"),
        ((CONTROL, ArmSpec("g", "gift", gift_cost=-5)), "gift cost cannot be negative"),
        ((CONTROL, ArmSpec("d", "discount", discount_pct=0)), "discount must be between 0 and 100"),
        ((CONTROL, ArmSpec("d", "discount", discount_pct=10, redemption_share=2)), "redemption"),
        ((CONTROL,), "at least one treatment arm"),
        ((CONTROL, ArmSpec(" ", "gift")), "Every arm needs a name"),
    ],
)
def test_invalid_arms_are_explained(arms, expected):
    spec = ExperimentSpec("x", arms)
    problems = " ".join(spec.problems())
    assert expected in problems
    with pytest.raises(design.DesignError, match=expected.split(";")[0][:20]):
        spec.validate()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": ""}, "needs a name"),
        ({"horizon_days": 0}, "horizon"),
        ({"secondary_metrics": ("clv_forever",)}, "Unknown secondary metrics: clv_forever"),
        ({"guardrails": ("vibes",)}, "Unknown guardrails: vibes"),
        ({"salt": ""}, "salt"),
        ({"audience": design.AudienceFilter(recency_min=90, recency_max=30)}, "Recency"),
        ({"audience": design.AudienceFilter(segments=("whales",))}, "Unknown RFM segments"),
        ({"audience": design.AudienceFilter(r_scores=(6,))}, "quintiles"),
    ],
)
def test_invalid_settings_are_explained(changes, expected):
    spec = ExperimentSpec(**{"name": "x", "arms": (CONTROL, GIFT), **changes})
    assert expected in " ".join(spec.problems())


def test_audience_filter_round_trips_through_json():
    from datetime import date

    f = design.AudienceFilter(
        as_of=date(2026, 1, 2),
        recency_max=90,
        segments=("champions", "at risk"),
        r_scores=(4, 5),
        channels=("online",),
        attributes=(("city", ("Moscow", "Kazan")),),
    )
    assert design.AudienceFilter.from_json(f.as_json()) == f
    assert design.AudienceFilter.from_json(None) == design.AudienceFilter()
    assert design.AudienceFilter.from_json("all buyers") == design.AudienceFilter()
