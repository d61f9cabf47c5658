"""Shared fixtures: a fresh store in tmp_path, the demo analysis the report and chart tests read,
and the public data sets in ../shared/datasets."""

from __future__ import annotations

from pathlib import Path

import pytest

from experiments import demo, metrics
from experiments.store import Store

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"


@pytest.fixture
def store(tmp_path: Path):
    """An empty store with the current schema, in its own file."""
    s = Store(tmp_path / "test.duckdb")
    yield s
    s.close()


@pytest.fixture(scope="session")
def datasets() -> Path:
    if not DATASETS.exists():
        pytest.skip(f"public data sets not found at {DATASETS}")
    return DATASETS


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory):
    """A 6,000-customer demo store (seed 3), built once per test process: the report, chart
    and decision tests read it (a test module may define its own demo_path instead)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    store = Store(path)
    demo.seed_demo(store, customers=6000, seed=3, replace=True)
    store.close()
    return path


def _analysis(path: Path, settings: metrics.AnalysisSettings | None = None):
    store = Store(path)
    try:
        return metrics.analyze_experiment(store, 1, settings)
    finally:
        store.close()


@pytest.fixture(scope="session")
def analysis(demo_path) -> metrics.ExperimentAnalysis:
    """The demo experiment's analysis with the default settings."""
    return _analysis(demo_path)


@pytest.fixture(scope="session")
def capped(demo_path) -> metrics.ExperimentAnalysis:
    """The analysis with capping on (a different estimand: the winsorised mean difference)."""
    return _analysis(demo_path, metrics.AnalysisSettings(cap=True))
