"""Materialized results per data version: every standard Results click is a lookup.

`aggregates` serves an experiment's aggregation (`metrics.aggregate_experiment`) from a
process-wide cache keyed on the store, the experiment, the store version and the settings that
change the query. The first request of a version (the first open, `first_open`) materializes
the per-customer sums of the opened horizon (`store.results_cache.build`: a third of the sums
of every offered horizon, which the page would otherwise wait for) and reads the opened view
from them; a background job then materializes the sums of every horizon the Results page
offers, computes from them the aggregates of each of those horizons with capping off and on,
so that a horizon or capping click finds them ready, and drops the tables. The job waits
while a page's own query runs (`_foreground`): a click is never queued behind work nobody asked
for yet. The statistics (CUPED, correction, confidence) are computed from the aggregates in
Python (`metrics.analyse`) and never touch DuckDB.

A store write bumps the version: entries of other versions are never returned and are evicted,
a job that sees the version change stops, and the tables of other versions are dropped.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from experiments import config, metrics, source_engine
from experiments.experiment import Experiment
from experiments.sources import Source
from experiments.store import Cursor, Store, results_cache

__all__ = [
    "Job",
    "aggregates",
    "analysis",
    "clear",
    "first_open",
    "job_for",
    "neighbours",
    "offered_horizons",
    "precompute_after",
    "prefetch",
    "settle",
    "wait",
]

log = logging.getLogger(__name__)
MAX_ENTRIES = 128  # aggregates kept (a few hundred KB each): 12 per experiment and version
MAX_ANALYSES = 64  # analyses kept: the views a person clicks through, and their neighbours
GO_TIMEOUT = 30.0  # seconds a built table waits for its page to be drawn before the job runs
_Key = tuple[str, int, int, metrics.AnalysisSettings]
_V = TypeVar("_V")


@dataclass
class Job:
    """The background precomputation of one experiment at one store version.

    Attributes:
        done: set when the job has finished (or stopped: the version changed, or it failed).
        materialized: the per-customer table while it exists (None before and after).
        computed: how many aggregates the job added.
        error: what failed, or None.
        stop: set to make the job stop (a newer version, or the process exits).
        built: set once the table is built (by the first open) or its building failed.
        go: set when the page is drawn (`precompute_after`): the job starts computing then,
            or after GO_TIMEOUT seconds without a page (a table is never left behind).
    """

    done: threading.Event
    materialized: results_cache.Materialized | None = None
    computed: int = 0
    error: str | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    built: threading.Event = field(default_factory=threading.Event)
    go: threading.Event = field(default_factory=threading.Event)
    cursor: Cursor | None = None
    thread: threading.Thread | None = None


_lock = threading.RLock()
_entries: OrderedDict[_Key, metrics.ExperimentAggregates] = OrderedDict()
_jobs: dict[tuple[str, int, int], Job] = {}
_analyses: OrderedDict[_Key, metrics.ExperimentAnalysis] = OrderedDict()
_prefetch_generation = 0
_prefetch_thread: threading.Thread | None = None  # the latest prefetch (tests join it)
_foreground = 0  # page queries running now (under _idle): the background jobs wait for 0
_idle = threading.Condition(_lock)


@contextlib.contextmanager
def _serving() -> Iterator[None]:
    """A page's own query: background jobs start no new query while one runs."""
    global _foreground
    with _idle:
        _foreground += 1
    try:
        yield
    finally:
        with _idle:
            _foreground -= 1
            _idle.notify_all()


def _wait_for_idle(job: Job, timeout: float = 60.0) -> None:
    """Block a background job while a page's query runs (at most `timeout` seconds)."""
    with _idle:
        _idle.wait_for(lambda: _foreground == 0 or job.stop.is_set(), timeout)


def _store_key(store: Store) -> str:
    return str(Path(store.path).resolve())


