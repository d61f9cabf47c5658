"""A source's `builder.QueryBuilder`: the per-customer window metrics as Ibis expressions.

Ibis compiles one expression to each engine's dialect with its semantics kept (string SQL
translated with sqlglot runs but answers differently, #11), so the same definitions as
`metrics_sql`'s docstring run on DuckDB, Spark and ClickHouse. What is pinned here, each by a
test in tests/engines/:

* time: a transaction's offset from its assignment is integer microseconds from each engine's
  exact epoch-microseconds builtin (`EPOCH_US_FUNCTIONS`), never an engine's day difference
  (Spark counts 24-hour units, DuckDB day boundaries): "within H days" is
  `0 < offset <= H * 86_400_000_000` everywhere;
* no engine hashing: the assignments (randomized in Python) are read from the local store and
  sent to the engine as a temporary table (`Engine.temporary_table`), dropped afterwards;
* follow-up classes, tenure, the data checks and Kaplan-Meier's days followed are computed in
  Python from the assignments and the source's last transaction, so the engine only sums;
* cut points pooled over the arms (`_cuts`, one row, sent back as exact literals, `_exact`):
  the caps of `stats.CapRule` are each engine's exact linear-interpolation quantile (DuckDB
  `quantile_cont`, Spark `percentile`, ClickHouse `quantileExactInclusive` through
  `exact_clickhouse_compiler`: Ibis alone compiles ClickHouse's approximate `quantile`); the
  RFM quintile cuts are DuckDB's `quantile_disc`, computed from running counts because no
  builtin has that rule on every engine (`_discrete_cuts`);
* discounts: the data's, or with none in the window a discount arm's configured estimate
  (`metrics_sql.discount_given`), its terms read with the assignments from the local store.

DuckDB and chDB run the SQL that Ibis compiles for their dialect (`CompiledEngine`); Spark and
a ClickHouse server run through Ibis's backends. What comes back is small, as from DuckDB: one
row of cut points, one row per finest group (arm, follow-up class, pre-period segment,
stratum, attribute segment, RFM segment) with plain sums, which `builder.rollup` folds exactly
as for DuckDB, the Kaplan-Meier histogram per (arm, day, event) and the net value histogram per
(arm, bin). So every request of `catalogue.requests` is covered (`SUPPORTED_VALUES`); a name
that is not one of them is refused before anything runs.

Customer attributes (attribute segments) and first_seen come from the local store, where the
customers upload puts them, and travel to the engine with the assignments; a source's own
customers table is not read.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from experiments import catalogue
from experiments.catalogue import GroupStats, Request
from experiments.sources import OPTIONAL_COLUMNS, SOURCE_COLUMNS, Source
from experiments.store import Cursor, builder
from experiments.store.attributes import SEGMENT_ATTRIBUTE_JOIN
from experiments.store.metrics_sql import (
    DAY_US,
    DISTRIBUTION_BINS,
    GROUP_KEYS,
    NEW_CUSTOMER_DAYS,
    SEGMENT_COLUMNS,
    Aggregates,
    DiscountSource,
    QuerySpec,
    arm_discount_terms,
    cuped_moments,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "ASSIGNMENTS_PREFIX",
    "SUPPORTED_VALUES",
    "ChdbEngine",
    "CompiledEngine",
    "DuckDBEngine",
    "Engine",
    "IbisBackendEngine",
    "IbisBuilder",
    "SparkEngine",
    "assignment_frame",
    "connect",
    "data_end",
]

ASSIGNMENTS_PREFIX = "loyalty_lab_assignments_"  # + a random hex: cannot clash, easy to spot
# Per-customer values the engine sums, whatever the horizon (the horizon-dependent ones are
# added by `_supported`).
SUPPORTED_VALUES = (
    "repeat_purchase", "orders", "revenue", "margin", "discount", "cost", "net_value",
    "pre_orders", "pre_buyer", "pre_spend", "pre_recency", "pre_recency_days", "tenure_days",
    "cost_per_customer", "extra_assignments", "customers_before_first_seen",
    "assigned_after_data_end", "contribution_early", "contribution_late", "contribution_change",
    "pre_spend_capped",
)  # fmt: skip


class Engine(Protocol):
    """Where an Ibis expression runs: a backend connection, or a compiler plus an executor."""

    @property
    def dialect(self) -> str:
        """The engine's Ibis dialect name ('duckdb', 'pyspark', 'clickhouse')."""
        ...

    def transactions(self, source: Source) -> ir.Table:
        """The source's transactions table, with the store's column names."""
        ...

    def execute(self, expr: ir.Table) -> pd.DataFrame:
        """Run the expression, bring back its (small) result."""
        ...

    def temporary_table(self, frame: pd.DataFrame) -> Any:
        """Context manager: `frame` as a table named ASSIGNMENTS_PREFIX + random hex in the
        engine, yielded as an Ibis table, dropped on exit whatever happens."""
        ...

    def tables(self) -> list[str]:
        """The names of the tables (and views) the engine can read."""
        ...

    def columns(self, table: str) -> list[str]:
        """The column names of one of `tables()` (the source's own names, before mapping)."""
        ...


def _mapped(table: ir.Table, source: Source) -> ir.Table:
    present = set(table.columns)
    optional = [n for n in OPTIONAL_COLUMNS if source.column(n) in present]
    return table.select(
        **{name: table[source.column(name)] for name in (*SOURCE_COLUMNS, *optional)}
    )


def _temporary_name() -> str:
    return f"{ASSIGNMENTS_PREFIX}{uuid.uuid4().hex}"


