"""Spark Connect through `--source`: a server the tests start on 127.0.0.1 from the pyspark wheel
(`spark://127.0.0.1:PORT`); `analyze --json` (full defaults) and `clv --json` equal the store's."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from experiments import source_engine

from .conftest import (
    clv_fit_differences,
    export_transactions,
    load_into_spark_connect,
    run_cli,
    run_cli_process,
    store_copy,
)
from .test_cli_source import differences

pytestmark = pytest.mark.engines
# Set by pyspark once a Spark Connect session exists in the process: from then on every
# SparkSession.builder asks for a remote URL. One process of the app reads one source; the
# tests use both kinds in one process, so the local ones take it out again.
CONNECT_MODE = "SPARK_CONNECT_MODE_ENABLED"
pytest.importorskip("ibis", reason="ibis-framework not installed: requirements-engines.txt")


@pytest.fixture(scope="module")
def demo_parquet(demo_store, tmp_path_factory):
    return export_transactions(demo_store, tmp_path_factory.mktemp("spark") / "demo.parquet")


@pytest.fixture(autouse=True)
def clean(monkeypatch, tmp_path):
    for name in (source_engine.SOURCE_ENV, source_engine.PASSWORD_ENV, source_engine.TABLE_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def connect_url(spark_connect, demo_parquet) -> str:
    """The server holding the demo transactions as table `transactions` (its warehouse)."""
    load_into_spark_connect(spark_connect, demo_parquet, "transactions")
    return spark_connect


def both(store, url: str, *command: str) -> tuple[dict, dict]:
    """(through the source, from the store): a Spark Connect client runs in its own process,
    on a copy of the store."""
    db = str(store.path)
    code, local, _ = run_cli("--db", db, *command)
    assert code == 0
    run = run_cli
    if url.startswith("spark://"):
        run, db = run_cli_process, store_copy(store, Path(os.getcwd()) / "copy.duckdb")
    code, remote, err = run("--db", db, "--source", url, *command)
    assert code == 0, err
    return json.loads(remote), json.loads(local)


def test_analyze_json_on_spark_connect_equals_the_store(demo_store, connect_url):
    got, want = both(demo_store, connect_url, "analyze", "1", "--json")
    assert got["source"] == connect_url
    assert differences(got, want) == []


def test_clv_json_on_spark_connect_equals_the_store(demo_store, connect_url):
    got, want = both(demo_store, connect_url, "clv", "--json")
    assert clv_fit_differences(got, want) == []  # the fit's own tolerance
    assert (got["customers"], got["repeat_customers"]) == (
        want["customers"],
        want["repeat_customers"],
    )


# `spark+local://1` through the CLI: test_cdnow.test_analyze_json_on_cdnow_equals_the_store
# [spark_local]; the demo store on Spark local: test_equivalence (the same builder and data).
