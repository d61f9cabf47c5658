"""Real engines for the equivalence suite: DuckDB through Ibis, Spark in local mode, chDB.

Each fixture loads the same transactions (a parquet export of a store) into its engine once per
test session; a test skips with the reason only when the engine's package is not installed
(`pip install -r requirements-engines.txt`).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from experiments import demo
from experiments.sources import Source, parse_source
from experiments.store import Store

DEMO_CUSTOMERS = 3000
ENGINES = ("duckdb", "spark_local", "chdb")


def export_transactions(store: Store, path: Path) -> Path:
    """The store's transactions as the source's table: the columns the metrics read."""
    with store.cursor() as cur:
        cur.execute(
            f"COPY (SELECT customer_id, ts, amount, margin, discount, channel FROM transactions"
            f" ORDER BY customer_id, ts) TO '{path}' (FORMAT parquet)"
        )
    return path


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> Iterator[Store]:
    """The demo store (~3,000 customers, seed 3): experiments and assignments stay here."""
    store = Store(tmp_path_factory.mktemp("demo") / "demo.duckdb")
    demo.seed_demo(store, customers=DEMO_CUSTOMERS, seed=3, replace=True)
    yield store
    store.close()


@pytest.fixture(scope="session")
def spark_session():
    """One local Spark for the whole session: 1 thread, 2 shuffle partitions, no UI."""
    pytest.importorskip("pyspark", reason="pyspark not installed: requirements-engines.txt")
    pytest.importorskip("ibis", reason="ibis-framework not installed: requirements-engines.txt")
    if shutil.which("java") is None:
        pytest.skip("no java on PATH: Spark needs Java 17 (openjdk-17-jre-headless)")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("loyalty-lab-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.default.parallelism", "1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    yield session
    session.stop()


class Loaded:
    """A source engine holding one parquet file as `transactions`."""

    def __init__(self, kind: str, spark_session, tmp: Path) -> None:
        self.kind = kind
        self.spark_session = spark_session
        self.tmp = tmp
        self._loaded: dict[str, tuple] = {}
        self.chdb_session = None

    def engine(self, parquet: Path, name: str):
        """(Source, Engine) with `parquet` loaded as `transactions`, once per name."""
        if name not in self._loaded:
            self._loaded[name] = self._load(parquet, name)
        return self._loaded[name]

    def _load(self, parquet: Path, name: str):
        pytest.importorskip("ibis", reason="ibis-framework not installed")
        import ibis

        from experiments.store import ibis_builder

        if self.kind == "duckdb":
            path = self.tmp / f"{name}.duckdb"
            if not path.exists():
                con = ibis.duckdb.connect(str(path))
                con.raw_sql(f"CREATE TABLE transactions AS SELECT * FROM read_parquet('{parquet}')")
                con.disconnect()
            source = parse_source(f"duckdb://{path}")
            return source, ibis_builder.connect(source)
        if self.kind == "spark_local":
            session = self.spark_session()
            view = f"transactions_{name}"
            session.read.parquet(str(parquet)).createOrReplaceTempView(view)
            source = Source("spark_local", threads=1, table=view)
            return source, ibis_builder.SparkEngine(ibis.pyspark.connect(session), session)
        pytest.importorskip("chdb", reason="chdb not installed: requirements-engines.txt")
        import chdb.session

        # one embedded ClickHouse per process: one directory, a table per data set
        path = self.tmp / "chdb"
        if self.chdb_session is None:
            self.chdb_session = chdb.session.Session(str(path))
        table = f"transactions_{name}"
        self.chdb_session.query(
            f"CREATE TABLE {table} ENGINE = MergeTree ORDER BY customer_id"
            f" AS SELECT * FROM file('{parquet}', Parquet)"
        )
        source = replace(parse_source(f"chdb://{path}"), table=table)
        return source, ibis_builder.ChdbEngine(self.chdb_session)


@pytest.fixture(scope="session", params=ENGINES)
def loaded(request, tmp_path_factory) -> Loaded:
    return Loaded(
        request.param,
        lambda: request.getfixturevalue("spark_session"),
        tmp_path_factory.mktemp(request.param),
    )
