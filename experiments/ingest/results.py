"""Campaign result files: one row per customer or group, with outcome columns."""

from __future__ import annotations

from experiments.i18n.text import Text
from experiments.ingest.model import FieldSpec, Problem, problem
from experiments.store import Store, uploads

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("arm", True, "group / arm / segment label (control, discount, ...)"),
    FieldSpec("customer_id", False, "customer id, when the export has one"),
)


def arm_optional(store: Store, experiment: str | None) -> bool:
    """A result file for an experiment that assigned its customers needs no arm column: each
    customer's arm is the one the experiment assigned (the file brings the outcomes)."""
    if not experiment:
        return False
    with store.cursor() as cur:
        return uploads.experiment_assigns(cur, experiment)


def missing_arm_and_customer(file_name: str) -> Problem:
    """Without an arm column the rows take their customers' arms, so a customer column is
    needed then."""
    return problem(
        "missing_column",
        Text("ingest.missing_arm_and_customer", file=file_name),
    )
