"""Eight browser sessions at once: loads and queries through one Store from 8 threads."""

from __future__ import annotations

import threading
from pathlib import Path

from experiments import ingest
from experiments.store import Store
from experiments.store.overview import store_stats

THREADS = 8
ROWS_PER_FILE = 3_000


def _transactions_file(tmp_path: Path, worker: int) -> Path:
    lines = ["customer_id,date,amount,order_id"]
    for i in range(ROWS_PER_FILE):
        lines.append(
            f"w{worker}-c{i % 500},2024-{1 + i % 12:02d}-{1 + i % 28:02d},{(i % 97) + 0.5},"
            f"w{worker}-o{i}"
        )
    path = tmp_path / f"worker{worker}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_eight_threads_loading_and_querying_lose_nothing(store: Store, tmp_path: Path):
    files = [_transactions_file(tmp_path, w) for w in range(THREADS)]
    shared = tmp_path / "shared.csv"
    shared.write_text("customer_id,date,amount\nshared-1,2024-05-01,1\n", encoding="utf-8")
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    results: dict[int, list[ingest.LoadResult]] = {}
    observed: dict[int, list[int]] = {}

    def session(worker: int) -> None:
        try:
            barrier.wait()
            mine = [ingest.load_file(store, "transactions", files[worker])]
            counts = []
            for _ in range(5):  # read while the other sessions write
                with store.cursor() as cur:
                    counts.append(store_stats(cur).transactions)
                    own = cur.execute(
                        "SELECT count(*) FROM transactions WHERE upload_id = ?",
                        [mine[0].upload_id],
                    ).fetchone()
                    assert own == (ROWS_PER_FILE,)
            # every session tries the same file: exactly one of them may load it
            mine.append(ingest.load_file(store, "transactions", shared, file_name="shared.csv"))
            results[worker] = mine
            observed[worker] = counts
        except BaseException as error:  # collected and re-raised in the main thread
            errors.append(error)

    threads = [threading.Thread(target=session, args=(w,)) for w in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert all(not t.is_alive() for t in threads)

    own_loads = [results[w][0] for w in range(THREADS)]
    assert all(r.ok for r in own_loads), [r.summary() for r in own_loads]
    assert len({r.upload_id for r in own_loads}) == THREADS
    shared_loads = [results[w][1] for w in range(THREADS)]
    assert sum(r.ok for r in shared_loads) == 1
    assert sum(r.already_loaded_at is not None for r in shared_loads) == THREADS - 1
    for counts in observed.values():  # each reader saw whole uploads only, never half of one
        assert all(c % ROWS_PER_FILE in (0, 1) for c in counts)
        assert counts == sorted(counts)

    with store.cursor() as cur:
        stats = store_stats(cur)
        per_upload = cur.execute(
            "SELECT upload_id, count(*) FROM transactions GROUP BY ALL ORDER BY 1"
        ).fetchall()
    assert stats.transactions == THREADS * ROWS_PER_FILE + 1
    assert stats.customers == THREADS * 500 + 1
    assert stats.uploads == THREADS + 1
    assert sorted(n for _, n in per_upload) == [1] + [ROWS_PER_FILE] * THREADS
    assert store.version() == THREADS + 1
