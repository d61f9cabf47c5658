"""Assignment lists (customer -> arm, randomized elsewhere): their fields.

The list itself is checked and registered by the design (`design.parse_assignment_list`);
this package detects, reads and maps it like any other upload.
"""

from __future__ import annotations

from experiments.ingest.model import FieldSpec

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("customer_id", True, "customer / card / client id"),
    FieldSpec("arm", True, "group / arm label (control, discount, ...)"),
    FieldSpec("arm_kind", False, "control, discount, gift, outreach or custom"),
    FieldSpec("code", False, "personal coupon code"),
    FieldSpec("discount_pct", False, "discount arms: percent off"),
    FieldSpec("redemption_share", False, "discount arms: expected redemption share, 0..1"),
    FieldSpec("gift_cost", False, "gift arms: cost of one gift incl. delivery"),
    FieldSpec("minutes", False, "outreach arms: minutes per contact"),
    FieldSpec("hourly_cost", False, "outreach arms: cost of a staff hour"),
    FieldSpec("custom_cost", False, "custom arms: cost per customer"),
)
