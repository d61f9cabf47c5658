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
    """One local Spark for the whole session: 1 thread, 1 shuffle partition, no UI."""
    pytest.importorskip("pyspark", reason="pyspark not installed: requirements-engines.txt")
    pytest.importorskip("ibis", reason="ibis-framework not installed: requirements-engines.txt")
    if shutil.which("java") is None:
        pytest.skip("no java on PATH: Spark needs Java 17 (openjdk-17-jre-headless)")
    import os

    from pyspark.sql import SparkSession

    os.environ.pop("SPARK_CONNECT_MODE_ENABLED", None)  # see test_spark_connect.CONNECT_MODE
    session = (
        SparkSession.builder.master("local[1]")
        .appName("loyalty-lab-tests")
        .config("spark.sql.shuffle.partitions", "1")  # one thread: one task per stage
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.default.parallelism", "1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")  # results over ~1 MB go by block manager
        .getOrCreate()
    )
    yield session
    session.stop()


class Loaded:
    """A source engine holding one parquet file as `transactions`."""

    def __init__(self, kind: str, spark_session, tmp: Path, chdb_path: Path) -> None:
        self.kind = kind
        self.chdb_path = chdb_path
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
        path = self.chdb_path
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
        shared_chdb_path(tmp_path_factory),
    )


# -- shared by the CLI, Spark Connect and CDNOW suites (#11) -------------------------------------
def shared_chdb_path(tmp_path_factory) -> Path:
    """chDB runs one embedded server per process, over one directory: every test uses it."""
    return tmp_path_factory.getbasetemp() / "chdb-shared"


