"""Shared fixtures: a fresh store in tmp_path, and the public data sets in ../shared/datasets."""

from __future__ import annotations

from pathlib import Path

import pytest

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
