"""The one function from the configured source to the engine that reads its transactions.

Every reader of transactions (the analysis, the CLV summary, the audience counts; the CLI's
`--source`, the app's `[source]` settings) asks `query_builder` / `open_engine` here, so the
precedence of the settings, the credentials and the error messages have one home:

* the URL: an explicit one (`--source`), else `$LOYALTY_LAB_SOURCE`, else `[source] url` in
  `.streamlit/secrets.toml`; none of them (or `duckdb://`) means the store itself;
* the password of a `clickhouse://USER@HOST/DB` URL: `[source] password` in the secrets, else
  `$LOYALTY_LAB_SOURCE_PASSWORD`, so it never has to be typed into a URL that a shell history
  or a process list could show;
* the table (`[source] table`, `$LOYALTY_LAB_SOURCE_TABLE`, default `transactions`) and the
  column mapping (`[source.columns]`).

Whatever fails while opening a source (the engine's package not installed, the server not
reachable, the table or a column missing) becomes a `SourceError` whose message names the
source by `Source.redacted()` and says what to do; nothing is written anywhere, so the store
is unchanged. No engine is imported before a source asks for it.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from experiments.i18n.text import Text, joined
from experiments.sources import SOURCE_COLUMNS, Source, SourceError, parse_source

if TYPE_CHECKING:
    import pandas as pd

    from experiments.catalogue import Request
    from experiments.clv.core import TimeUnit
    from experiments.design.audience import AudienceFilter
    from experiments.design.planner import PlannerInputs
    from experiments.store import Cursor
    from experiments.store.builder import QueryBuilder
    from experiments.store.customers import CustomerReturns, Followup, HistoricClv
    from experiments.store.design_sql import AudienceOptions, AudienceSummary
    from experiments.store.ibis_builder import Engine
    from experiments.store.ibis_customers import RfmOverview
    from experiments.store.metrics_sql import Aggregates, QuerySpec


__all__ = [
    "PASSWORD_ENV",
    "SECRETS_FILE",
    "SOURCE_ENV",
    "TABLE_ENV",
    "SourceBuilder",
    "audience",
    "audience_day",
    "audience_options",
    "audience_size",
    "audience_units",
    "balance_sums",
    "clv_cell_count",
    "clv_inputs",
    "configured_source",
    "customer_returns",
    "customer_rfm",
    "data_end",
    "followup_summaries",
    "historic_clv",
    "is_remote",
    "is_store",
    "last_transaction_day",
    "observed_days",
    "open_engine",
    "planner_inputs",
    "projection_rows",
    "query_builder",
    "source_settings",
]

SOURCE_ENV = "LOYALTY_LAB_SOURCE"
PASSWORD_ENV = "LOYALTY_LAB_SOURCE_PASSWORD"
TABLE_ENV = "LOYALTY_LAB_SOURCE_TABLE"
SECRETS_FILE = Path(".streamlit") / "secrets.toml"  # as st.secrets reads it
CONNECT_TIMEOUT_SECONDS = 5.0
# The package each engine needs (the module to import, the name pip installs).
_PACKAGES = {
    "duckdb": ("ibis", "ibis-framework"),
    "spark": ("pyspark", "pyspark[connect]"),
    "spark_local": ("pyspark", "pyspark"),
    "clickhouse": ("clickhouse_connect", "clickhouse-connect"),
    "chdb": ("chdb", "chdb"),
}
_INSTALL = "pip install -r requirements-engines.txt"


def source_settings(secrets: Path = SECRETS_FILE) -> dict[str, Any]:
    """The `[source]` table of the app's secrets file; {} when there is none (or it is not
    TOML: the app itself reports a broken secrets file)."""
    try:
        with secrets.open("rb") as file:
            section = tomllib.load(file).get("source", {})
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return dict(section) if isinstance(section, Mapping) else {}


def configured_source(
    url: str | None = None,
    settings: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> Source | None:
    """The source the transactions are read from, or None for the store itself.

    Args:
        url: an explicit URL (the CLI's `--source`); wins over everything.
        settings: the `[source]` settings (`source_settings()`, or the app's `st.secrets`):
            url, password, table and the `columns` mapping.
        env: the environment (default `os.environ`): $LOYALTY_LAB_SOURCE, _PASSWORD, _TABLE.

    Raises:
        SourceError: the URL or the mapping cannot be used (the message has no password).
    """
    env = os.environ if env is None else env
    settings = source_settings() if settings is None else settings
    text = (url or "").strip() or env.get(SOURCE_ENV, "").strip()
    text = text or str(settings.get("url") or "").strip()
    if not text:
        return None
    columns = settings.get("columns") or {}
    if not isinstance(columns, Mapping):
        raise SourceError(Text("source.check.columns_table"))
    source = parse_source(text, {str(k): v for k, v in columns.items()})
    table = str(settings.get("table") or env.get(TABLE_ENV, "") or "").strip()
    if table:
        source = replace(source, table=table)
    if source.kind == "clickhouse" and source.password is None:
        password = settings.get("password") or env.get(PASSWORD_ENV)
        if password:
            source = replace(source, password=str(password))
    return None if is_store(source) else source


def is_store(source: Source | None) -> bool:
    """True when the transactions are the store's own (no source, or `duckdb://`)."""
    return source is None or (source.kind == "duckdb" and source.path is None)


def is_remote(source: Source | None) -> bool:
    """True for a source on another machine (Spark Connect, a ClickHouse server): a query that
    brings back a row per customer from it says how many first and asks (the Design page's
    assignment), rather than pulling millions of rows over the network unannounced."""
    return source is not None and source.kind in ("spark", "clickhouse")


def _scrub(text: str, source: Source) -> str:
    """An engine's message with the password taken out (a driver may echo its DSN)."""
    return text.replace(source.password, "***") if source.password else text


def _first_line(error: BaseException, source: Source) -> str:
    text = str(error).strip().splitlines()
    return _scrub(text[0] if text else type(error).__name__, source)[:300]


def _reachable(source: Source) -> None:
    """Fail fast on a server that does not answer: Spark Connect's client would otherwise
    retry for minutes before saying anything."""
    if source.kind not in ("spark", "clickhouse"):
        return
    try:
        with socket.create_connection(
            (str(source.host), int(source.port or 0)), timeout=CONNECT_TIMEOUT_SECONDS
        ):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise SourceError(
            Text("source.engine.unreachable", source=source.redacted(), reason=reason)
        ) from None


def _check_path(source: Source) -> None:
    if source.kind in ("duckdb", "chdb") and source.path and not Path(source.path).exists():
        key = "source.check.no_file" if source.kind == "duckdb" else "source.check.no_directory"
        raise SourceError(Text(key, source=source.redacted()))


def _columns(engine: Engine, source: Source) -> list[str]:
    """The source table's column names; SourceError when there is no such table."""
    tables = [str(t) for t in engine.tables()]
    if source.table not in tables:
        shown = ", ".join(sorted(t for t in tables if not t.startswith("loyalty_lab_"))[:10])
        raise SourceError(
            Text(
                "source.check.no_table",
                source=source.redacted(),
                table=repr(source.table),
                tables=Text("source.check.tables", tables=shown)
                if shown
                else Text("source.check.no_tables"),
            )
        )
    return engine.columns(source.table)


def _check_columns(engine: Engine, source: Source) -> None:
    present = set(_columns(engine, source))
    missing = [
        Text("source.check.mapped", name=repr(name), column=repr(source.column(name)))
        if name in source.columns
        else repr(name)
        for name in SOURCE_COLUMNS
        if source.column(name) not in present
    ]
    if missing:
        raise SourceError(
            Text(
                "source.check.no_column",
                table=repr(source.table),
                source=source.redacted(),
                columns=joined(missing, ", "),
            )
        )


_ENGINES: dict[tuple[object, ...], Engine] = {}
_LOCK = threading.Lock()


def _key(source: Source) -> tuple[object, ...]:
    return (source.redacted(), source.password, source.table, tuple(sorted(source.columns.items())))


def open_engine(source: Source) -> Engine:
    """The engine of a source, connected and checked (the table and every column the metrics
    read are there); one per source and process (a Spark session takes seconds to start).

    Raises:
        SourceError: the engine's package is missing, the server cannot be reached, the path
            does not exist, the table or a column is missing; the message says which.
    """
    if is_store(source):
        raise SourceError(Text("source.check.store"))
    key = _key(source)
    with _LOCK:
        if key in _ENGINES:
            return _ENGINES[key]
        module, package = _PACKAGES[source.kind]
        _check_path(source)
        _reachable(source)
        try:
            __import__(module)
            __import__("ibis")
            from experiments.store import ibis_builder

            engine = ibis_builder.connect(source)
        except ModuleNotFoundError as error:
            missing = error.name or module
            wanted = "ibis-framework" if missing.startswith("ibis") else package
            raise SourceError(
                Text(
                    "source.engine.package",
                    source=source.redacted(),
                    package=repr(wanted),
                    install=_INSTALL,
                )
            ) from None
        except SourceError:
            raise
        except Exception as error:  # the engine's own error types differ per driver
            raise SourceError(
                Text(
                    "source.engine.cannot_open",
                    source=source.redacted(),
                    error=_first_line(error, source),
                )
            ) from None
        try:
            _check_columns(engine, source)
        except SourceError:
            raise
        except Exception as error:
            raise SourceError(
                Text(
                    "source.engine.cannot_read",
                    source=source.redacted(),
                    error=_first_line(error, source),
                )
            ) from None
        _ENGINES[key] = engine
        return engine


@dataclass
class SourceBuilder:
    """The analysis' `QueryBuilder` on a source: `ibis_builder.IbisBuilder` given the whole
    request (capping, CUPED moments, configured discounts, segments, Kaplan-Meier, the
    distribution), with the engine's errors turned into `SourceError`s that name the source
    by `Source.redacted()`.

    Attributes:
        source: the parsed source.
        engine: its engine (`open_engine`).
        store: a cursor on the local store (assignments, arms, customers).
    """

    source: Source
    engine: Engine
    store: Cursor

    def aggregate(self, spec: QuerySpec, requests: Sequence[Request]) -> Aggregates:
        from experiments.store import ibis_builder

        builder = ibis_builder.IbisBuilder(self.engine, self.source, self.store)
        try:
            return builder.aggregate(spec, requests)
        except ValueError as error:
            raise SourceError(
                Text("source.engine.on", source=self.source.redacted(), error=str(error))
            ) from None


def query_builder(source: Source | None, cur: Cursor) -> QueryBuilder:
    """THE builder of the analysis for a source: the store's own DuckDB query when the source
    is the store (None or `duckdb://`), else the source's engine (`open_engine`)."""
    from experiments.store import metrics_sql

    if source is None or is_store(source):
        return metrics_sql.DuckDBBuilder(cur)
    return SourceBuilder(source, open_engine(source), cur)


def data_end(source: Source) -> dt.datetime | None:
    """The source's last transaction time (naive UTC; None: no transactions), which the
    observed days of an analysis on the source are counted to.

    Raises:
        SourceError: the source cannot be opened or read.
    """
    from experiments.store import ibis_builder

    found: dt.datetime | None = _on_source(
        source, lambda engine: ibis_builder.data_end(engine, source)
    )
    return found


def clv_cell_count(
    source: Source, *, until: dt.date | None = None, time_unit: TimeUnit = "weeks"
) -> int:
    """How many summary cells `clv_inputs` would bring back from the source (one per distinct
    (frequency, recency, T, monetary): repeat customers mostly one each), asked before the
    fit on a remote source.

    Raises:
        SourceError: the source cannot be opened or read.
    """
    from experiments.store import ibis_clv

    def count(engine: Engine) -> int:
        cutoff = until or ibis_clv.last_transaction_day(engine, source)
        return 0 if cutoff is None else ibis_clv.cell_count(engine, source, cutoff, time_unit)

    return int(_on_source(source, count))


def observed_days(cur: Cursor, experiment_id: int, source: Source | None = None) -> int | None:
    """`overview.observed_days` counted to the last transaction of `source` (`data_end`), the
    store's own when None: what the analysis' default horizon and the Results page's horizon
    picker read, so both count the same days.

    Raises:
        SourceError: the source cannot be opened or read.
    """
    from experiments.store import overview

    if is_store(source):
        return overview.observed_days(cur, experiment_id)
    assert source is not None
    return overview.observed_days(cur, experiment_id, data_end(source))


def clv_inputs(
    source: Source,
    cur: Cursor,
    *,
    until: dt.date | None = None,
    time_unit: TimeUnit = "weeks",
    margin_rate: float | None = None,
) -> tuple[dt.date | None, pd.DataFrame, float]:
    """The CLV fit's inputs read from a source: the cutoff (default its last transaction day),
    the summary frame (`store.ibis_clv`: cells with counts, expanded) and the margin rate (the
    given one, else the source's with the store's rate for rows without a margin)."""
    import pandas as pd

    from experiments.store import ibis_clv
    from experiments.store import settings as store_settings

    def read(engine: Engine) -> tuple[dt.date | None, pd.DataFrame, float]:
        cutoff = until or ibis_clv.last_transaction_day(engine, source)
        if cutoff is None:
            empty = pd.DataFrame({c: [] for c in ("frequency", "recency", "T", "monetary")})
            return None, empty, store_settings.margin_rate(cur)
        cells = ibis_clv.summary_cells(engine, source, cutoff, time_unit)
        rate = margin_rate
        if rate is None:
            rate = ibis_clv.margin_rate(engine, source, cutoff, store_settings.margin_rate(cur))
        return cutoff, ibis_clv.expand(cells), rate

    found: tuple[dt.date | None, pd.DataFrame, float] = _on_source(source, read)
    return found


def customer_rfm(
    source: Source,
    cur: Cursor,
    *,
    until: dt.date | None = None,
    lookback_days: int | None = None,
    active_days: int | None = None,
) -> RfmOverview:
    """The Customers page's head counts, RFM segments and margin rate read from a source
    (`store.ibis_customers`): the cutoff defaults to its last transaction day; one row per
    segment comes back, not one per customer.

    Raises:
        SourceError: the source cannot be opened or read.
    """
    from experiments import config
    from experiments.store import customers, design_sql, ibis_clv, ibis_customers
    from experiments.store import settings as store_settings

    lookback = config.DEFAULT_LOOKBACK_DAYS if lookback_days is None else int(lookback_days)
    active = config.DEFAULT_LOOKBACK_DAYS if active_days is None else int(active_days)
    store_rate = store_settings.margin_rate(cur)

    def read(engine: Engine) -> RfmOverview:
        cutoff = until or ibis_clv.last_transaction_day(engine, source)
        if cutoff is None:
            import pandas as pd

            empty = customers.CustomerBase(None, 0, 0, 0, active)
            segments = design_sql.segment_table(
                pd.DataFrame(columns=["segment", "customers", "revenue", "repeat_rate"])
            )
            return ibis_customers.RfmOverview(None, empty, segments, store_rate)
        return ibis_customers.rfm_overview(
            engine,
            source,
            until=cutoff,
            lookback_days=lookback,
            active_days=active,
            store_margin_rate=store_rate,
        )

    found: RfmOverview = _on_source(source, read)
    return found


def customer_returns(
    source: Source,
    *,
    until: dt.date | None = None,
    max_months: int = 12,
    max_days: int = 365,
) -> CustomerReturns:
    """The Customers page's cohorts and repeat-purchase curve read from a source
    (`store.ibis_returns`, as `customers.customer_returns`): the cutoff defaults to its last
    transaction day; one row per cohort and month and per day comes back.

    Raises:
        SourceError: the source cannot be opened or read.
    """
    import pandas as pd

    from experiments.store import customers, ibis_clv, ibis_returns

    def read(engine: Engine) -> CustomerReturns:
        cutoff = until or ibis_clv.last_transaction_day(engine, source)
        if cutoff is None:
            return customers.CustomerReturns(
                None,
                customers._cohort_table([], None),
                customers._kaplan_meier(pd.DataFrame(), max_days),
            )
        return ibis_returns.customer_returns(
            engine, source, until=cutoff, max_months=max_months, max_days=max_days
        )

    return _on_source(source, read)


def historic_clv(
    source: Source,
    cur: Cursor,
    *,
    until: dt.date | None = None,
    months: int = 12,
    bins: int = 30,
    margin_rate: float | None = None,
) -> HistoricClv:
    """The Customers page's historic CLV read from a source (`store.ibis_returns`, as
    `customers.historic_clv`): rows without a margin at `margin_rate`, default the store's;
    the statistics and one row per histogram bin come back.

    Raises:
        SourceError: the source cannot be opened or read.
    """
    from experiments.store import customers, ibis_clv, ibis_returns
    from experiments.store import settings as store_settings

    rate = store_settings.margin_rate(cur) if margin_rate is None else float(margin_rate)

    def read(engine: Engine) -> HistoricClv:
        cutoff = until or ibis_clv.last_transaction_day(engine, source)
        if cutoff is None:
            return customers._historic(None, [], months=int(months), bins=int(bins))
        return ibis_returns.historic_clv(
            engine, source, until=cutoff, months=months, bins=bins, margin_rate=rate
        )

    return _on_source(source, read)


def last_transaction_day(source: Source) -> dt.date | None:
    """The calendar day of the source's latest transaction (the default cutoff); None: none.

    Raises:
        SourceError: the source cannot be opened or read.
    """
    from experiments.store import ibis_clv

    day: dt.date | None = _on_source(
        source, lambda engine: ibis_clv.last_transaction_day(engine, source)
    )
    return day


def followup_summaries(
    source: Source,
    cur: Cursor,
    experiment_id: int,
    *,
    start_days: int,
    calibration_end: dt.date,
    end: dt.date,
    time_unit: TimeUnit = "weeks",
    margin_rate: float | None = None,
) -> Followup:
    """`customers.followup_summaries` (what the experiment CLV projection fits and checks)
    read from a source (`store.ibis_followup`): the experiment's assignments go to the engine
    as the temporary assignments table; cells of equal customers with their counts come back.

    Raises:
        SourceError: the source cannot be opened or read.
    """
    from experiments import config
    from experiments.store import ibis_followup

    rate = config.DEFAULT_MARGIN_RATE if margin_rate is None else float(margin_rate)
    found: Followup = _on_source(
        source,
        lambda engine: ibis_followup.followup_summaries(
            engine,
            source,
            cur,
            experiment_id,
            start_days=start_days,
            calibration_end=calibration_end,
            end=end,
            time_unit=time_unit,
            margin_rate=rate,
        ),
    )
    return found


def projection_rows(cur: Cursor, experiment_id: int) -> int:
    """At most how many rows the per-arm CLV projection brings back from a source
    (`followup_summaries`): one per assigned customer, fewer as equal customers (those without
    a purchase after the levers' window) share a cell. Counted in the store, asked before the
    projection runs on a remote source."""
    from experiments.store import design_sql

    return int(design_sql.assigned_arms(cur, experiment_id)["customer_id"].nunique())


def _on_source(source: Source, read: Any) -> Any:
    """`read(engine)` on the source's engine, its errors as `SourceError`s naming the source."""
    engine = open_engine(source)
    try:
        return read(engine)
    except SourceError:
        raise
    except Exception as error:  # an engine error while reading
        raise SourceError(
            Text(
                "source.engine.cannot_read",
                source=source.redacted(),
                error=_first_line(error, source),
            )
        ) from None


def audience(cur: Cursor, filters: AudienceFilter, source: Source | None = None) -> AudienceSummary:
    """The Design page's audience size and spend histogram: `design_sql.audience` on the
    store, `ibis_design.audience` on a source (computed there; a few numbers come back)."""
    from experiments.store import design_sql, ibis_design

    if is_store(source):
        return design_sql.audience(cur, filters)
    assert source is not None
    return _on_source(source, lambda e: ibis_design.audience(e, source, cur, filters))


def planner_inputs(
    cur: Cursor,
    filters: AudienceFilter,
    horizon_days: int,
    source: Source | None = None,
    margin_rate: float | None = None,
) -> PlannerInputs:
    """The planner's baseline (`design_sql.planner_inputs`), on the store or the source;
    `margin_rate` None: the store's."""
    from experiments.store import design_sql, ibis_design
    from experiments.store import settings as store_settings

    if is_store(source):
        return design_sql.planner_inputs(cur, filters, horizon_days, margin_rate)
    assert source is not None
    rate = store_settings.margin_rate(cur) if margin_rate is None else float(margin_rate)
    return _on_source(
        source,
        lambda e: ibis_design.planner_inputs(e, source, cur, filters, int(horizon_days), rate),
    )


def audience_options(cur: Cursor, source: Source | None = None) -> AudienceOptions:
    """Channels, attributes and the average order value the audience builder offers: the
    channels and the order value from the source when there is one."""
    from experiments.store import design_sql, ibis_design

    if is_store(source):
        return design_sql.audience_options(cur)
    assert source is not None
    return _on_source(source, lambda e: ibis_design.audience_options(e, source, cur))


def audience_day(cur: Cursor, filters: AudienceFilter, source: Source | None = None) -> dt.date:
    """The day the audience is computed for (`design_sql.audience_day`): the filter's, else
    the day after the last transaction of the store or the source."""
    from experiments.store import design_sql, ibis_design

    if is_store(source) or filters.as_of:
        return design_sql.audience_day(cur, filters)
    assert source is not None
    return _on_source(source, lambda e: ibis_design.audience_day(e, source, filters))


def audience_size(cur: Cursor, filters: AudienceFilter, source: Source | None = None) -> int:
    """How many customers (rows) `audience_units` brings back."""
    from experiments.store import design_sql, ibis_design

    if is_store(source):
        return design_sql.audience(cur, filters).customers
    assert source is not None
    return int(_on_source(source, lambda e: ibis_design.audience_size(e, source, cur, filters)))


def audience_units(
    cur: Cursor, filters: AudienceFilter, salt: str, source: Source | None = None
) -> pd.DataFrame:
    """`design_sql.audience_units` (customer_id, unit, segment, spend_tier, pre_spend,
    pre_orders, recency_days, pre_repeat, ordered by customer_id) on the store or a source.

    On a source, the engine returns one row per audience customer (`ibis_design.audience_rows`)
    and the rest is computed here: the hash unit by `design.hash_units` (never the engine's
    hash), the spend tier as DuckDB's `ntile(4) OVER (ORDER BY monetary, customer_id)`.
    """
    import numpy as np
    import pandas as pd

    from experiments.design.randomize import hash_units
    from experiments.store import design_sql, ibis_design

    if is_store(source):
        return design_sql.audience_units(cur, filters, salt)
    assert source is not None
    rows = _on_source(source, lambda e: ibis_design.audience_rows(e, source, cur, filters))
    n = len(rows)
    order = np.lexsort((rows["customer_id"].astype(str).to_numpy(), rows["pre_spend"].to_numpy()))
    tier = np.empty(n, dtype=np.int64)
    # ntile(4): the first n % 4 tiles get one row more
    size, extra = divmod(n, 4)
    bounds = np.cumsum([size + (1 if i < extra else 0) for i in range(4)])
    tier[order] = np.searchsorted(bounds, np.arange(n), side="right") + 1
    return pd.DataFrame(
        {
            "customer_id": rows["customer_id"].astype(str),
            "unit": hash_units(salt, rows["customer_id"].astype(str)),
            "segment": rows["segment"],
            "spend_tier": tier.astype("int32"),
            "pre_spend": rows["pre_spend"].astype(float),
            "pre_orders": rows["pre_orders"].astype("int64"),
            "recency_days": rows["recency_days"].astype("int64"),
            "pre_repeat": (rows["pre_orders"] >= 2).astype("int32"),
        }
    )


def balance_sums(
    cur: Cursor,
    experiment_id: int,
    as_of: dt.date,
    lookback_days: int,
    source: Source | None = None,
) -> list[tuple[str, int, list[float]]]:
    """The frozen experiment's balance sums (`design_sql.balance_sums`), on the store or the
    source (its assignments sent as a temporary table, one row per arm back)."""
    from experiments.store import design_sql, ibis_design

    if is_store(source):
        return design_sql.balance_sums(cur, experiment_id, as_of, lookback_days)
    assert source is not None
    return _on_source(
        source,
        lambda e: ibis_design.balance_sums(e, source, cur, experiment_id, as_of, lookback_days),
    )


def forget_engines() -> None:
    """Drop the cached engines (tests; a changed secrets file)."""
    with _LOCK:
        _ENGINES.clear()
