"""Store: schema migrations, transactions, versioning, locking."""

from __future__ import annotations

import subprocess
import sys

import pytest

from experiments.store import Store
from experiments.store.schema import SCHEMA_VERSION


def test_new_store_has_current_schema_and_is_empty(store):
    assert store.schema_version() == SCHEMA_VERSION
    assert store.is_empty()
    assert store.version() == 0


def test_reopening_does_not_migrate_twice(tmp_path):
    path = tmp_path / "s.duckdb"
    Store(path).close()
    again = Store(path)
    assert again.schema_version() == SCHEMA_VERSION
    again.close()


def test_transaction_commits_and_bumps_version(store):
    with store.transaction() as cur:
        cur.execute("INSERT INTO customers VALUES ('c1', now())")
    assert store.version() == 1
    assert store.cursor().execute("SELECT count(*) FROM customers").fetchone() == (1,)


def test_failed_transaction_leaves_store_and_version_unchanged(store):
    with pytest.raises(RuntimeError), store.transaction() as cur:
        cur.execute("INSERT INTO customers VALUES ('c1', now())")
        raise RuntimeError("boom")
    assert store.version() == 0
    assert store.cursor().execute("SELECT count(*) FROM customers").fetchone() == (0,)


def test_second_process_gets_a_clear_message_naming_the_cause(store):
    code = (
        "from experiments.store import Store, StoreLocked\n"
        f"try:\n    Store({str(store.path)!r})\n"
        "except StoreLocked as e:\n    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "in use by process" in out
    assert "only one process" in out


def test_cli_on_a_locked_store_exits_2_without_traceback(store):
    result = subprocess.run(
        [sys.executable, "-m", "experiments", "--db", str(store.path), "stats", "--json"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "in use by process" in result.stderr


def test_duckdb_memory_is_limited_for_every_cursor(store, tmp_path, monkeypatch):
    """DuckDB's buffer pool counts in the app's memory and by default may take 80% of the RAM;
    the store caps it (config.DUCKDB_MEMORY_LIMIT), for the cursors the pages use too."""
    import duckdb

    from experiments import config

    def limit(cur) -> str:
        return str(cur.execute("SELECT current_setting('memory_limit')").fetchone()[0])

    def shown(setting: str | None) -> str:
        with duckdb.connect(config={"memory_limit": setting} if setting else {}) as con:
            return limit(con)

    with store.cursor() as cur:
        assert limit(cur) == shown(config.DUCKDB_MEMORY_LIMIT) != shown(None)
    monkeypatch.setattr(config, "DUCKDB_MEMORY_LIMIT", "300MB")
    other = Store(tmp_path / "other.duckdb")
    with other.cursor() as cur:
        assert limit(cur) == shown("300MB") == "286.1 MiB"
    other.close()
    monkeypatch.setattr(config, "DUCKDB_MEMORY_LIMIT", None)  # LOYALTY_LAB_DUCKDB_MEMORY=""
    unlimited = Store(tmp_path / "unlimited.duckdb")
    with unlimited.cursor() as cur:
        assert limit(cur) == shown(None)
    unlimited.close()


def test_a_load_runs_under_the_load_memory_limit_and_sets_the_store_limit_back(
    tmp_path, monkeypatch
):
    """An upload spills its staging and sort past the store's 512MB: it runs under
    config.DUCKDB_LOAD_MEMORY_LIMIT, and the pages' limit is back afterwards, also after a
    refused file; a load limit below the store's is not applied."""
    from experiments import config, ingest

    monkeypatch.setattr(config, "DUCKDB_MEMORY_LIMIT", "300MB")
    monkeypatch.setattr(config, "DUCKDB_LOAD_MEMORY_LIMIT", "700MB")
    store = Store(tmp_path / "load.duckdb")

    def limit() -> str:
        with store.cursor() as cur:  # another cursor: the setting is the database's
            return str(cur.execute("SELECT current_setting('memory_limit')").fetchone()[0])

    seen: list[str] = []
    good = tmp_path / "good.csv"
    good.write_text("customer_id,date,amount\nC1,2025-01-02,10.5\nC2,2025-01-03,7\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,date,amount\nC1,someday,10.5\n")
    assert limit() == "286.1 MiB"
    result = ingest.load_file(store, "transactions", good, progress=lambda *_: seen.append(limit()))
    assert result.ok and result.rows == 2
    assert "667.5 MiB" in seen  # 700MB while the load ran
    assert limit() == "286.1 MiB"
    refused = ingest.load_file(store, "transactions", bad)
    assert not refused.ok
    assert limit() == "286.1 MiB"
    monkeypatch.setattr(config, "DUCKDB_LOAD_MEMORY_LIMIT", "100MB")  # never lowered
    seen.clear()
    again = tmp_path / "again.csv"
    again.write_text("customer_id,date,amount\nC3,2025-01-02,1\n")
    watched = ingest.load_file(
        store, "transactions", again, progress=lambda *_: seen.append(limit())
    )
    assert watched.ok
    assert set(seen) == {"286.1 MiB"}
    store.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("512MB", 512 * 10**6),
        ("2 GiB", 2 * 2**30),
        ("1.5gb", 15 * 10**8),
        ("100", 100),
        ("", None),
        (None, None),
        ("lots", None),
    ],
)
def test_memory_bytes_reads_duckdb_sizes(text, expected):
    from experiments.store import memory_bytes

    assert memory_bytes(text) == expected


def test_duckdb_threads_insertion_order_and_spill_directory_come_from_config(tmp_path, monkeypatch):
    """The further DuckDB settings (bench/results/memory.md) reach every cursor; None leaves
    DuckDB's own default."""
    from experiments import config

    def setting(cur, name: str) -> str:
        return str(cur.execute(f"SELECT current_setting('{name}')").fetchone()[0])

    monkeypatch.setattr(config, "DUCKDB_THREADS", 1)
    monkeypatch.setattr(config, "DUCKDB_PRESERVE_INSERTION_ORDER", False)
    monkeypatch.setattr(config, "DUCKDB_TEMP_DIRECTORY", str(tmp_path / "spill"))
    tuned = Store(tmp_path / "tuned.duckdb")
    with tuned.cursor() as cur:
        assert setting(cur, "threads") == "1"
        assert setting(cur, "preserve_insertion_order").lower() == "false"
        assert setting(cur, "temp_directory") == str(tmp_path / "spill")
    tuned.close()
    monkeypatch.setattr(config, "DUCKDB_THREADS", None)
    monkeypatch.setattr(config, "DUCKDB_PRESERVE_INSERTION_ORDER", None)
    monkeypatch.setattr(config, "DUCKDB_TEMP_DIRECTORY", None)
    default = Store(tmp_path / "default.duckdb")
    with default.cursor() as cur:
        assert setting(cur, "preserve_insertion_order").lower() == "true"
        assert setting(cur, "temp_directory") != str(tmp_path / "spill")
    default.close()
