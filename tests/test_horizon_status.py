"""Status against the planned horizon (issue #10, point 9): past it, an experiment is ready."""

from __future__ import annotations

import json

import pytest

from experiments import __main__ as cli
from experiments import demo, metrics, report
from experiments.experiment import HorizonProgress
from experiments.store import Store, overview


@pytest.mark.parametrize(
    ("status", "observed", "text", "reading", "ready"),
    [
        ("running", 21, "running, day 21 of 60", "day 21 of 60", False),
        ("running", 59, "running, day 59 of 60", "day 59 of 60", False),
        (
            "running",
            60,
            "running, day 60: the planned 60 days are observed — ready to read",
            "ready to read: the planned 60 days are observed",
            True,
        ),
        (
            "running",
            88,
            "running, day 88: the planned 60 days are observed — ready to read",
            "ready to read: the planned 60 days are observed",
            True,
        ),
        ("running", None, "running", "no data after the assignment yet", False),
        ("completed", 88, "completed", "ready to read: the planned 60 days are observed", True),
        ("completed", 30, "completed", "day 30 of 60", False),
        ("draft", None, "draft", "not started", False),
    ],
)
def test_horizon_progress_says_when_the_planned_horizon_is_observed(
    status, observed, text, reading, ready
):
    progress = HorizonProgress(status, 60, observed)
    assert progress.text == text
    assert progress.reading == reading
    assert progress.fully_observed is ready


@pytest.fixture(scope="module")
def running_demo(tmp_path_factory):
    """The demo experiment (60 days planned, 200+ days of data) marked as still running."""
    store = Store(tmp_path_factory.mktemp("status") / "demo.duckdb")
    demo.seed_demo(store, customers=2000, seed=3, replace=True)
    with store.transaction() as cur:
        cur.execute("UPDATE experiments SET status = 'running'")
    yield store
    store.close()


def test_report_and_json_say_ready_to_read_past_the_horizon(running_demo, capsys):
    analysis = metrics.analyze_experiment(running_demo, 1)
    with running_demo.cursor() as cur:
        days = overview.observed_days(cur, 1)
    assert analysis.observed_days == days and days > 60
    ready = f"running, day {days}: the planned 60 days are observed — ready to read"
    assert analysis.horizon_progress.text == ready
    assert f"Status: {ready}" in report.html_report(analysis)
    assert f"day {days} of 60" not in report.html_report(analysis)
    assert cli.main(["--db", str(running_demo.path), "analyze", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)["data"]
    assert data["observed_days"] == days
    assert data["planned_horizon_observed"] is True
    assert data["status_text"] == ready
