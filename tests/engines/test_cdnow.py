"""The equivalence suite on a real transaction log: CDNOW (69,659 purchases of 23,570
customers, 1997-01 to 1998-06) loaded by the app's own loader, an experiment randomized by the
app on it, and `analyze --json` / `clv --json` through `--source` on every engine equal to the
store's (counts exactly, money to 1e-9 relative); the CLV summary cells exactly."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from experiments import design, source_engine
from experiments.design import ArmSpec, AudienceFilter, ExperimentSpec
from experiments.sources import parse_source
from experiments.store import Store
from experiments.store import customers as customers_sql

from .conftest import (
    clv_fit_differences,
    export_transactions,
    load_into_spark_connect,
    run_cli,
    run_cli_process,
    shared_chdb_path,
    store_copy,
    warehouse_files,
)
from .test_cli_source import differences

pytestmark = pytest.mark.engines
pytest.importorskip("ibis", reason="ibis-framework not installed: requirements-engines.txt")

STARTED = datetime(1997, 10, 1, 9, 0)
ENGINES = ("duckdb", "chdb", "spark_local", "spark_connect")


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory, datasets):
    """A store made from cdnow_master.csv by `python -m experiments load transactions`, with a
    three-arm experiment (control, gift, outreach) started on 1997-10-01 by the app's
    randomization (design.start_experiment); 90-day horizon."""
    tmp = tmp_path_factory.mktemp("cdnow")
    csv = tmp / "cdnow_master.csv"
    shutil.copy(datasets / "cdnow" / "cdnow_master.csv", csv)
    db = tmp / "cdnow.duckdb"
    code, _, err = run_cli("--db", str(db), "load", "transactions", str(csv))
    assert code == 0, err
    store = Store(db)
    spec = ExperimentSpec(
        name="CDNOW levers",
        arms=(
            ArmSpec("control", "control"),
            ArmSpec("gift", "gift", gift_cost=2.5),
            ArmSpec("call", "outreach", minutes=6.0, hourly_cost=30.0),
        ),
        horizon_days=90,
        salt="cdnow-equivalence",
        audience=AudienceFilter(as_of=STARTED.date()),
    )
    experiment_id = design.save_experiment(store, spec)
    design.start_experiment(store, experiment_id, started_at=STARTED)
    yield store, experiment_id
    store.close()


@pytest.fixture(scope="module")
def sources(cdnow, tmp_path_factory, request) -> dict[str, tuple[str, str | None]]:
    """engine -> (URL, table) holding CDNOW's transactions; Spark ones loaded when asked."""
    store, _ = cdnow
    urls = warehouse_files(
        store, tmp_path_factory.mktemp("cdnow-src"), shared_chdb_path(tmp_path_factory), "cdnow"
    )
    out: dict[str, tuple[str, str | None]] = {"duckdb": (urls["duckdb"], None)}
    if "chdb" in urls:
        out["chdb"] = (urls["chdb"], "transactions_cdnow")
    out["parquet"] = (urls["parquet"], None)
    return out


def source_for(engine: str, sources, request) -> tuple[str, str | None]:
    if engine in ("duckdb", "chdb"):
        if engine not in sources:
            pytest.skip(f"{engine} not installed")
        return sources[engine]
    parquet = sources["parquet"][0]
    if engine == "spark_local":
        session = request.getfixturevalue("spark_session")
        os.environ.pop("SPARK_CONNECT_MODE_ENABLED", None)
        session.read.parquet(parquet).createOrReplaceTempView("transactions_cdnow")
        return "spark+local://1", "transactions_cdnow"
    url = request.getfixturevalue("spark_connect")
    load_into_spark_connect(url, parquet, "transactions_cdnow")
    return url, "transactions_cdnow"