def _key(
    store: Store,
    experiment_id: int,
    version: int,
    settings: metrics.AnalysisSettings,
    source: Source | None = None,
) -> _Key:
    where = _store_key(store)
    if not source_engine.is_store(source):
        assert source is not None
        where += f" <- {source.redacted()} {source.table} {sorted(source.columns.items())}"
    return (
        where,
        int(experiment_id),
        int(version),
        metrics.aggregation_settings(settings),
    )


def _get(key: _Key) -> metrics.ExperimentAggregates | None:
    with _lock:
        found = _entries.get(key)
        if found is not None:
            _entries.move_to_end(key)
        return found


def _keep(entries: OrderedDict[_Key, _V], key: _Key, value: _V, limit: int) -> None:
    """Insert under the lock; entries of other versions of the same store are dropped (never
    valid again), and a late result of an older version is not kept."""
    others = [k for k in entries if k[0] == key[0] and k[2] != key[2]]
    if any(k[2] > key[2] for k in others):
        return
    for other in others:
        del entries[other]
    entries[key] = value
    entries.move_to_end(key)
    while len(entries) > limit:
        entries.popitem(last=False)


def _put(key: _Key, value: metrics.ExperimentAggregates) -> None:
    with _lock:
        _keep(_entries, key, value, MAX_ENTRIES)


def aggregates(
    store: Store,
    experiment_id: int,
    settings: metrics.AnalysisSettings,
    *,
    background: bool = False,
    source: Source | None = None,
) -> metrics.ExperimentAggregates:
    """The experiment's aggregation for these settings at the store's current version.

    From the cache when present; else from the materialized per-customer table of the
    version, built here on the version's first request (`first_open`) or waited for while
    another session builds it; else (a view the table cannot hold, or its building failed)
    from the transactions (`aggregate_experiment`).

    Args:
        store: the store.
        experiment_id: the experiment's id.
        settings: analysis settings (only AGGREGATION_FIELDS matter).
        background: let the version's background job start at once (the page lets it start
            after drawing instead: `precompute_after`).
        source: where the transactions are (`source_engine.configured_source`); a source
            other than the store is aggregated there and kept per source and settings.
    """
    version = store.version()
    if not source_engine.is_store(source):  # a warehouse: no window table, no background job
        assert source is not None
        key = _key(store, experiment_id, version, settings, source)
        found = _get(key)
        if found is None:
            found = metrics.aggregate_experiment(store, experiment_id, settings, source=source)
            _put(key, found)
        return found
    key = _key(store, experiment_id, version, settings)
    found = _get(key)
    if found is not None:
        return found
    with _serving():
        job = _materialized_job(store, experiment_id, version, settings)
        materialized = job.materialized if job else None
        window = None
        if materialized is not None and materialized.version == version:
            with store.cursor() as cur:
                _, spec, _, _ = metrics.query_spec(cur, experiment_id, settings)
            window = materialized.window() if materialized.covers(spec) else None
        try:
            result = metrics.aggregate_experiment(store, experiment_id, settings, window=window)
        except Exception:
            if window is None:
                raise
            # the job dropped its table meanwhile (finished or stopped): read the transactions
            result = metrics.aggregate_experiment(store, experiment_id, settings)
    _put(key, result)
    _put(_key(store, experiment_id, version, result.settings), result)
    if background and job is None:
        start(store, experiment_id, version, result)
    elif background and job is not None:
        job.go.set()  # after the result is kept: the job never computes it again
    return result


def first_open(
    store: Store, experiment_id: int, settings: metrics.AnalysisSettings
) -> metrics.ExperimentAggregates:
    """What the Results page runs when it opens an experiment at a new store version: the
    per-customer window sums of the opened horizon materialized, and the view's aggregates read
    from them (`aggregates`; the bench times this). The background job does the other
    horizons."""
    return aggregates(store, experiment_id, settings)


def offered_horizons(experiment: Experiment, observed: int | None, horizon: int) -> list[int]:
    """The horizons the Results page offers for the experiment, `horizon` (the view's) first."""
    planned = experiment.horizon_days
    default = metrics.default_horizon(planned, observed, experiment.status)
    choices = metrics.horizon_choices(planned, observed)
    ordered = [horizon, default, planned, *choices]
    return list(dict.fromkeys(int(h) for h in ordered))