def run_cli(*argv: str) -> tuple[int, str, str]:
    """`python -m experiments ARGV` in this process (the engines' sessions are shared):
    (exit code, stdout, stderr)."""
    import contextlib
    import io

    from experiments.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def run_cli_process(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """`python -m experiments ARGV` in a new process, as a user runs it. Spark Connect needs
    this: pyspark refuses a remote session in a process that runs a local one (the other
    Spark tests), and the reverse."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "experiments", *argv],
        cwd=env.pop("CWD", root) if env else root,
        env={**os.environ, "PYTHONPATH": str(root), **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.returncode, done.stdout, done.stderr


def store_copy(store: Store, path: Path) -> str:
    """A copy of the store's file for another process (DuckDB locks a file per process)."""
    with store.cursor() as cur:
        cur.execute("CHECKPOINT")
    shutil.copy(store.path, path)
    return str(path)


def load_into_spark_connect(url: str, parquet: Path, table: str) -> None:
    """`parquet` saved as `table` in the server's warehouse, from a client in its own process
    (see `run_cli_process`)."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from pyspark.sql import SparkSession\n"
        "s = SparkSession.builder.remote(sys.argv[1]).getOrCreate()\n"
        "s.read.parquet(sys.argv[2]).write.mode('overwrite').saveAsTable(sys.argv[3])\n"
    )
    remote = url.replace("spark://", "sc://")
    subprocess.run(
        [sys.executable, "-c", script, remote, str(parquet), table], check=True, timeout=600
    )


def json_differences(got, want, path: str = "", rel: float = 1e-9) -> list[str]:
    """Where two JSON documents differ: counts and text exactly, floats to `rel` relative."""
    import math

    out: list[str] = []
    if isinstance(got, dict) and isinstance(want, dict):
        for key in sorted(set(got) | set(want)):
            if key not in got or key not in want:
                out.append(f"{path}/{key}: only in {'got' if key in got else 'want'}")
            else:
                out += json_differences(got[key], want[key], f"{path}/{key}", rel)
    elif isinstance(got, list) and isinstance(want, list):
        if len(got) != len(want):
            return [f"{path}: {len(got)} items, want {len(want)}"]
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            out += json_differences(g, w, f"{path}[{i}]", rel)
    elif isinstance(got, float) and isinstance(want, float):
        if not math.isclose(got, want, rel_tol=rel, abs_tol=1e-12):
            out.append(f"{path}: {got!r}, want {want!r}")
    elif got != want:
        out.append(f"{path}: {str(got)[:80]!r}, want {str(want)[:80]!r}")
    return out


FIT_REL = 1e-6  # a fit's numbers: the optimizer stops at its own tolerance on another path
CURVATURE_REL = 1e-4  # standard errors: finite-difference curvature at that stopping point
FIT_SKIPPED = ("/seconds", "/source", "/bgnbd/iterations", "/gamma_gamma/iterations")


def clv_fit_differences(got, want) -> list[str]:
    """Where two `clv --json` documents differ beyond what the fit itself can promise.

    The same summary cells (compared exactly in test_cdnow.py) reach the optimizer in another
    row order or with sums equal to 1e-12, so the fitted parameters agree to `FIT_REL`; their
    standard errors are a finite-difference Hessian at the stopping point, which turns that
    into differences of about 1e-6 (seen: 1.3e-6 on CDNOW through chDB), so they are held to
    `CURVATURE_REL`. Counts and text stay exact.
    """
    fit = [
        d
        for d in json_differences(got, want, rel=FIT_REL)
        if not d.startswith(FIT_SKIPPED) and "/standard_errors/" not in d
    ]
    curvature = [
        d for d in json_differences(got, want, rel=CURVATURE_REL) if "/standard_errors/" in d
    ]
    return fit + curvature


def warehouse_files(store: Store, tmp: Path, chdb_path: Path, name: str) -> dict[str, str]:
    """The store's transactions as a DuckDB file and a chDB table `transactions_NAME`: the
    source URLs (the table name goes in $LOYALTY_LAB_SOURCE_TABLE for chDB)."""
    import duckdb

    parquet = export_transactions(store, tmp / f"{name}.parquet")
    path = tmp / f"{name}.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TABLE transactions AS SELECT * FROM read_parquet('{parquet}')")
    urls = {"duckdb": f"duckdb://{path}", "parquet": str(parquet)}
    try:
        import chdb.session
    except ModuleNotFoundError:
        return urls
    session = chdb.session.Session(str(chdb_path))
    session.query(
        f"CREATE TABLE IF NOT EXISTS transactions_{name} ENGINE = MergeTree ORDER BY customer_id"
        f" AS SELECT * FROM file('{parquet}', Parquet)"
    )
    urls["chdb"] = f"chdb://{chdb_path}"
    return urls


@pytest.fixture(scope="session")
def spark_connect(tmp_path_factory) -> Iterator[str]:
    """A Spark Connect server on 127.0.0.1 started from the pyspark wheel (its jars include
    spark-connect; no download): `spark-submit --class ...SparkConnectServer` on a free port,
    waited for, yielded as `spark://127.0.0.1:PORT`, stopped at the end of the session."""
    import os
    import signal
    import socket
    import subprocess
    import time

    pyspark = pytest.importorskip("pyspark", reason="pyspark not installed")
    pytest.importorskip("grpc", reason="pyspark[connect] not installed (grpcio)")
    if shutil.which("java") is None:
        pytest.skip("no java on PATH: Spark needs Java 17 (openjdk-17-jre-headless)")
    home = Path(pyspark.__file__).parent
    if not list((home / "jars").glob("spark-connect_*.jar")):
        pytest.skip(f"no spark-connect jar in {home / 'jars'}")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    work = tmp_path_factory.mktemp("spark-connect")
    conf = {
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
        "spark.driver.host": "127.0.0.1",  # the executor fetches classes from the driver
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "1",  # local[1]: one task per stage
        "spark.sql.codegen.wholeStage": "false",  # small data: compiling costs more than it saves
        "spark.sql.adaptive.enabled": "false",
        "spark.sql.warehouse.dir": str(work / "warehouse"),
    }
    command = [str(home / "bin" / "spark-submit"), "--master", "local[1]", "--class",
               "org.apache.spark.sql.connect.service.SparkConnectServer"]  # fmt: skip
    for key, value in conf.items():
        command += ["--conf", f"{key}={value}"]
    command.append("spark-internal")
    log = (work / "server.log").open("wb")
    env = {**os.environ, "SPARK_HOME": str(home)}
    server = subprocess.Popen(
        command, cwd=work, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
    )
    started = time.monotonic()
    try:
        while True:
            if server.poll() is not None:
                tail = (work / "server.log").read_text(errors="replace")[-2000:]
                pytest.skip(f"the Spark Connect server exited ({server.returncode}): {tail}")
            if "Spark Connect server started" in (work / "server.log").read_text(errors="replace"):
                break
            if time.monotonic() - started > 120:
                pytest.skip("the Spark Connect server did not start within 120 s")
            time.sleep(0.5)
        yield f"spark://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
