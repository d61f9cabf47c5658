"""The lifecycle of an experiment: draft -> running -> completed, and what each status refuses."""

from __future__ import annotations

from typing import Literal

from experiments.design.arms import DesignError

Status = Literal["draft", "running", "completed"]
Action = Literal["edit", "start", "complete"]

_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "edit"): "draft",
    ("draft", "start"): "running",
    ("running", "complete"): "completed",
}

_REFUSALS: dict[tuple[str, str], str] = {
    ("running", "edit"): (
        "The experiment is running: its customers already got their arms, so changing the arms "
        "would make the results unreadable. Complete it and design a new experiment instead."
    ),
    ("completed", "edit"): (
        "The experiment is completed; its design is the record of what was run. "
        "Design a new experiment instead."
    ),
    ("running", "start"): "The experiment is already running.",
    ("completed", "start"): "The experiment is completed; it cannot start again.",
    ("draft", "complete"): "The experiment has not started yet, so there is nothing to complete.",
    ("completed", "complete"): "The experiment is already completed.",
}


def refusal(status: str, action: Action) -> str | None:
    """Why `action` is not allowed in `status`, or None when it is.

    The lifecycle is draft -> running (assignments frozen, start date set) -> completed.
    """
    if (status, action) in _TRANSITIONS:
        return None
    return _REFUSALS.get((status, action), f"Cannot {action} an experiment in status {status!r}.")


def next_status(status: str, action: Action) -> Status:
    """The status after `action`, or `DesignError` with the reason it is refused."""
    reason = refusal(status, action)
    if reason is not None:
        raise DesignError(reason)
    return _TRANSITIONS[(status, action)]  # type: ignore[return-value]
