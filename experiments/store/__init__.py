"""DuckDB store: one connection per process, a cursor per caller, every write in one transaction.

DuckDB lets one process hold a database file for writing. The connection is opened once per
process and path (`open_store`); each script run or thread takes its own `cursor()` because a
DuckDB connection must not be shared by threads. Writes go through `Store.transaction()`, which
bumps `meta.store_version` so UI caches can key on it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

from experiments import config
from experiments.store.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = [
    "Store",
    "StoreError",
    "StoreLocked",
    "open_store",
    "quote_identifier",
]

Cursor = duckdb.DuckDBPyConnection


class StoreError(Exception):
    """A problem the user can act on; the message says what happened and what to do.

    Attributes:
        key: the catalogue key of the message (``store.error.no_upload``), so the command line
            and the pages say it in their language (the store itself has no languages); ""
            for a message that has none.
        values: the message's values.
    """

    def __init__(self, message: object = "", key: str = "", **values: object) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


class StoreLocked(StoreError):
    """Another process holds the database file for writing."""


_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>\S+) \(PID (?P<pid>\d+)\)")


def _locked(path: Path, error: Exception) -> StoreLocked:
    """The refusal of a store another process holds, naming that process when DuckDB does."""
    match = _LOCK_HOLDER.search(str(error))
    if match is None:
        return StoreLocked(
            f"The store {path} is in use by another process - most likely the Loyalty Lab app. "
            f"{_LOCKED_HINT}",
            "store.error.locked",
            path=path,
        )
    pid, program = match["pid"], Path(match["program"]).name
    return StoreLocked(
        f"The store {path} is in use by process {pid} ({program}) - most likely the Loyalty "
        f"Lab app. {_LOCKED_HINT}",
        "store.error.locked_by",
        path=path,
        pid=pid,
        program=program,
    )


_LOCKED_HINT = (  # the English of store.error.locked*: the store has no languages
    "DuckDB lets only one process write to a database file at a time. Stop the app (or that "
    "process) and run the command again, or point --db / LOYALTY_LAB_DB at another file."
)


def quote_identifier(name: str) -> str:
    """Quote an SQL identifier. Only for names from a fixed whitelist, never raw user text."""
    return '"' + name.replace('"', '""') + '"'


def duckdb_config() -> dict[str, str | bool | int | float | list[str]]:
    """The DuckDB settings of every store connection, from config (None: DuckDB's default)."""
    settings: dict[str, str | bool | int | None] = {
        "memory_limit": config.DUCKDB_MEMORY_LIMIT,
        "threads": config.DUCKDB_THREADS,
        "preserve_insertion_order": config.DUCKDB_PRESERVE_INSERTION_ORDER,
        "temp_directory": config.DUCKDB_TEMP_DIRECTORY,
    }
    return {key: value for key, value in settings.items() if value is not None}


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?", re.IGNORECASE)
_UNIT = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_UNIT |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def memory_bytes(limit: str | None) -> int | None:
    """Bytes of a DuckDB memory setting such as ``512MB`` or ``2 GiB``; None when unset or
    not of that form."""
    match = _SIZE.fullmatch(limit.strip()) if limit else None
    if match is None:
        return None
    return int(float(match[1]) * _UNIT[(match[2] or "b").lower()])


class Store:
    """A DuckDB database file with the Loyalty Lab schema applied."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._write_lock = threading.RLock()
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(
                str(self.path),
                read_only=read_only,
                config=duckdb_config(),
            )
        except duckdb.IOException as error:
            if "lock" in str(error).lower():
                raise _locked(self.path, error) from None
            raise StoreError(
                f"Cannot open the store {self.path}: {error}",
                "store.error.cannot_open",
                path=self.path,
                reason=error,
            ) from None
        if not read_only:
            self._migrate()

    # -- connections -------------------------------------------------------------------------
    def cursor(self) -> Cursor:
        """A cursor for the calling thread: cheap, and safe to use while other threads query."""
        return self._con.cursor()

    def close(self) -> None:
        self._con.close()

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """All-or-nothing write. Bumps the store version on commit; rolls back on any error."""
        with self._write_lock:
            cur = self._con.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                yield cur
                cur.execute("UPDATE meta SET value = value + 1 WHERE key = 'store_version'")
                cur.execute("COMMIT")
            except BaseException:
                with suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
                raise
            finally:
                cur.close()

    @contextmanager
    def load_memory(self) -> Iterator[None]:
        """Within: DuckDB's memory limit raised to `config.DUCKDB_LOAD_MEMORY_LIMIT`, then set
        back to the store's `config.DUCKDB_MEMORY_LIMIT` (also when the load fails).

        The limit is the database's, not the cursor's: the write lock is held throughout, so
        no other write starts (or ends, setting the limit back) meanwhile. Nothing changes when
        either limit is unset or the load's is not larger.
        """
        store_limit, load_limit = config.DUCKDB_MEMORY_LIMIT, config.DUCKDB_LOAD_MEMORY_LIMIT
        store_bytes, load_bytes = memory_bytes(store_limit), memory_bytes(load_limit)
        with self._write_lock:
            if self.read_only or not store_bytes or not load_bytes or load_bytes <= store_bytes:
                yield
                return
            with self._con.cursor() as cur:
                cur.execute("SET memory_limit = ?", [load_limit])
            try:
                yield
            finally:  # the load is committed or refused by now: a failure here must not
                # read as "nothing was loaded"; the next load sets the limit back again
                with self._con.cursor() as cur, suppress(duckdb.Error):
                    cur.execute("SET memory_limit = ?", [store_limit])

    # -- bookkeeping -------------------------------------------------------------------------
    def version(self) -> int:
        """Store version: increases with every committed write. Use it as a cache key."""
        with self.cursor() as cur:
            row = cur.execute("SELECT value FROM meta WHERE key = 'store_version'").fetchone()
        return int(row[0]) if row else 0

    def schema_version(self) -> int:
        with self.cursor() as cur:
            return _applied_migrations(cur)

    def is_empty(self) -> bool:
        """True when the store holds no transactions, experiments or results."""
        with self.cursor() as cur:
            row = cur.execute(
                "SELECT (SELECT count(*) FROM transactions) + (SELECT count(*) FROM experiments)"
                " + (SELECT count(*) FROM campaign_results)"
            ).fetchone()
        return not row or int(row[0]) == 0

    def _migrate(self) -> None:
        with self._write_lock, self._con.cursor() as cur:
            applied = _applied_migrations(cur)
            if applied > SCHEMA_VERSION:
                raise StoreError(
                    f"The store {self.path} has schema version {applied}, newer than this "
                    f"Loyalty Lab ({SCHEMA_VERSION}). Upgrade Loyalty Lab to open it.",
                    "store.error.newer_schema",
                    path=self.path,
                    version=applied,
                    ours=SCHEMA_VERSION,
                )
            for number in range(applied, SCHEMA_VERSION):
                cur.execute("BEGIN TRANSACTION")
                try:
                    for statement in MIGRATIONS[number]:
                        cur.execute(statement)
                    cur.execute(
                        "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [number + 1]
                    )
                    cur.execute("COMMIT")
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise


def _applied_migrations(cur: Cursor) -> int:
    exists = cur.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchone()
    if not exists or exists[0] == 0:
        return 0
    row = cur.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


_open: dict[Path, Store] = {}
_open_lock = threading.Lock()


def open_store(path: str | Path | None = None) -> Store:
    """The process-wide store for a path (default: $LOYALTY_LAB_DB or data/loyalty.duckdb)."""
    resolved = config.db_path(path).resolve()
    with _open_lock:
        store = _open.get(resolved)
        if store is None:
            store = Store(resolved)
            _open[resolved] = store
        return store