@pytest.fixture
def env(monkeypatch, tmp_path):
    for name in (source_engine.SOURCE_ENV, source_engine.PASSWORD_ENV, source_engine.TABLE_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


# Spark Connect runs the same builder as Spark local; its client path (a remote session in its
# own process) is tested on the demo store (test_spark_connect), where it costs a fraction.
ANALYSIS_ENGINES = ("duckdb", "chdb", "spark_local")


@pytest.mark.parametrize("engine", ANALYSIS_ENGINES)
def test_analyze_json_on_cdnow_equals_the_store(cdnow, sources, engine, env, request):
    store, experiment_id = cdnow
    url, table = source_for(engine, sources, request)
    if table:
        env.setenv(source_engine.TABLE_ENV, table)
    run, db = run_cli, str(store.path)
    if engine == "spark_connect":  # see run_cli_process
        run, db = run_cli_process, store_copy(store, Path(os.getcwd()) / "copy.duckdb")
    # the full defaults: CUPED, survival, the decisions and head_to_head compared too
    command = ("analyze", str(experiment_id), "--json")
    code, local, _ = run_cli("--db", str(store.path), *command)
    assert code == 0
    want = json.loads(local)
    assert sum(arm["n"] for arm in want["arms"]) > 5000  # the app randomized thousands
    code, remote, err = run("--db", db, "--source", url, *command)
    assert code == 0, err
    assert differences(json.loads(remote), want) == []


def summary_cells(frame: pd.DataFrame) -> pd.DataFrame:
    cells = ["frequency", "recency", "T", "monetary"]
    counted = frame.groupby(cells).size().rename("customers").reset_index()
    return counted.astype({"frequency": "int64", "customers": "int64"}).sort_values(cells)


@pytest.mark.parametrize("engine", ["duckdb", "chdb", "spark_local"])
def test_the_clv_summary_cells_on_cdnow_equal_the_stores_customers(
    cdnow, sources, engine, env, request
):
    """BG/NBD's (frequency, recency, T) cells and Gamma-Gamma's spend come back counted: the
    same multiset of customers as the store's per-customer summary."""
    from experiments.store import ibis_clv

    store, _ = cdnow
    url, table = source_for(engine, sources, request)
    source = parse_source(url)
    if table:
        from dataclasses import replace

        source = replace(source, table=table)
    engine_ = source_engine.open_engine(source)
    until = date(1997, 9, 30)
    cells = ibis_clv.summary_cells(engine_, source, until)
    with store.cursor() as cur:
        want = summary_cells(customers_sql.rfm_summary(cur, until=until))
    assert len(cells) < 0.5 * want["customers"].sum()  # cells, not one row per customer
    assert cells["customers"].sum() == want["customers"].sum() == 23_570
    got = cells.reset_index(drop=True)
    want = want.reset_index(drop=True)
    pd.testing.assert_frame_equal(got[["frequency", "customers"]], want[["frequency", "customers"]])
    for column in ("recency", "T", "monetary"):
        pd.testing.assert_series_equal(got[column], want[column], rtol=1e-12)


@pytest.mark.parametrize("engine", ["duckdb", "chdb"])
def test_clv_json_on_cdnow_equals_the_store(cdnow, sources, engine, env, request):
    store, _ = cdnow
    url, table = source_for(engine, sources, request)
    if table:
        env.setenv(source_engine.TABLE_ENV, table)
    command = ("clv", "--until", "1997-09-30", "--json")
    code, local, _ = run_cli("--db", str(store.path), *command)
    assert code == 0
    code, remote, err = run_cli("--db", str(store.path), "--source", url, *command)
    assert code == 0, err
    got, want = json.loads(remote), json.loads(local)
    assert (got["customers"], got["repeat_customers"]) == (
        want["customers"],
        want["repeat_customers"],
    )
    assert clv_fit_differences(got, want) == []  # the fit's own tolerance


def test_export_keeps_the_columns_the_metrics_read(cdnow, tmp_path):
    store, _ = cdnow
    frame = pd.read_parquet(export_transactions(store, tmp_path / "t.parquet"))
    assert {"customer_id", "ts", "amount", "margin", "discount"} <= set(frame.columns)
