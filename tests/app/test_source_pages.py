"""The Results page reads its transactions from `[source] url` in the secrets: a DuckDB file
and an embedded ClickHouse (chDB) directory holding the store's transactions give the numbers
the engine gives for that source, and the page names the source (redacted)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from experiments import metrics, source_engine
from experiments.sources import parse_source
from experiments.store import open_store
from tests.engines.conftest import shared_chdb_path, warehouse_files

from .conftest import APP

pytestmark = pytest.mark.engines
pytest.importorskip("ibis", reason="ibis-framework not installed: requirements-engines.txt")


@pytest.fixture
def warehouse(app_env, tmp_path_factory) -> dict[str, str]:
    store = open_store(app_env)
    return warehouse_files(
        store, tmp_path_factory.mktemp("app-src"), shared_chdb_path(tmp_path_factory), "app"
    )


def shown(elements) -> str:
    """The elements' text as a person reads it (Markdown escapes taken out)."""
    return " ".join(e.value for e in elements).replace("\\", "")


def run(secrets: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in secrets.items():
        at.secrets[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("kind", ["duckdb", "chdb"])
def test_results_read_the_configured_source(app_env, warehouse, kind):
    if kind not in warehouse:
        pytest.skip("chdb not installed")
    section = {"url": warehouse[kind]}
    if kind == "chdb":
        section["table"] = "transactions_app"
    source_engine.forget_engines()
    at = run({"source": section})
    captions = shown(at.caption)
    assert f"Transactions are read from {warehouse[kind]}" in captions
    assert "the CLV projection is not computed yet" in captions  # the rest is complete
    source = source_engine.configured_source(None, section, {})
    analysis = metrics.analyze_experiment(open_store(app_env), 1, source=source)
    discount = analysis.effect("10% discount", "repeat_purchase", "z")
    assert any(f"{discount.diff * 100:+.1f}\u00a0pp" in m.value for m in at.markdown)


def test_a_source_that_cannot_be_read_is_an_error_with_the_reason(app_env, tmp_path):
    at = run({"source": {"url": "clickhouse://reader@127.0.0.1:9/retail", "password": "pw!"}})
    errors = shown(at.error)
    assert "Cannot reach the source clickhouse://reader:***@127.0.0.1:9/retail" in errors
    assert "pw!" not in errors + " ".join(m.value for m in at.markdown)
    at = run({"source": {"url": "mysql://x"}})
    assert "Unknown source type 'mysql'" in shown(at.error)


def test_the_store_itself_shows_no_source_line(app_env):
    at = run({"source": {"url": "duckdb://"}})
    assert "read from" not in shown(at.caption)
    assert parse_source("duckdb://").path is None