def _materialized_job(
    store: Store, experiment_id: int, version: int, settings: metrics.AnalysisSettings
) -> Job | None:
    """The version's job once its table is built: built here when this is the version's first
    request (a first open: the opened horizon's sums; the job then builds every offered
    horizon's, so later clicks never read the transactions), waited for while another request
    builds it. None for a view no table holds
    (a customer attribute's segments)."""
    job = job_for(store, experiment_id, version)
    if job is not None:
        job.built.wait(600)  # another session builds it now (set at once when built before)
        return job
    with store.cursor() as cur:
        found, spec, _, observed = metrics.query_spec(cur, experiment_id, settings)
    if spec.segment_attribute is not None:
        return None
    horizons = offered_horizons(found, observed, spec.horizon_days)
    job, building = _register(store, experiment_id, version)
    if not building:
        job.built.wait(600)
        return job
    base = replace(
        metrics.aggregation_settings(settings),
        horizon_days=spec.horizon_days,
        bucket_days=spec.bucket_width,
    )
    try:
        with store.cursor() as cur:
            job.cursor = cur
            results_cache.drop_stale(cur, version)
            # the opened horizon only: its sums are a third of every horizon's (the job
            # builds the others after the page is drawn), in one statement (one join of the
            # transactions, one table the view reads without a join)
            job.materialized = results_cache.build(
                cur, spec, (spec.horizon_days,), version, one_statement=True
            )
    except Exception as error:  # the request reads the transactions instead
        job.error = str(error)
        if not job.stop.is_set():
            log.warning("materializing experiment %s failed: %s", experiment_id, error)
        job.built.set()
        job.done.set()
        return job
    job.cursor = None
    job.built.set()
    _launch(store, experiment_id, version, base, horizons, job)
    return job


def _register(store: Store, experiment_id: int, version: int) -> tuple[Job, bool]:
    """The job of (experiment, version), and whether the caller created it (and so runs it);
    jobs of other versions of the store are retired."""
    job_key = (_store_key(store), int(experiment_id), int(version))
    with _lock:
        existing = _jobs.get(job_key)
        if existing is not None:
            return existing, False
        for other in [k for k in _jobs if k[0] == job_key[0] and k[2] != job_key[2]]:
            _retire(_jobs.pop(other))  # another version's work would never be read
        job = Job(done=threading.Event())
        _jobs[job_key] = job
        return job, True


def _launch(
    store: Store,
    experiment_id: int,
    version: int,
    base: metrics.AnalysisSettings,
    horizons: list[int],
    job: Job,
) -> None:
    thread = threading.Thread(
        target=_run,
        args=(store, int(experiment_id), int(version), base, horizons, job),
        name=f"precompute-e{experiment_id}-v{version}",
        daemon=True,
    )
    job.thread = thread
    thread.start()


def analysis(
    store: Store,
    experiment_id: int,
    settings: metrics.AnalysisSettings,
    *,
    source: Source | None = None,
) -> metrics.ExperimentAnalysis:
    """The analysis for these settings: `metrics.analyse` (pure Python) on `aggregates`, kept
    per store version so that a view clicked before, or prefetched, is the same object."""
    version = store.version()
    key = (_key(store, experiment_id, version, settings, source)[0], int(experiment_id),
           int(version), settings)  # fmt: skip
    with _lock:
        found = _analyses.get(key)
        if found is not None:
            _analyses.move_to_end(key)
            return found
    result = metrics.analyse(aggregates(store, experiment_id, settings, source=source), settings)
    with _lock:
        _keep(_analyses, key, result, MAX_ANALYSES)
    return result


