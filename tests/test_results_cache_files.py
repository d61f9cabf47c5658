"""The results cache's scratch databases (experiments.store.results_cache): owner-only, removed
after a process that was killed, and attached once per connection under a lock (a concurrent
attach was recognised by the word 'already' in DuckDB's error text)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from experiments.store import Store, results_cache


@pytest.fixture
def scratch(tmp_path, monkeypatch) -> Path:
    """A private temporary directory for this test, the module's state as at process start."""
    monkeypatch.setattr(results_cache.tempfile, "gettempdir", lambda: str(tmp_path))
    monkeypatch.setattr(results_cache, "_scratch_dir", None)
    monkeypatch.setattr(results_cache, "_files", [])
    return tmp_path / f"loyalty-results-{os.getuid()}"


def _attached_path(store: Store) -> Path:
    with store.cursor() as cur:
        results_cache._attach(cur)
        row = cur.execute(
            "SELECT path FROM duckdb_databases() WHERE database_name = ?", [results_cache.SCHEMA]
        ).fetchone()
    assert row is not None
    return Path(str(row[0]))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_scratch_files_are_owner_only(scratch, tmp_path):
    store = Store(tmp_path / "s.duckdb")
    try:
        path = _attached_path(store)
        assert path.parent == scratch
        assert _mode(scratch) == 0o700  # nobody else can open anything in it, WAL included
        assert _mode(path) == 0o600
    finally:
        store.close()


def test_a_directory_opened_up_is_closed_again_and_anothers_is_never_used(scratch, tmp_path):
    scratch.mkdir(mode=0o755)
    scratch.chmod(0o755)
    store = Store(tmp_path / "s.duckdb")
    try:
        assert _attached_path(store).parent == scratch and _mode(scratch) == 0o700
    finally:
        store.close()
    for leftover in scratch.iterdir():
        leftover.unlink()
    scratch.rmdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    scratch.symlink_to(elsewhere)  # a planted link: not our directory
    results_cache._scratch_dir = None
    store = Store(tmp_path / "t.duckdb")
    try:
        path = _attached_path(store)
        assert path.parent != scratch and path.parent != elsewhere
        assert _mode(path.parent) == 0o700 and not any(elsewhere.iterdir())
    finally:
        store.close()


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    return int(done.stdout)


def test_files_of_a_killed_process_are_removed_on_start(scratch, tmp_path):
    scratch.mkdir(mode=0o700)
    dead = _dead_pid()
    name = f"loyalty-results-{dead}"
    killed = [scratch / f"{name}-0.duckdb", scratch / f"{name}-0.duckdb.wal",
              tmp_path / f"{name}-3.duckdb"]  # fmt: skip
    running = scratch / f"loyalty-results-{os.getppid()}-0.duckdb"  # a live process's
    other = scratch / "notes.txt"
    for path in (*killed, running, other):
        path.write_bytes(b"x")
    store = Store(tmp_path / "s.duckdb")
    try:
        _attached_path(store)
    finally:
        store.close()
    assert [p for p in killed if p.exists()] == []
    assert running.exists() and other.exists()


def test_concurrent_first_uses_attach_one_scratch_database(scratch, tmp_path):
    store = Store(tmp_path / "s.duckdb")
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def attach() -> None:
        cur = store.cursor()
        try:
            start.wait()
            results_cache._attach(cur)
        except BaseException as error:  # collected for the assertion
            errors.append(error)
        finally:
            cur.close()

    threads = [threading.Thread(target=attach) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(results_cache._files) == 1  # one file, attached once: no error to tolerate
        assert [p.name for p in scratch.glob("*.duckdb")] == [results_cache._files[0].name]
    finally:
        store.close()
