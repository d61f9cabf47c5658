"""AppTest fixtures: the app on its own small demo store (seeded before the app starts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from experiments import demo
from experiments.store import Store

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("app") / "demo.duckdb"
    store = Store(path)
    demo.seed_demo(store, customers=4000, seed=5, replace=True)
    store.close()
    return path


@pytest.fixture
def app_env(demo_db, monkeypatch, tmp_path) -> Path:
    """Point the app at a private copy of the demo store."""
    db = tmp_path / "store.duckdb"
    db.write_bytes(demo_db.read_bytes())
    monkeypatch.setenv("LOYALTY_LAB_DB", str(db))
    monkeypatch.chdir(ROOT)
    return db