def neighbours(
    settings: metrics.AnalysisSettings, horizons: list[int]
) -> list[metrics.AnalysisSettings]:
    """The settings one click away: each other statistics choice (adjustment, correction,
    confidence), then each other horizon and the other capping."""
    out = [replace(settings, use_covariate=not settings.use_covariate)]
    out += [replace(settings, correction=c) for c in config.CORRECTIONS if c != settings.correction]  # type: ignore[arg-type]
    out += [
        replace(settings, confidence=c)
        for c in config.CONFIDENCE_CHOICES
        if abs(c - settings.confidence) > 1e-9
    ]
    out += [replace(settings, horizon_days=h) for h in horizons if h != settings.horizon_days]
    out.append(replace(settings, cap=not settings.cap))
    return out


def prefetch(
    store: Store,
    experiment_id: int,
    settings: list[metrics.AnalysisSettings],
    warm: Callable[[metrics.ExperimentAnalysis], object],
) -> threading.Thread:
    """In the background, compute the analyses of `settings` (and `warm` each: the page builds
    its figures) so that the next click finds them ready. A newer call supersedes this one;
    settings whose aggregates are not precomputed yet wait for the experiment's job, so the
    prefetch never reads the transactions itself."""
    global _prefetch_generation, _prefetch_thread
    with _lock:
        _prefetch_generation += 1
        generation = _prefetch_generation

    def run() -> None:
        job = job_for(store, experiment_id)
        for chosen in settings:
            with _lock:
                if generation != _prefetch_generation:
                    return  # a newer view asked for its own neighbours
            version = store.version()
            if _get(_key(store, experiment_id, version, chosen)) is None:
                if job is None or not job.done.wait(600) or job.stop.is_set():
                    return
                if _get(_key(store, experiment_id, version, chosen)) is None:
                    continue  # not among the precomputed: left to a click
            try:
                warm(analysis(store, experiment_id, chosen))
            except Exception as error:  # a prefetch never breaks the page
                log.warning("prefetching a view of experiment %s failed: %s", experiment_id, error)
                return

    thread = threading.Thread(target=run, name=f"prefetch-e{experiment_id}", daemon=True)
    _prefetch_thread = thread
    thread.start()
    return thread


def precompute_after(
    store: Store, experiment_id: int, settings: metrics.AnalysisSettings
) -> Job | None:
    """Let the experiment's background job at the current version go (call it once the page is
    drawn, so that the job's DuckDB work does not slow the page); a view served without a
    table (a customer attribute's segments) starts the job from its aggregates. None when
    there is nothing to start from."""
    version = store.version()
    job = job_for(store, experiment_id, version)
    if job is not None:
        job.go.set()
        return job
    first = _get(_key(store, experiment_id, version, settings))
    if first is None:
        return None
    return start(store, experiment_id, version, first)


def settle(timeout: float = 600.0) -> None:
    """Wait for the latest prefetch to end (tests and benchmarks: a person clicks later)."""
    thread = _prefetch_thread
    if thread is not None:
        thread.join(timeout)


def job_for(store: Store, experiment_id: int, version: int | None = None) -> Job | None:
    """The precomputation job of an experiment at a version (default: the current one)."""
    version = store.version() if version is None else version
    with _lock:
        return _jobs.get((_store_key(store), int(experiment_id), int(version)))


def wait(store: Store, experiment_id: int, timeout: float | None = None) -> bool:
    """Wait for the experiment's precomputation at the current version; False if none ran or
    it is still running after `timeout` seconds."""
    job = job_for(store, experiment_id)
    return bool(job and job.done.wait(timeout))


def clear() -> None:
    """Forget every cached aggregate (the tables are dropped by the next job of each store)."""
    with _lock:
        _entries.clear()
        _jobs.clear()
        _analyses.clear()


def standard_horizons(first: metrics.ExperimentAggregates) -> list[int]:
    """The horizons the Results page offers for the experiment, the resolved one first."""
    return offered_horizons(first.experiment, first.observed_days, first.spec.horizon_days)


def start(
    store: Store, experiment_id: int, version: int, first: metrics.ExperimentAggregates
) -> Job:
    """Start (once per experiment and version) the background precomputation from aggregates
    served without a table: the job builds the table itself, then computes what it offers."""
    job, created = _register(store, experiment_id, version)
    job.go.set()
    if created:
        _launch(store, experiment_id, version, first.settings, standard_horizons(first), job)
    return job


