"""Materialized per-customer window sums of an experiment, for all its standard horizons at once.

The analysis query (`metrics_sql.experiment_aggregates`) spends most of its time joining the
assignments to their transactions and folding them per customer. `build` does that once per
store version for every standard horizon (and every contribution cut-off their decay buckets
and fading split need): the assigned customers become a small table with an integer `unit`
(`metrics_sql.assigned_rows`), the transactions are joined to it and folded per unit
(`metrics_sql.unit_sums`) into two more tables, the pre-period's sums and the windows';
`Materialized.window` then lets `experiment_aggregates` read a horizon's per-customer rows from
those tables (joining the two folds on the unit, reading only that horizon's columns), so a
horizon or capping change never scans the transactions again. The sums are the same SQL
(`metrics_sql.window_sums`, `contribution_to`, `PRE_PERIOD_SUMS`) over the same rows, so the
statistics are the same. The first open builds them in one statement instead
(`build(..., one_statement=True)`, `metrics_sql.customer_sums`): one scan and join of the
transactions feeds both folds, and one in-memory table (`_customers`) holds the assigned rows
with their sums, so the view reads it without joining on the unit. The Results page's first
open of a version builds them for the opened horizon, and its background job for every offered
one (`experiments.precompute`): each window sum costs per joined row, and one horizon needs
about a third of all horizons' sums.

The tables live in a scratch database attached to the store's connection (`SCHEMA`, a file in
the temporary directory, `_attach`): they never change the store file (so they bump no
version), every cursor of the process sees them, and the file goes with the process. The
assigned customers' table alone lives in an attached in-memory database (`MEMORY_SCHEMA`):
writing its 658,721 rows into the file cost 0.78 s of CPU at 1M customers, into memory 0.43 s
(the file's compression of the customer ids is most of the difference), and it is on the first
open's critical path. Its 71 MB at 1M customers need not stay resident: DuckDB 2.0 moves an
in-memory table's blocks to its temporary directory within the memory limit (a 950 MB one was
built and read under 512MB). A table's
name carries the experiment id and the store version it was built for; `drop_stale` drops the
others. They are transient by measurement: the per-arm aggregates computed from them for every
(horizon, capping) are a few hundred KB each, so `experiments.precompute` keeps the aggregates
and drops the tables once they are computed.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import re
import stat
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

from experiments.store import Cursor, quote_identifier
from experiments.store import metrics_sql as sql

__all__ = ["MEMORY_SCHEMA", "SCHEMA", "Materialized", "build", "drop", "drop_stale", "table_name"]

SCHEMA = "loyalty_results"  # attached scratch file database holding the materialized sums
MEMORY_SCHEMA = "loyalty_results_memory"  # attached in-memory database: the assigned table
_ASSIGNED_COLUMNS = (
    "unit", "customer_id", "assigned_at", "arm_id", "assigned_us", "stratum",
    "cost_per_customer", "first_seen", "attribute_segment", "extra_assignments",
)  # fmt: skip
# the tables of one build: window sums per unit (with transactions), assigned rows, data bounds
_PARTS = ("_pre", "_window", "_assigned", "_bounds")
_ONE_RELATION_PARTS = ("_customers", "_bounds")  # a one-statement build's (`build`)
_VERSIONED = re.compile(r"_v(?P<version>\d+)(_[a-z]+)?(_pre|_window|_bounds|_assigned|_customers)$")
_PRE_PERIOD = tuple(name for name, _ in sql.PRE_PERIOD_SUMS)
# PRE_PERIOD_SUMS by the table holding them: the pre-period's, the windows' (`unit_sums`), and
# the earliest offset, the least of both
_PRE_TABLE = tuple(n for n in sql.PRE_PART if n != "earliest_d")
_WINDOW_TABLE = tuple(n for n in sql.WINDOW_PART if n != "earliest_d")
_WINDOW = tuple(name for name, _ in sql.window_sums("0"))


def table_name(experiment_id: int, version: int, label: str = "") -> str:
    """`customers_e{id}_v{version}[_{label}]`, the prefix of a build's tables (`_PARTS`): ids and
    versions are integers and labels lowercase letters (ValueError otherwise), so the names are
    safe."""
    if label and re.fullmatch(r"[a-z]+", label) is None:
        raise ValueError(f"Not a table label: {label!r}")
    suffix = f"_{label}" if label else ""
    return f"customers_e{int(experiment_id)}_v{int(version)}{suffix}"


def _qualified(name: str) -> str:
    schema = MEMORY_SCHEMA if name.endswith(("_assigned", "_customers")) else SCHEMA
    return f"{quote_identifier(schema)}.{quote_identifier(name)}"


_files: list[Path] = []  # the scratch databases this process attached (removed at exit)
_counter = itertools.count()
_attach_lock = threading.Lock()  # one check-then-attach at a time: no race to recognise
_SCRATCH = re.compile(r"^loyalty-results-(?P<pid>\d+)-\d+\.duckdb(\.wal)?$")
_scratch_dir: Path | None = None


@atexit.register
def _remove_files() -> None:
    for path in _files:
        for part in (path, path.with_name(path.name + ".wal")):
            part.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's
        return True
    return True


def _private_dir() -> Path:
    """The directory of this user's scratch databases: `loyalty-results-<uid>` in the
    temporary directory, owner-only (0700), so nobody else can read the per-customer sums
    (DuckDB creates its files, WAL included, with the process' umask). A path there that is
    not our own directory (another user's, a symlink) is never used: a fresh private one is.
    On first use, the files of processes that no longer run (killed: no atexit) are removed."""
    global _scratch_dir
    if _scratch_dir is not None:
        return _scratch_dir
    uid = os.getuid() if hasattr(os, "getuid") else None
    path = Path(tempfile.gettempdir()) / f"loyalty-results-{uid if uid is not None else 'user'}"
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        info = path.lstat()
        if not stat.S_ISDIR(info.st_mode) or (uid is not None and info.st_uid != uid):
            raise PermissionError(f"{path} is not this user's directory")
        if stat.S_IMODE(info.st_mode) != 0o700:
            path.chmod(0o700)
    except OSError:
        path = Path(tempfile.mkdtemp(prefix="loyalty-results-"))  # 0700, unique
    legacy = Path(tempfile.gettempdir())  # where earlier versions left them
    for stale in [*path.iterdir(), *legacy.glob("loyalty-results-*.duckdb*")]:
        match = _SCRATCH.match(stale.name)
        if not match or int(match["pid"]) == os.getpid() or _alive(int(match["pid"])):
            continue
        with contextlib.suppress(OSError):  # another user's, or gone meanwhile
            if uid is None or stale.lstat().st_uid == uid:
                stale.unlink()
    _scratch_dir = path
    return path


def _attach(cur: Cursor) -> None:
    """Attach the scratch database SCHEMA and the in-memory MEMORY_SCHEMA to the store's
    connection, once.

    A file in the user's private scratch directory (`_private_dir`) rather than ':memory:':
    DuckDB can evict a file database's blocks within the memory limit, while an in-memory
    database's must stay resident, and at 5M customers (3.3M assigned) the table alone outgrew
    the 512MB limit ("Out of Memory Error"). Named per process, never the store file itself;
    the file is made owner-only (0600) once DuckDB has created it."""
    with _attach_lock:
        attached = {
            str(row[0])
            for row in cur.execute(
                "SELECT database_name FROM duckdb_databases() WHERE database_name IN (?, ?)",
                [SCHEMA, MEMORY_SCHEMA],
            ).fetchall()
        }
        if MEMORY_SCHEMA not in attached:
            cur.execute(f"ATTACH ':memory:' AS {quote_identifier(MEMORY_SCHEMA)}")
        if SCHEMA in attached:
            return
        path = _private_dir() / f"loyalty-results-{os.getpid()}-{next(_counter)}.duckdb"
        literal = "'" + str(path).replace("'", "''") + "'"  # our own path, not user input
        cur.execute(f"ATTACH {literal} AS {quote_identifier(SCHEMA)}")
        _files.append(path)
        path.chmod(0o600)


def cutoffs(horizons: tuple[int, ...], bucket_days: int) -> tuple[int, ...]:
    """Every day count a horizon's contribution is summed to: its decay bucket ends and its
    fading split (`QuerySpec.bucket_ends`, `split_day`)."""
    days: set[int] = set()
    for h in horizons:
        spec = sql.QuerySpec(experiment_id=0, horizon_days=h, bucket_days=bucket_days)
        days |= {*spec.bucket_ends, spec.split_day}
    return tuple(sorted(days))


@dataclass(frozen=True)
class Materialized:
    """One experiment's per-customer window sums at one store version.

    Attributes:
        experiment_id: the experiment.
        version: the store version the sums were built from; never read for another.
        table: the prefix of the tables' names in SCHEMA (`table_name`; one table per part).
        horizons: window sums (orders, revenue, margin, discount) exist for these horizons.
        cutoffs: contribution sums exist to these days after assignment.
        max_days: the longest window joined (`QuerySpec.horizons`' maximum).
        lookback_days: pre-period length.
        margin_rate: margin share used where a transaction has no margin.
        bucket_days: the bucket width asked for (widened per horizon as in `QuerySpec`).
        discount_source: 'data' or 'configured' (`metrics_sql.DiscountSource`).
        one_relation: built in one statement (`build`'s one_statement): one table, `_customers`,
            holds the assigned rows and both folds, and a view reads it without a join.
    """

    experiment_id: int
    version: int
    table: str
    horizons: tuple[int, ...]
    cutoffs: tuple[int, ...]
    max_days: int
    lookback_days: int
    margin_rate: float
    bucket_days: int
    discount_source: sql.DiscountSource
    one_relation: bool = False

    def covers(self, spec: sql.QuerySpec) -> bool:
        """Can `spec` be answered from these sums exactly as from the transactions?"""
        return (
            spec.experiment_id == self.experiment_id
            and spec.horizon_days in self.horizons
            and max(spec.horizons) == self.max_days
            and {*spec.bucket_ends, spec.split_day} <= set(self.cutoffs)
            and spec.lookback_days == self.lookback_days
            and spec.margin_rate == self.margin_rate
            and spec.segment_attribute is None
            and spec.discounts in ("auto", self.discount_source)
        )

    def window(self) -> sql.WindowSource:
        """The source `metrics_sql.experiment_aggregates` reads instead of the transactions."""
        return sql.WindowSource(
            ctes=self._ctes, discount_source=self.discount_source, one_relation=self.one_relation
        )

    def _ctes(self, spec: sql.QuerySpec, params: dict[str, object]) -> str:
        if not self.covers(spec):
            raise ValueError(f"{self.table} does not hold horizon {spec.horizon_days}")
        params["lookback_days"] = int(spec.lookback_days)
        params["max_days"] = int(max(spec.horizons))
        params["h_main"] = int(spec.horizon_days)
        h = int(spec.horizon_days)
        w = "c" if self.one_relation else "w"
        sums = [f"{w}.{name}_{h} AS {name}" for name in _WINDOW]
        sums.append(f"{w}.contribution_{spec.split_day} AS contribution_early")
        sums += [
            f"{w}.contribution_{end} AS contribution_b{b}" for b, end in enumerate(spec.bucket_ends)
        ]
        bounds = _qualified(f"{self.table}_bounds")
        if self.one_relation:
            customers = _qualified(f"{self.table}_customers")
            return f"""
    bounds AS (SELECT first_ts, last_ts, end_us FROM {bounds}),
    per_tx AS (
        SELECT {", ".join(f"c.{n}" for n in sql.CUSTOMER_SUMS_COLUMNS)}, {", ".join(sums)}
        FROM {customers} c
    )"""  # noqa: S608
        columns = [*(f"p.{name}" for name in _PRE_TABLE), *(f"w.{name}" for name in _WINDOW_TABLE)]
        columns.append("least(p.earliest_d, w.earliest_d) AS earliest_d")
        columns += sums
        pre, window = _qualified(f"{self.table}_pre"), _qualified(f"{self.table}_window")
        assigned = _qualified(f"{self.table}_assigned")
        # the two folds joined here, reading the columns of this view only: a table of their
        # join would rewrite every horizon's sums (measured 0.85 s of CPU at 1M customers)
        return f"""
    bounds AS (SELECT first_ts, last_ts, end_us FROM {bounds}),
    assigned AS (SELECT {", ".join(_ASSIGNED_COLUMNS)} FROM {assigned}),
    per_tx AS (
        SELECT coalesce(p.unit, w.unit) AS unit, {", ".join(columns)}
        FROM {pre} p FULL JOIN {window} w ON w.unit = p.unit
    )"""  # noqa: S608


def _bound(params: dict[str, object], text: str) -> dict[str, object]:
    """The parameters a statement uses (DuckDB refuses unused named parameters)."""
    return {k: v for k, v in params.items() if re.search(rf"\${re.escape(k)}\b", text)}


def build(
    cur: Cursor,
    spec: sql.QuerySpec,
    horizons: tuple[int, ...],
    version: int,
    *,
    label: str = "",
    one_statement: bool = False,
) -> Materialized:
    """Join the experiment's assignments to their transactions once and store every customer's
    window sums for `horizons` (capped at max(spec.horizons): longer ones need another join).

    Args:
        cur: a cursor of the store (its own thread's).
        spec: the experiment, lookback, margin rate and bucket width (its horizon is ignored).
        horizons: the horizons to hold.
        version: the store version being read (names the tables).
        label: tells apart two builds of one experiment and version (`table_name`).
        one_statement: the first open's build: the transactions scanned and joined once for
            both folds, and one table of the assigned rows with their sums
            (`metrics_sql.customer_sums`), read by a view without a join. At 1M customers a
            60-day first open took 2.73 s of CPU against 3.11 s (bench/results/first_open.md).
            Both folds' hash tables are then held at once: when DuckDB runs out of memory,
            the folds are built one after the other as without it.
    """
    max_days = max(spec.horizons)
    held = tuple(sorted({int(h) for h in horizons if 0 < int(h) <= max_days}))
    days = cutoffs(held, spec.bucket_days)
    source: sql.DiscountSource = (
        spec.discounts
        if spec.discounts != "auto"
        else ("data" if sql.discounts_recorded(cur, spec.experiment_id, max_days) else "configured")
    )
    params: dict[str, object] = {}
    window_sums: list[str] = []
    for h in held:
        params[f"w{h}"] = h
        window_sums += [
            f"{expression} AS {name}_{h}" for name, expression in sql.window_sums(f"$w{h}")
        ]
    for d in days:
        params[f"c{d}"] = d
        window_sums.append(f"{sql.contribution_to(f'$c{d}')} AS contribution_{d}")
    _attach(cur)
    name = table_name(spec.experiment_id, version, label)
    if one_statement:
        customers = _qualified(f"{name}_customers")
        text = sql.customer_sums(spec, params, source, window_sums)
        try:
            cur.execute(f"CREATE OR REPLACE TABLE {customers} AS {text}", _bound(params, text))
        except duckdb.OutOfMemoryException:  # both folds at once: one after the other instead
            cur.execute(f"DROP TABLE IF EXISTS {customers}")
            return build(cur, spec, horizons, version, label=label)
    else:
        assigned = _qualified(f"{name}_assigned")
        assigned_params: dict[str, object] = {}
        cur.execute(
            f"CREATE OR REPLACE TABLE {assigned} AS {sql.assigned_rows(spec, assigned_params)}",
            assigned_params,
        )
        pre, window = sql.unit_sums(spec, params, assigned, source, window_sums)
        # one aggregation per statement: each spills alone within the memory limit (both at
        # once under a FULL JOIN ran out of memory at 5M customers); a view joins the two
        cur.execute(
            f"CREATE OR REPLACE TABLE {_qualified(f'{name}_pre')} AS {pre}", _bound(params, pre)
        )
        cur.execute(
            f"CREATE OR REPLACE TABLE {_qualified(f'{name}_window')} AS {window}",
            _bound(params, window),
        )
    cur.execute(f"CREATE OR REPLACE TABLE {_qualified(name + '_bounds')} AS {sql.BOUNDS_SQL}")
    return Materialized(
        experiment_id=int(spec.experiment_id),
        version=int(version),
        table=name,
        horizons=held,
        cutoffs=days,
        max_days=int(max_days),
        lookback_days=int(spec.lookback_days),
        margin_rate=float(spec.margin_rate),
        bucket_days=int(spec.bucket_days),
        discount_source=source,
        one_relation=one_statement,
    )


def drop(cur: Cursor, materialized: Materialized) -> None:
    """Drop one materialized table (its per-arm statistics are kept by the caller)."""
    parts = _ONE_RELATION_PARTS if materialized.one_relation else _PARTS
    for name in (f"{materialized.table}{part}" for part in parts):
        cur.execute(f"DROP TABLE IF EXISTS {_qualified(name)}")


def drop_stale(cur: Cursor, version: int) -> list[str]:
    """Drop every materialized table built for another store version; their names."""
    _attach(cur)
    rows = cur.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name IN (?, ?)",
        [SCHEMA, MEMORY_SCHEMA],
    ).fetchall()
    stale = [
        str(r[0])
        for r in rows
        if (match := _VERSIONED.search(str(r[0]))) is None or int(match["version"]) != version
    ]
    for name in stale:
        cur.execute(f"DROP TABLE IF EXISTS {_qualified(name)}")
    return stale
