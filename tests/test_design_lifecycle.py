"""The lifecycle rule: draft -> running -> completed, refusals with their reasons."""

from __future__ import annotations

import pytest

from experiments import design
from experiments.design import ArmSpec

CONTROL = ArmSpec("control", "control")
GIFT = ArmSpec("gift", "gift", gift_cost=250.0)
DISCOUNT = ArmSpec("10% off", "discount", discount_pct=10, redemption_share=0.4)


def ids(n: int) -> list[str]:
    return [f"cust-{i}" for i in range(n)]


def test_lifecycle_allows_only_draft_running_completed():
    assert design.next_status("draft", "start") == "running"
    assert design.next_status("running", "complete") == "completed"
    assert design.refusal("draft", "edit") is None
    for status, action in [
        ("running", "edit"),
        ("completed", "edit"),
        ("running", "start"),
        ("draft", "complete"),
        ("completed", "start"),
    ]:
        reason = design.refusal(status, action)
        assert reason, (status, action)
        with pytest.raises(design.DesignError):
            design.next_status(status, action)
    assert "running" in design.refusal("running", "edit")  # type: ignore[operator]
