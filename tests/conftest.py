"""Shared fixtures: a fresh store in tmp_path, the demo analysis the report and chart tests read,
the demo stores the precompute and command-line tests copy, and the public data sets in
../shared/datasets."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from experiments import demo, metrics
from experiments.store import Store

ROOT = Path(__file__).resolve().parent.parent
# beside the checkout (/work/main -> /work/shared); a worktree elsewhere names it
DATASETS = Path(os.environ.get("LOYALTY_LAB_DATASETS") or ROOT.parent / "shared" / "datasets")


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


# the store of the precompute and first-open tests (first_open_golden.json was written on it)
SMALL_DEMO_CUSTOMERS, SMALL_DEMO_SEED = 3000, 11


@pytest.fixture(scope="session")
def small_demo_path(tmp_path_factory) -> Path:
    """A 3,000-customer demo store (seed 11), built once per test process. Never opened by a
    test: `demo_copy` gives each test its own copy."""
    path = tmp_path_factory.mktemp("small-demo") / "demo.duckdb"
    store = Store(path)
    demo.seed_demo(store, customers=SMALL_DEMO_CUSTOMERS, seed=SMALL_DEMO_SEED, replace=True)
    store.close()
    return path


@pytest.fixture
def demo_copy(small_demo_path, tmp_path) -> Iterator[Store]:
    """A private, open copy of `small_demo_path`; the precomputation it started is stopped and
    its process-wide caches cleared afterwards (no job or entry outlives the test)."""
    from experiments import precompute

    path = tmp_path / "store.duckdb"
    shutil.copyfile(small_demo_path, path)
    opened = Store(path)
    yield opened
    precompute.stop_all()
    precompute.clear()
    opened.close()


def _close_cli_store(path: Path) -> None:
    """Close the store the command line keeps open for this file (one per file per process)."""
    from experiments.store import _open as store_registry
    from experiments.store import _open_lock as store_registry_lock

    with store_registry_lock:
        opened = store_registry.pop(path.resolve(), None)
    if opened is not None:
        opened.close()


@pytest.fixture(scope="session")
def cli_demo_path(tmp_path_factory) -> Path:
    """A 2,000-customer demo store made by the command line (`demo --customers 2000`), built
    once per test process and closed. Never used in place: `cli_demo_db` copies it."""
    from experiments.__main__ import main as cli_main

    path = tmp_path_factory.mktemp("cli-demo") / "demo.duckdb"
    assert cli_main(["--db", str(path), "demo", "--customers", "2000"]) == 0
    _close_cli_store(path)
    return path


@pytest.fixture(scope="module")
def cli_demo_db(cli_demo_path, tmp_path_factory) -> Iterator[str]:
    """A copy of `cli_demo_path` for one test module (its tests may change its settings),
    closed after the module."""
    path = tmp_path_factory.mktemp("cli-demo-copy") / "demo.duckdb"
    shutil.copyfile(cli_demo_path, path)
    yield str(path)
    _close_cli_store(path)


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