@dataclass
class IbisBackendEngine:
    """An Ibis backend connection (PySpark, ClickHouse through clickhouse-connect).

    Attributes:
        con: the Ibis backend.
    """

    con: Any

    @property
    def dialect(self) -> str:
        return str(self.con.name)

    def tables(self) -> list[str]:
        return list(self.con.list_tables())

    def columns(self, table: str) -> list[str]:
        return list(self.con.table(table).columns)

    def transactions(self, source: Source) -> ir.Table:
        return _mapped(self.con.table(source.table), source)

    def execute(self, expr: ir.Table) -> pd.DataFrame:
        return self.con.execute(expr)

    @contextmanager
    def temporary_table(self, frame: pd.DataFrame) -> Iterator[ir.Table]:
        import ibis

        name = _temporary_name()
        typed = ibis.memtable(frame, schema=_ibis_schema(frame))  # an all-NULL stratum too
        table = self.con.create_table(name, typed, temp=True)
        try:
            yield table
        finally:
            self.con.drop_table(name, force=True)


_SPARK_TYPES = {"int64": "BIGINT", "float64": "DOUBLE", "string": "STRING"}


def _kind(column: pd.Series) -> str:
    """'int64', 'float64' or 'string': the assignment frame's three column kinds."""
    return str(column.dtype) if str(column.dtype) in ("int64", "float64") else "string"


@dataclass
class SparkEngine(IbisBackendEngine):
    """Ibis's PySpark backend over a Spark session (local mode or Spark Connect); the
    assignments go in a session-scoped temporary view (Ibis has no temporary tables there).

    Attributes:
        session: the SparkSession behind `con`.
    """

    session: Any = None

    @contextmanager
    def temporary_table(self, frame: pd.DataFrame) -> Iterator[ir.Table]:
        name = _temporary_name()
        schema = ", ".join(f"{c} {_SPARK_TYPES[_kind(frame[c])]}" for c in frame.columns)
        rows = frame.astype(object).where(frame.notna(), None)
        try:
            self.session.createDataFrame(rows, schema=schema).createOrReplaceTempView(name)
            yield self.con.table(name)
        finally:
            self.session.catalog.dropTempView(name)


_CH_TYPES = {"int64": "Int64", "float64": "Nullable(Float64)", "string": "Nullable(String)"}


def exact_clickhouse_compiler() -> Any:
    """Ibis 12's ClickHouse compiler with `quantile` made exact.

    Ibis compiles its exact `Column.quantile` (`approx_quantile` is the approximate one) to
    ClickHouse's `quantile`, which is approximate (reservoir sampling); DuckDB compiles it to
    `quantile_cont` and PySpark to `percentile`, both exact with linear interpolation at
    (n - 1) * q. ClickHouse's `quantileExact` is exact but returns an element (index n * q,
    no interpolation); `quantileExactInclusive` is the same rule as `quantile_cont`. So the
    pooled caps are one `stats.CapRule` on every engine (a test pins a case where the
    interpolation matters)."""
    from ibis.backends.sql.compilers.clickhouse import ClickHouseCompiler

    class ExactQuantileClickHouseCompiler(ClickHouseCompiler):
        def visit_Quantile(self, op: Any, *, arg: Any, quantile: Any, where: Any) -> Any:
            return self._visit_quantile("quantileExactInclusive", arg, quantile, where)

        def visit_MultiQuantile(self, op: Any, *, arg: Any, quantile: Any, where: Any) -> Any:
            return self._visit_quantile("quantilesExactInclusive", arg, quantile, where)

    return ExactQuantileClickHouseCompiler()


def _compiler(dialect: str) -> Any:
    """The Ibis compiler the builder uses for a dialect (`exact_clickhouse_compiler` for
    ClickHouse, Ibis's own otherwise)."""
    if dialect == "clickhouse":
        return exact_clickhouse_compiler()
    import ibis.backends.sql.compilers as compilers

    return getattr(compilers, dialect).compiler


def compiled_sql(expr: ir.Table, dialect: str) -> str:
    """The SQL the builder runs for an expression on a dialect."""
    compiler = _compiler(dialect)
    return str(compiler.to_sqlglot(expr.unbind()).sql(dialect=compiler.dialect))


class CompiledEngine:
    """An engine fed SQL that Ibis compiles for its dialect (`compiled_sql`): Ibis's own backend
    is not needed (chDB has none; Ibis 12's DuckDB backend lags DuckDB 2.0). Subclasses say how
    to run a statement and how to hold a frame as a table."""

    dialect = ""

    def query(self, sql: str) -> pd.DataFrame:
        raise NotImplementedError

    def _columns(self, table: str) -> dict[str, str]:
        """Column name -> the engine's type name."""
        raise NotImplementedError

    def _create(self, name: str, frame: pd.DataFrame) -> None:
        raise NotImplementedError

    def _drop(self, name: str) -> None:
        self.query(f"DROP TABLE IF EXISTS {name}")

    def tables(self) -> list[str]:
        raise NotImplementedError

    def columns(self, table: str) -> list[str]:
        return list(self._columns(table))

    def transactions(self, source: Source) -> ir.Table:
        import ibis

        types = self._columns(source.table)
        wanted = [source.column(n) for n in SOURCE_COLUMNS]
        missing = sorted(set(wanted) - set(types))
        if missing:
            raise ValueError(f"The source's {source.table} has no column {', '.join(missing)}")
        wanted += [source.column(n) for n in OPTIONAL_COLUMNS if source.column(n) in types]
        schema = {name: _ibis_type(types[name]) for name in wanted}
        return _mapped(ibis.table(schema, name=source.table), source)

    def execute(self, expr: ir.Table) -> pd.DataFrame:
        return self.query(compiled_sql(expr, self.dialect))

    @contextmanager
    def temporary_table(self, frame: pd.DataFrame) -> Iterator[ir.Table]:
        import ibis

        name = _temporary_name()
        try:
            self._create(name, frame)
            yield ibis.table(_ibis_schema(frame), name=name)
        finally:
            self._drop(name)


