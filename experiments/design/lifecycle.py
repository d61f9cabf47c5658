"""The lifecycle of an experiment: draft -> running -> completed, and what each status refuses."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from experiments import experiment
from experiments.design.arms import ArmSpec, DesignError
from experiments.design.randomize import AssignmentPreview, preview_assignment
from experiments.design.spec import ExperimentSpec, check_spec
from experiments.i18n.text import Text
from experiments.store import Cursor, Store, StoreError

if TYPE_CHECKING:
    from experiments.sources import Source

Status = Literal["draft", "running", "completed"]
Action = Literal["edit", "start", "complete"]

_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "edit"): "draft",
    ("draft", "start"): "running",
    ("running", "complete"): "completed",
}

_REFUSALS: dict[tuple[str, str], str] = {  # the catalogue's lifecycle.refused.* (Text)
    (status, action): Text(f"lifecycle.refused.{status}.{action}")
    for status, action in (
        ("running", "edit"),
        ("completed", "edit"),
        ("running", "start"),
        ("completed", "start"),
        ("draft", "complete"),
        ("completed", "complete"),
    )
}


def refusal(status: str, action: Action) -> str | None:
    """Why `action` is not allowed in `status`, or None when it is.

    The lifecycle is draft -> running (assignments frozen, start date set) -> completed.
    """
    if (status, action) in _TRANSITIONS:
        return None
    return _REFUSALS.get(
        (status, action), Text("lifecycle.refused.other", action=action, status=repr(status))
    )


def next_status(status: str, action: Action) -> Status:
    """The status after `action`, or `DesignError` with the reason it is refused."""
    reason = refusal(status, action)
    if reason is not None:
        raise DesignError(reason)
    return _TRANSITIONS[(status, action)]  # type: ignore[return-value]


# -- the writes of each step (the SQL is design_sql's) -------------------------------------------
def _refuse_unless(cur: Cursor, experiment_id: int, action: Action) -> None:
    from experiments.store import design_sql  # the store imports this package's types

    status = design_sql.status_of(cur, experiment_id)
    if status is None:
        raise StoreError(Text("lifecycle.no_experiment", id=experiment_id))
    reason = refusal(status, action)
    if reason is not None:
        raise StoreError(reason)


def save_experiment(store: Store, spec: ExperimentSpec, experiment_id: int | None = None) -> int:
    """Save a draft (new, or replacing draft `experiment_id`); returns its id.

    Raises:
        StoreError: the design is invalid, the name is taken, or the experiment is not a draft.
    """
    from experiments.store import design_sql  # the store imports this package's types

    check_spec(spec)
    with store.transaction() as cur:
        taken = design_sql.name_taken(cur, spec.name.strip(), experiment_id)
        if taken is not None:
            raise StoreError(Text("design.error.name_taken", name=spec.name.strip(), id=taken))
        if experiment_id is None:
            return design_sql.insert_draft(cur, spec)
        _refuse_unless(cur, experiment_id, "edit")
        design_sql.update_draft(cur, experiment_id, spec)
    return experiment_id


def update_arms(store: Store, experiment_id: int, arms: tuple[ArmSpec, ...]) -> None:
    """Replace a draft's arms. Refused, with the reason, once the experiment is running."""
    with store.cursor() as cur:
        stored = experiment.load(cur, int(experiment_id))
    if stored is None:
        raise StoreError(Text("lifecycle.no_experiment", id=experiment_id))
    reason = refusal(stored.status, "edit")
    if reason is not None:
        raise StoreError(reason)
    save_experiment(store, replace(stored.spec(), arms=tuple(arms)), experiment_id)


def costs_editable(cur: Cursor, experiment_id: int) -> str | None:
    """Why the kinds and costs of a registered list can no longer change, or None when they can.

    A list randomized elsewhere has its customers fixed, but what each arm cost is the
    marketer's to enter: editable until the experiment is completed or results are attached.
    """
    from experiments.store import design_sql  # the store imports this package's types

    stored = experiment.load(cur, int(experiment_id))
    if stored is None:
        return Text("lifecycle.no_experiment", id=experiment_id)
    if stored.source != experiment.UPLOADED_SOURCE:
        return refusal(stored.status, "edit")
    if stored.status == "completed":
        return Text("lifecycle.costs.completed")
    if design_sql.result_rows_attached(cur, stored.id):
        return Text("lifecycle.costs.results")
    return None


def update_arm_costs(store: Store, experiment_id: int, arms: tuple[ArmSpec, ...]) -> None:
    """Set the kind and cost of each arm of a registered list (names and shares stay).

    Raises:
        StoreError: the costs are no longer editable (`costs_editable`), an arm is missing or
            new, or the arms are invalid (a discount without its percent, two controls).
    """
    from experiments.store import design_sql  # the store imports this package's types

    with store.transaction() as cur:
        reason = costs_editable(cur, experiment_id)
        if reason is not None:
            raise StoreError(reason)
        stored = experiment.load(cur, int(experiment_id))
        assert stored is not None
        spec = stored.spec()
        by_name = {a.name: a for a in arms}
        if set(by_name) != {a.name for a in spec.arms}:
            raise StoreError(Text("design.error.list_arms"))
        updated = tuple(replace(by_name[a.name], allocation=a.allocation) for a in spec.arms)
        check_spec(replace(spec, arms=updated))
        for arm in updated:
            design_sql.update_arm_cost(cur, stored.id, arm)


def start_experiment(
    store: Store,
    experiment_id: int,
    started_at: datetime | None = None,
    source: Source | None = None,
) -> AssignmentPreview:
    """Randomize the audience and freeze the assignments: draft -> running, in one transaction.

    Returns the preview that was written (same salt and audience give the same list as the
    preview the marketer saw). With a `source`, the audience is read there
    (`preview_assignment`).

    Raises:
        StoreError: not a draft, or the audience is empty.
        SourceError: the source cannot be read (nothing is written).
    """
    from experiments.store import design_sql  # the store imports this package's types

    with store.transaction() as cur:
        _refuse_unless(cur, experiment_id, "start")
        stored = experiment.load(cur, int(experiment_id))
        assert stored is not None
        spec = stored.spec()
        preview = preview_assignment(cur, spec, source)
        if preview.frame.empty:
            raise StoreError(Text("design.error.empty_audience"))
        when = started_at or datetime.now().replace(microsecond=0)
        design_sql.insert_assignments(cur, stored.id, preview.frame, when)
        settings = {**stored.settings, **spec.settings()}
        settings["audience_as_of"] = preview.as_of.isoformat()
        design_sql.set_running(cur, stored.id, when, settings)
    return preview


def complete_experiment(store: Store, experiment_id: int, ended_at: datetime | None = None) -> None:
    """running -> completed; refused (with the reason) from any other status."""
    from experiments.store import design_sql  # the store imports this package's types

    with store.transaction() as cur:
        _refuse_unless(cur, experiment_id, "complete")
        design_sql.set_completed(
            cur, experiment_id, ended_at or datetime.now().replace(microsecond=0)
        )
