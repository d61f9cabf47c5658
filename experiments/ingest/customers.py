"""Customer files: one row per customer id; every other column becomes an attribute."""

from __future__ import annotations

from experiments.ingest.model import FieldSpec

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("customer_id", True, "customer id; every other column becomes an attribute"),
)