_retired: list[Job] = []  # superseded jobs still winding down (stop_all waits for them too)


def _halt(job: Job) -> None:
    """Ask a job to stop, interrupting its running query."""
    job.stop.set()
    if job.cursor is not None and not job.done.is_set():
        with contextlib.suppress(Exception):
            job.cursor.interrupt()


def _retire(job: Job) -> None:
    """Stop a job of a superseded store version (under _lock): its join would go on for
    nothing, holding a second per-customer table beside the new job's."""
    _halt(job)
    _retired[:] = [j for j in _retired if not j.done.is_set()] + [job]


def stop_all(timeout: float = 5.0) -> None:
    """Stop the running jobs (interrupting their query) and wait for them: a DuckDB query
    still running while the interpreter exits aborts the process."""
    with _lock:
        jobs = [*_jobs.values(), *_retired]
    for job in jobs:
        _halt(job)
    for job in jobs:
        if job.thread is not None:
            job.thread.join(timeout)


@atexit.register
def _stop_at_exit() -> None:
    """At exit, wait as long as an interrupted query takes to return: on a loaded machine 5 s
    were not always enough, and a daemon thread still inside DuckDB when the interpreter
    finalizes aborts the process ('FATAL: exception not rethrown') after the work is done."""
    stop_all(timeout=120.0)


def _run(
    store: Store,
    experiment_id: int,
    version: int,
    base: metrics.AnalysisSettings,
    horizons: list[int],
    job: Job,
) -> None:
    """Compute every (horizon, capping) the page offers from the tables of every offered
    horizon (built first: the first open's hold its horizon only), one at a time while no page
    query runs; drop the tables."""
    caps = list(dict.fromkeys([base.cap, config.DEFAULT_CAP, not config.DEFAULT_CAP]))
    try:
        job.go.wait(GO_TIMEOUT)  # the page is drawn (or nobody draws one: go on)
        with store.cursor() as cur:
            job.cursor = cur
            try:
                held = job.materialized.horizons if job.materialized is not None else ()
                if not set(horizons) <= set(held):
                    if job.stop.is_set():
                        return
                    if job.materialized is not None:  # a first open's: its page goes first
                        _wait_for_idle(job)
                    with store.cursor() as spec_cur:
                        _, spec, _, _ = metrics.query_spec(spec_cur, experiment_id, base)
                    results_cache.drop_stale(cur, version)
                    opened = job.materialized
                    if opened is None:
                        job.materialized = results_cache.build(cur, spec, tuple(horizons), version)
                    else:  # tables of their own: a view may still read the first open's
                        job.materialized = results_cache.build(
                            cur, spec, tuple(horizons), version, label="offered"
                        )
                        results_cache.drop(cur, opened)
                    job.built.set()
                assert job.materialized is not None
                for horizon in horizons:
                    for cap in caps:
                        if job.stop.is_set() or store.version() != version:
                            return  # stopping, or a write: these would never be read
                        settings = replace(base, horizon_days=horizon, cap=cap)
                        key = _key(store, experiment_id, version, settings)
                        if _get(key) is not None:
                            continue
                        _wait_for_idle(job)  # a page's query goes first
                        window = job.materialized.window()
                        _, spec, _, _ = metrics.query_spec(cur, experiment_id, settings)
                        result = metrics.aggregate_experiment(
                            store,
                            experiment_id,
                            settings,
                            window=window if job.materialized.covers(spec) else None,
                        )
                        _put(key, result)
                        job.computed += 1
            finally:
                materialized, job.materialized = job.materialized, None
                if materialized is not None:
                    results_cache.drop(cur, materialized)
    except Exception as error:  # the page falls back to aggregating the transactions
        job.error = str(error)
        if not job.stop.is_set():  # an interrupted job stopped as asked: not a failure
            log.warning("precomputing experiment %s failed: %s", experiment_id, error)
    finally:
        job.built.set()
        job.done.set()