@dataclass
class DuckDBEngine(CompiledEngine):
    """A DuckDB file opened read-only; the assignments go in a TEMP table (memory only).

    Attributes:
        con: a `duckdb` connection (read_only=True for a source).
    """

    con: Any
    dialect = "duckdb"

    def query(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    def _columns(self, table: str) -> dict[str, str]:
        rows = self.query(f"DESCRIBE {table}")
        return dict(zip(rows["column_name"], rows["column_type"], strict=True))

    def _create(self, name: str, frame: pd.DataFrame) -> None:
        view = f"{name}_frame"
        self.con.register(view, frame)
        try:
            self.query(f"CREATE TEMP TABLE {name} AS SELECT * FROM {view}")  # noqa: S608
        finally:
            self.con.unregister(view)

    def _drop(self, name: str) -> None:
        self.query(f"DROP TABLE IF EXISTS temp.{name}")

    def tables(self) -> list[str]:
        return self.query("SELECT table_name FROM information_schema.tables")["table_name"].tolist()


@dataclass
class ChdbEngine(CompiledEngine):
    """Embedded ClickHouse: expressions compiled by Ibis's ClickHouse compiler, run by chDB.

    Attributes:
        session: a `chdb.session.Session` (over the source's directory).
    """

    session: Any
    dialect = "clickhouse"

    def query(self, sql: str) -> pd.DataFrame:
        return self.session.query(sql, "DataFrame")

    def _columns(self, table: str) -> dict[str, str]:
        rows = self.query(f"DESCRIBE TABLE {table}")
        return dict(zip(rows["name"], rows["type"], strict=True))

    def _create(self, name: str, frame: pd.DataFrame) -> None:
        columns = ", ".join(f"{c} {_CH_TYPES[_kind(frame[c])]}" for c in frame.columns)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "assignments.parquet"
            frame.to_parquet(path, index=False)
            self.query(f"CREATE TABLE {name} ({columns}) ENGINE = Memory")
            quoted = str(path).replace("\\", "\\\\").replace("'", "\\'")
            # the name is generated hex, the path our own temporary file, quoted
            self.query(f"INSERT INTO {name} SELECT * FROM file('{quoted}', Parquet)")  # noqa: S608

    def tables(self) -> list[str]:
        return self.query("SHOW TABLES")["name"].tolist()


def _ibis_type(engine_type: str) -> str:
    """The Ibis type of a DuckDB or ClickHouse column type (the few the metrics read)."""
    inner = engine_type.removeprefix("Nullable(").removesuffix(")").upper()
    if inner.startswith(("DATETIME", "TIMESTAMP")):
        return "timestamp"
    if inner.startswith(("FLOAT", "DECIMAL", "DOUBLE", "REAL")):
        return "float64"
    if inner.startswith(("INT", "UINT", "BIGINT", "HUGEINT", "SMALLINT", "TINYINT")):
        return "int64"
    return "string"


def _ibis_schema(frame: pd.DataFrame) -> dict[str, str]:
    return {c: _kind(frame[c]) for c in frame.columns}


def connect(source: Source, store_cursor: Cursor | None = None) -> Engine:
    """An engine for a source: Ibis's DuckDB, PySpark (local or Spark Connect) or ClickHouse
    backend, or chDB. Times are UTC in every session (offsets do not depend on it, but the
    data end shown does)."""
    import ibis

    if source.kind == "duckdb":
        if source.path is None:
            raise ValueError("duckdb:// (the store itself) is read by metrics_sql.DuckDBBuilder")
        import duckdb

        return DuckDBEngine(duckdb.connect(source.path, read_only=True))
    if source.kind in ("spark", "spark_local"):
        from pyspark.sql import SparkSession

        if source.kind == "spark_local":
            session = (
                SparkSession.builder.master(f"local[{source.threads}]")
                .config("spark.sql.session.timeZone", "UTC")
                # the driver on loopback: a host name resolving elsewhere loses large results
                .config("spark.driver.host", "127.0.0.1")
                .getOrCreate()
            )
        else:
            session = SparkSession.builder.remote(f"sc://{source.host}:{source.port}").getOrCreate()
            session.conf.set("spark.sql.session.timeZone", "UTC")
        return SparkEngine(ibis.pyspark.connect(session), session)
    if source.kind == "clickhouse":
        con = ibis.clickhouse.connect(
            host=source.host, port=source.port, user=source.user,
            password=source.password or "", database=source.database,
            settings={"session_timezone": "UTC"},
        )  # fmt: skip
        con.compiler = exact_clickhouse_compiler()  # this connection's quantiles: exact
        return IbisBackendEngine(con)
    import chdb.session

    return ChdbEngine(chdb.session.Session(source.path))


def assignment_frame(
    cur: Cursor, experiment_id: int, max_days: int = 0, attribute: str | None = None
) -> pd.DataFrame:
    """Each customer's first assignment in the experiment with what the engine needs of it,
    from the local store: customer_id, arm_id, stratum, assigned_us (epoch microseconds),
    cost_per_customer, first_seen_us (NULL when unknown), extra_assignments, the arm's
    discount terms (`metrics_sql.arm_discount_terms`: discount_markup, discount_until_us, the
    validity defaulting to `max_days`) and attribute_segment (the customer's value of the
    store's customer attribute `attribute`, NULL without one)."""
    attribute_join = ""
    attribute_col = "CAST(NULL AS VARCHAR)"
    params: dict[str, object] = {"experiment_id": int(experiment_id), "max_days": int(max_days)}
    if attribute is not None:
        params["segment_attribute"] = attribute
        attribute_join = SEGMENT_ATTRIBUTE_JOIN
        attribute_col = "attr.value"
    return cur.execute(
        f"""
        WITH first_assignment AS (
            SELECT customer_id, min(assigned_at) AS assigned_at,
                   arg_min(arm_id, assigned_at) AS arm_id,
                   arg_min(stratum, assigned_at) AS stratum,
                   count(*) - 1 AS extra_assignments
            FROM assignments WHERE experiment_id = $experiment_id GROUP BY customer_id
        ),
        terms AS (
            SELECT a.*, ar.cost_per_customer, {arm_discount_terms("ar")}
            FROM first_assignment a
            JOIN arms ar ON ar.experiment_id = $experiment_id AND ar.arm_id = a.arm_id
        )
        SELECT a.customer_id, CAST(a.arm_id AS BIGINT) AS arm_id, a.stratum,
               epoch_us(a.assigned_at) AS assigned_us,
               CAST(a.cost_per_customer AS DOUBLE) AS cost_per_customer,
               epoch_us(c.first_seen) AS first_seen_us,
               CAST(a.extra_assignments AS BIGINT) AS extra_assignments,
               CAST(a.discount_markup AS DOUBLE) AS discount_markup,
               CAST(a.discount_until_us AS DOUBLE) AS discount_until_us,
               {attribute_col} AS attribute_segment
        FROM terms a
        LEFT JOIN customers c ON c.customer_id = a.customer_id{attribute_join}
        ORDER BY a.customer_id
        """,  # noqa: S608 - only whitelisted fragments are formatted in; values are parameters
        params,
    ).df()


# Each engine's own exact "epoch microseconds of a timestamp" function (Ibis has none that all
# three compile: PySpark cannot extract microseconds). Integer arithmetic from there on.
EPOCH_US_FUNCTIONS = {
    "duckdb": "epoch_us",
    "pyspark": "unix_micros",
    "clickhouse": "toUnixTimestamp64Micro",
}


def _epoch_us(ts: ir.TimestampValue, dialect: str) -> ir.IntegerValue:
    """Epoch microseconds of a timestamp, by the engine's builtin (`EPOCH_US_FUNCTIONS`): no
    engine counts day or hour boundaries, none rounds to seconds."""
    import ibis
    import ibis.expr.datatypes as dt

    function = ibis.udf.scalar.builtin(
        lambda ts: None, name=EPOCH_US_FUNCTIONS[dialect], signature=((dt.timestamp,), dt.int64)
    )
    if dialect == "pyspark":  # unix_micros takes an instant: a TIMESTAMP_NTZ is read as UTC
        ts = ts.cast(dt.Timestamp(timezone="UTC"))  # (the session time zone `connect` sets)
    return function(ts).cast("int64")


def data_end(engine: Engine, source: Source) -> datetime | None:
    """The source's last transaction time (naive UTC, to the microsecond, from the engine's
    exact epoch microseconds): what `overview.observed_days` measures a source's follow-up
    against. None when the source has no transactions."""
    tx = engine.transactions(source)
    found = engine.execute(tx.aggregate(end_us=_epoch_us(tx.ts, engine.dialect).max()))
    end_us = _int_or_none(found["end_us"].iloc[0])
    return None if end_us is None else _EPOCH + timedelta(microseconds=end_us)


_EPOCH = datetime(1970, 1, 1)


def _supported(spec: QuerySpec) -> set[str]:
    return {
        *SUPPORTED_VALUES,
        *(f"repeat_{h}" for h in spec.horizons),
        *(f"{kind}_b{b}" for b in range(len(spec.bucket_ends)) for kind in ("bucket", "cum_net")),
    }


def _check(spec: QuerySpec, requests: Sequence[Request]) -> None:
    supported = _supported(spec)
    for product in builder.products(requests):
        for value in (product.value, product.other):
            if value is not None and value not in supported:
                raise ValueError(f"Not a per-customer value of the analysis: {value!r}")


@dataclass
class IbisBuilder:
    """The `builder.QueryBuilder` over a source engine; assignments from the local store.

    Attributes:
        engine: where the transactions are (`connect`).
        source: the parsed source (table and column names).
        store: a cursor on the local store (assignments, arms, customers, attributes).
    """

    engine: Engine
    source: Source
    store: Cursor

    def aggregate(self, spec: QuerySpec, requests: Sequence[Request]) -> Aggregates:
        """Everything `metrics_sql.DuckDBBuilder.aggregate` returns, computed on the engine:
        per arm and segment x arm the requests' moments, the caps, the CUPED moments, the
        Kaplan-Meier histogram and the net value distribution. Only small frames come back:
        one row of cut points, one row per finest group, per (arm, day, event) and per
        (arm, bin). ValueError for a value that is not the analysis's."""
        requests = tuple(requests)
        _check(spec, requests)
        import ibis

        tx = self.engine.transactions(self.source)
        us = _epoch_us(tx.ts, self.engine.dialect)
        bounds = self.engine.execute(
            tx.aggregate(first_us=us.min(), end_us=us.max(), rows=tx.count())
        )
        first_us, end_us = (
            _int_or_none(bounds["first_us"].iloc[0]),
            _int_or_none(bounds["end_us"].iloc[0]),
        )
        frame = assignment_frame(
            self.store, spec.experiment_id, max(spec.horizons), spec.segment_attribute
        )
        assigned = _with_followup(frame, spec, end_us)
        with self.engine.temporary_table(assigned) as a:
            source: DiscountSource = (
                spec.discounts
                if spec.discounts != "auto"
                else ("data" if self._discounts_recorded(tx, us, a, spec) else "configured")
            )
            per_customer = _per_customer(tx, us, a, spec, ibis, source == "configured")
            cuts = self._all_cuts(per_customer, spec, ibis)
            scored = _scored(per_customer, cuts, spec, ibis)
            columns = {p: f"s{i}" for i, p in enumerate(builder.products(requests))}
            sums = {name: _product(scored, p).sum().cast("float64") for p, name in columns.items()}
            groups = self.engine.execute(
                scored.group_by(GROUP_KEYS).aggregate(customers=scored.count(), **sums)
            )
            survival = self.engine.execute(_survival(per_customer, ibis))
            distribution = self.engine.execute(_distribution(per_customer, cuts, spec, ibis))
        caps: dict[str, tuple[float | None, float | None]] = {}
        if spec.cap:
            caps = {m: (cuts[f"{m}__lower"], cuts[f"{m}__upper"]) for m in catalogue.CAPPED}
        return _aggregates(
            groups, survival, distribution, caps, spec, requests, columns, first_us, end_us,
            source,
        )  # fmt: skip

    def _all_cuts(
        self, per_customer: ir.Table, spec: QuerySpec, ibis: Any
    ) -> dict[str, float | None]:
        """Every cut point in one query: the pooled row of `_cuts` next to each RFM column's
        quintile cuts (`_discrete_cuts`: rq1..rq4, fq1..fq4, mq1..mq4, None without buyers).
        One query, so Spark plans the per-customer join once for both (its exchange reuse)
        instead of once per query."""
        pooled = _cuts(per_customer, spec, ibis)
        discrete = _discrete_cuts(per_customer, [column for _, column in _RFM_VALUES], ibis)
        key = "loyalty_lab_cut_row"
        left = pooled.mutate(**{key: ibis.literal(1)})
        right = discrete.mutate(**{key: ibis.literal(1)})
        joined = left.left_join(right, left[key] == right[key])
        found = self.engine.execute(joined.select(*pooled.columns, *discrete.columns))
        first = found.iloc[0]
        cuts = {str(c): _float_or_none(first[c]) for c in pooled.columns}
        rows = {str(r["name"]): r for _, r in found.iterrows() if not pd.isna(r["name"])}
        cuts.update(
            {
                f"{prefix}{i}": _float_or_none(rows[column][f"c{i}"]) if column in rows else None
                for prefix, column in _RFM_VALUES
                for i in range(1, 5)
            }
        )
        return cuts

    def _discounts_recorded(
        self, tx: ir.Table, us: ir.IntegerValue, a: ir.Table, spec: QuerySpec
    ) -> bool:
        joined = tx.mutate(us=us).join(a, "customer_id")
        d = joined.us - joined.assigned_us
        hit = joined.filter((joined.discount != 0) & (d > 0) & (d <= max(spec.horizons) * DAY_US))
        return int(self.engine.execute(hit.aggregate(rows=hit.count()))["rows"].iloc[0]) > 0


def _int_or_none(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload]


def _float_or_none(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type,call-overload]


def _with_followup(frame: pd.DataFrame, spec: QuerySpec, end_us: int | None) -> pd.DataFrame:
    """The assignments with what depends only on them and the data's end, in Python, by the
    same comparisons as the DuckDB query on the same numbers: follow_class, tenure_days,
    assigned_after_data_end, observed_main (followed for the horizon: the caps' and the
    distribution's customers), km_followup (whole days followed, at most the longest horizon)
    and km_at_risk (followed at all: the Kaplan-Meier histogram's customers)."""
    out = frame.copy()
    assigned_us = out["assigned_us"].to_numpy(dtype=np.int64)
    follow = np.zeros(len(out), dtype=np.int64)
    if end_us is not None:
        for days in spec.thresholds:
            follow += (end_us - assigned_us) >= int(days) * DAY_US
        after_end = (end_us - assigned_us) <= 0
        followup_days = (end_us - assigned_us) / float(DAY_US)
        observed = followup_days >= int(spec.horizon_days)
        at_risk = followup_days > 0
        km_followup = np.floor(np.minimum(followup_days, float(max(spec.horizons))))
    else:
        after_end = observed = at_risk = np.zeros(len(out), dtype=bool)
        km_followup = np.zeros(len(out))
    out["follow_class"] = follow
    out["assigned_after_data_end"] = after_end.astype(np.int64)
    out["observed_main"] = observed.astype(np.int64)
    out["km_at_risk"] = at_risk.astype(np.int64)
    out["km_followup"] = km_followup.astype(np.int64)
    first_seen = out["first_seen_us"].astype("float64").to_numpy()
    tenure = np.where(np.isnan(first_seen), 0.0, (assigned_us - first_seen) / DAY_US)
    out["tenure_days"] = np.maximum(np.nan_to_num(tenure), 0.0)
    out["first_seen_us"] = out["first_seen_us"].astype("float64")
    for name in ("stratum", "attribute_segment", "customer_id"):
        out[name] = out[name].astype(object)
    return out.reset_index(drop=True)


def _per_customer(
    tx: ir.Table,
    us: ir.IntegerValue,
    a: ir.Table,
    spec: QuerySpec,
    ibis: Any,
    estimate_discounts: bool,
) -> ir.Table:
    """One row per assigned customer with every value of `_supported(spec)` except those of
    the cut points (`_scored`), and the follow-up columns of `_with_followup`.

    With `estimate_discounts`, a discount arm's order in its validity gets the configured
    discount on top of the data's (`metrics_sql.discount_given`), and the margin estimated
    from the list value includes it, as in the DuckDB query."""
    lookback = int(spec.lookback_days) * DAY_US
    longest = int(max(spec.horizons)) * DAY_US
    keys = a.select("customer_id", "assigned_us", "discount_markup", "discount_until_us")
    joined = tx.mutate(us=us).join(keys, "customer_id")
    joined = joined.mutate(d=joined.us - joined.assigned_us)
    joined = joined.filter((joined.d >= -lookback) & (joined.d <= longest))
    if estimate_discounts:
        estimated = (joined.amount > 0) & (joined.d > 0) & (joined.d <= joined.discount_until_us)
        joined = joined.mutate(
            discount=joined.discount
            + ibis.ifelse(estimated, joined.amount * joined.discount_markup, 0.0)
        )
    joined = joined.mutate(
        margin=joined.margin.fill_null((joined.amount + joined.discount) * spec.margin_rate),
    )
    d, amount = joined.d, joined.amount
    order = amount > 0

    def total(condition: ir.BooleanValue, value: ir.NumericValue) -> ir.FloatingValue:
        return ibis.ifelse(condition, value, 0.0).sum()

    def within(days: int) -> ir.BooleanValue:
        return (d > 0) & (d <= int(days) * DAY_US)

    main = within(spec.horizon_days)
    sums: dict[str, Any] = {
        "pre_orders": total((d < 0) & order, 1.0),
        "pre_spend": total(d < 0, amount),
        "pre_last_d": ibis.ifelse((d < 0) & order, d, ibis.null()).max(),
        "first_purchase_d": ibis.ifelse((d > 0) & order, d, ibis.null()).min(),
        "earliest_d": d.min(),
        "orders": total(main & order, 1.0),
        "revenue": total(main, amount),
        "margin": total(main, joined.margin),
        "discount": total(main, joined.discount),
        "contribution_early": total(within(spec.split_day), joined.margin - joined.discount),
    }
    for b, end in enumerate(spec.bucket_ends):
        sums[f"contribution_b{b}"] = total(within(end), joined.margin - joined.discount)
    per_tx = joined.group_by("customer_id").aggregate(**sums)
    x = a.left_join(per_tx, "customer_id")

    def zero(name: str) -> ir.FloatingValue:
        return x[name].fill_null(0.0)

    pre_orders = zero("pre_orders")
    margin, discount = zero("margin"), zero("discount")
    kept = margin - discount
    early = zero("contribution_early")
    recency_days = -x.pre_last_d.cast("float64") / DAY_US
    values: dict[str, Any] = {
        "pre_orders": pre_orders,
        "pre_buyer": ibis.ifelse(pre_orders > 0, 1, 0),
        "pre_spend": zero("pre_spend"),
        "pre_recency_days": recency_days,
        "pre_recency": recency_days.fill_null(float(spec.lookback_days)),
        "pre_period_segment": ibis.cases(
            (pre_orders == 0, "new"), (pre_orders == 1, "one purchase"), else_="repeat"
        ),
        "orders": zero("orders"),
        "repeat_purchase": ibis.ifelse(zero("orders") > 0, 1, 0),
        "revenue": zero("revenue"),
        "margin": margin,
        "discount": discount,
        "cost": discount + x.cost_per_customer,
        "net_value": kept - x.cost_per_customer,
        "customers_before_first_seen": ibis.ifelse(
            (x.assigned_us + x.earliest_d).cast("float64") < x.first_seen_us, 1, 0
        ),
        "contribution_early": early,
        "contribution_late": kept - early,
        "contribution_change": kept - 2 * early,
        # days to the first order in the window, whole days up (Kaplan-Meier's event day)
        "first_purchase_day": (x.first_purchase_d.cast("float64") / DAY_US).ceil(),
    }
    for h in spec.horizons:
        values[f"repeat_{h}"] = ibis.ifelse(x.first_purchase_d <= int(h) * DAY_US, 1, 0)
    for b in range(len(spec.bucket_ends)):
        cum = zero(f"contribution_b{b}")
        previous = zero(f"contribution_b{b - 1}") if b else 0.0
        values[f"bucket_b{b}"] = cum - previous
        values[f"cum_net_b{b}"] = cum - x.cost_per_customer
    passed = (
        "arm_id", "follow_class", "stratum", "attribute_segment", "cost_per_customer",
        "extra_assignments", "tenure_days", "assigned_after_data_end", "observed_main",
        "km_at_risk", "km_followup",
    )  # fmt: skip
    return x.select(*passed, **values)


# RFM quintile cuts: (score, per-customer value) in `_scored`'s order
_RFM_VALUES = (("rq", "pre_recency_days"), ("fq", "pre_orders"), ("mq", "pre_spend"))
RFM_QUANTILES = (0.2, 0.4, 0.6, 0.8)


def _discrete_cuts(table: ir.Table, columns: Sequence[str], ibis: Any) -> ir.Table:
    """One row per column (`name`, `c1`..`c4`): DuckDB's
    `quantile_disc(column, [0.2, 0.4, 0.6, 0.8])` over the pre-period buyers, on any engine.

    quantile_disc(q) is the smallest value whose cumulative count reaches q * n (the SQL
    standard's PERCENTILE_DISC; DuckDB computes q * n in doubles, so 0.6 * 5 is just above 3).
    No engine builtin has this rule everywhere: Spark's needs WITHIN GROUP, which Ibis does not
    compile, and ClickHouse's `quantileExact` takes the element at index n * q, one higher when
    n * q is whole (a test pins such a case). So it is computed from counts: the columns
    stacked (one pass over the customers), one row per (column, distinct value) with its
    count, running sums in value order within each column."""
    buyers = table.filter(table.pre_orders > 0).select(*columns)
    stacked = buyers.pivot_longer(list(columns), names_to="name", values_to="value")
    return discrete_cuts_of(stacked, ibis)


def discrete_cuts_of(stacked: ir.Table, ibis: Any) -> ir.Table:
    """`_discrete_cuts` of values already stacked as (`name`, `value`) rows: one row per name
    (`name`, `c1`..`c4`), each DuckDB's `quantile_disc` at `RFM_QUANTILES` of its values."""
    counts = stacked.group_by(["name", "value"]).aggregate(k=stacked.count())
    running = counts.mutate(
        below=counts.k.sum().over(
            ibis.window(group_by=counts.name, order_by=counts.value, preceding=None, following=0)
        ),
        n=counts.k.sum().over(ibis.window(group_by=counts.name)),
    )
    n = running.n.cast("float64")
    return running.group_by("name").aggregate(
        **{
            f"c{i}": running.value.min(where=running.below >= ibis.literal(q) * n)
            for i, q in enumerate(RFM_QUANTILES, start=1)
        }
    )


def _cuts(per_customer: ir.Table, spec: QuerySpec, ibis: Any) -> ir.Table:
    """One row of every cut point of the analysis, pooled over the arms: the caps of
    `stats.CapRule` (exact linear quantiles over the customers observed at the horizon; lower
    over the negative, upper over the positive values), the covariate cap of pre-period spend
    and the range of net value (for its histogram); the RFM quintile cuts are
    `_discrete_cuts`'."""
    from experiments.store.metrics_sql import COVARIATE_CAP_PERCENTILE

    pc = per_customer
    observed = pc.observed_main == 1
    row: dict[str, Any] = {}
    if spec.cap:
        rule = spec.cap_rule
        for m in catalogue.CAPPED:
            finite = ~pc[m].isnan() & ~pc[m].isinf()
            row[f"{m}__lower"] = pc[m].quantile(
                rule.lower_quantile, where=observed & (pc[m] < 0) & finite
            )
            row[f"{m}__upper"] = pc[m].quantile(
                rule.upper_quantile, where=observed & (pc[m] > 0) & finite
            )
    row["spend_cap"] = pc.pre_spend.quantile(COVARIATE_CAP_PERCENTILE / 100, where=pc.pre_spend > 0)
    row["net_min"] = pc.net_value.min(where=observed)
    row["net_max"] = pc.net_value.max(where=observed)
    return pc.aggregate(**row)


def _exact(value: float, ibis: Any) -> Any:
    """A double as an expression that every engine reads back bit for bit: a float literal is
    DECIMAL text to DuckDB and Spark (rounded twice on the way to DOUBLE), while the shortest
    round-trip text cast to DOUBLE is parsed correctly rounded by all three. The cut points go
    back to the engine this way, so the customers equal to a cut compare as in DuckDB."""
    return ibis.literal(repr(float(value))).cast("float64")


def _clip(value: Any, lower: float | None, upper: float | None, ibis: Any) -> Any:
    """`capping.capped` as an expression: value clipped to [lower, upper], a None threshold
    leaving that side open (no greatest/least: their NULL rules differ between engines)."""
    if lower is not None:
        low = _exact(lower, ibis)
        value = ibis.ifelse(value < low, low, value)
    if upper is not None:
        high = _exact(upper, ibis)
        value = ibis.ifelse(value > high, high, value)
    return value


def _score(column: Any, prefix: str, cuts: dict[str, float | None], ibis: Any) -> Any:
    """1 + the quintile cuts the value beats (recency: fewer days beats), 1 without a pre-period
    order; a missing cut (no pre-period buyer) is not beaten."""
    beaten: Any = 1
    for i in range(1, 5):
        cut = cuts[f"{prefix}{i}"]
        if cut is not None:
            wins = column < _exact(cut, ibis) if prefix == "rq" else column > _exact(cut, ibis)
            beaten = beaten + ibis.ifelse(wins, 1, 0)
    return beaten


def rfm_segment(tenure_days: Any, r: Any, f: Any, m: Any, ibis: Any) -> Any:
    """`metrics_sql.RFM_SEGMENT_CASE` as an expression (first match wins), from the tenure in
    days and the three scores."""
    return ibis.cases(
        (tenure_days <= NEW_CUSTOMER_DAYS, "new"),
        ((r >= 4) & (f >= 4) & (m >= 4), "champions"),
        ((r >= 3) & (f >= 3), "loyal"),
        (r >= 3, "potential loyalists"),
        ((f >= 4) & (m >= 4), "can't lose"),
        (f >= 3, "at risk"),
        (r == 2, "hibernating"),
        else_="lost",
    )


def _scored(x: ir.Table, cuts: dict[str, float | None], spec: QuerySpec, ibis: Any) -> ir.Table:
    """The per-customer rows with the capped metrics clipped (when capping), pre_spend_capped
    and rfm_segment, from the cut points of `_cuts`: `metrics_sql`'s `capped` and `scored`."""
    capped = {}
    if spec.cap:
        capped = {
            m: _clip(x[m], cuts[f"{m}__lower"], cuts[f"{m}__upper"], ibis) for m in catalogue.CAPPED
        }
    buyer = x.pre_orders > 0
    r = ibis.ifelse(buyer, _score(x.pre_recency_days, "rq", cuts, ibis), 1)
    f = ibis.ifelse(buyer, _score(x.pre_orders, "fq", cuts, ibis), 1)
    m = ibis.ifelse(buyer, _score(x.pre_spend, "mq", cuts, ibis), 1)
    segment = rfm_segment(x.tenure_days, r, f, m, ibis)
    spend_capped = _clip(x.pre_spend, None, cuts["spend_cap"], ibis)
    return x.mutate(**capped, pre_spend_capped=spend_capped, rfm_segment=segment)


def _survival(per_customer: ir.Table, ibis: Any) -> ir.Table:
    """Kaplan-Meier's histogram per arm: customers by (event, day), as the DuckDB query: the
    event day is the first order's day rounded up when within the whole days followed (at
    most the longest horizon), else the customer is censored at those days."""
    pc = per_customer.filter(per_customer.km_at_risk == 1)
    event = (pc.first_purchase_day <= pc.km_followup).fill_null(False)
    rows = pc.mutate(
        event=event, duration_days=ibis.ifelse(event, pc.first_purchase_day, pc.km_followup)
    )
    return rows.group_by(["arm_id", "event", "duration_days"]).aggregate(customers=rows.count())


def _distribution(
    per_customer: ir.Table, cuts: dict[str, float | None], spec: QuerySpec, ibis: Any
) -> ir.Table:
    """The histogram of uncapped net value per customer at the horizon, per arm: the DuckDB
    query's bins between the pooled caps (min and max without capping), values beyond a cap
    in the edge bin and counted as above / below it. Bins, not customers, leave the engine."""
    x = per_customer.filter(per_customer.observed_main == 1)
    lo_cap = cuts["net_value__lower"] if spec.cap else None
    hi_cap = cuts["net_value__upper"] if spec.cap else None
    lo = lo_cap if lo_cap is not None else cuts["net_min"]
    hi = hi_cap if hi_cap is not None else cuts["net_max"]
    if lo is None or hi is None:  # nobody observed at the horizon: no rows
        return x.filter(ibis.literal(False)).select(
            "arm_id", bin=ibis.literal(0), customers=ibis.literal(0), above_cap=ibis.literal(0),
            below_cap=ibis.literal(0), bin_lo=ibis.literal(0.0), bin_hi=ibis.literal(0.0),
        )  # fmt: skip
    low, high = _exact(lo, ibis), _exact(hi, ibis)
    raw = ((x.net_value - low) / (high - low).nullif(0) * DISTRIBUTION_BINS).floor()
    raised = ibis.ifelse(raw < 0, 0, raw)
    rows = x.mutate(
        bin=ibis.ifelse(raised > DISTRIBUTION_BINS - 1, DISTRIBUTION_BINS - 1, raised),
        above=0 if hi_cap is None else ibis.ifelse(x.net_value > _exact(hi_cap, ibis), 1, 0),
        below=0 if lo_cap is None else ibis.ifelse(x.net_value < _exact(lo_cap, ibis), 1, 0),
        lo=low,
        hi=high,
    )
    return rows.group_by(["arm_id", "bin"]).aggregate(
        customers=rows.count(),
        above_cap=rows.above.sum(),
        below_cap=rows.below.sum(),
        bin_lo=rows.lo.min(),
        bin_hi=rows.hi.min(),
    )


def _product(table: ir.Table, product: builder.Product) -> ir.NumericValue:
    value = table[product.value].cast("float64")
    return value if product.other is None else value * table[product.other].cast("float64")


def _aggregates(
    groups: pd.DataFrame,
    survival: pd.DataFrame,
    distribution: pd.DataFrame,
    caps: dict[str, tuple[float | None, float | None]],
    spec: QuerySpec,
    requests: tuple[Request, ...],
    columns: dict[builder.Product, str],
    first_us: int | None,
    end_us: int | None,
    discount_source: DiscountSource,
) -> Aggregates:
    groups = groups.astype({"follow_class": "int64", "arm_id": "int64", "customers": "int64"})
    groups = groups.replace({np.nan: None}) if groups.empty else groups

    def rolled(keys: list[str]) -> dict[tuple[object, ...], GroupStats]:
        return builder.rollup(groups, keys, requests, columns, spec.thresholds)

    arms, segments = builder.arms_and_segments(
        groups, requests, columns, spec.thresholds, SEGMENT_COLUMNS
    )
    rfm = {
        (str(segment), int(arm_id)): stats  # type: ignore[call-overload]
        for (segment, arm_id), stats in rolled(["rfm_segment", "arm_id"]).items()
    }
    survival = survival[["arm_id", "event", "duration_days", "customers"]].astype(
        {"arm_id": "int64", "event": "bool", "duration_days": "int64", "customers": "int64"}
    )
    distribution = distribution[
        ["arm_id", "bin", "customers", "above_cap", "below_cap", "bin_lo", "bin_hi"]
    ].astype(
        {"arm_id": "int64", "bin": "int64", "customers": "int64", "above_cap": "int64",
         "below_cap": "int64", "bin_lo": "float64", "bin_hi": "float64"}
    )  # fmt: skip
    return Aggregates(
        _text(first_us), _text(end_us), arms, dict(sorted(segments.items())),
        survival.sort_values(["arm_id", "duration_days", "event"], ignore_index=True), caps,
        distribution.sort_values(["arm_id", "bin"], ignore_index=True),
        cuped_moments(arms, rfm, int(spec.horizon_days)), discount_source,
    )  # fmt: skip


def _text(epoch_us: int | None) -> str | None:
    if epoch_us is None:
        return None
    moment = datetime.fromtimestamp(epoch_us // 1_000_000, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")
