"""`--source URL` on the CLI: `analyze --json` and `clv --json` read through a source equal the
store's own, and every way a source can fail is a clear message, exit 2, the store unchanged
and no password in any output."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest

from experiments import source_engine
from experiments.sources import Source, SourceError

from .conftest import (
    clv_fit_differences,
    json_differences,
    run_cli,
    shared_chdb_path,
    warehouse_files,
)

pytestmark = pytest.mark.engines
pytest.importorskip("ibis", reason="ibis-framework not installed: requirements-engines.txt")

SOURCE_ONLY = ("/source",)  # the one field a source adds


def differences(got: dict, want: dict, rel: float = 1e-9) -> list[str]:
    """Every field of the full `analyze --json` (effects, CUPED, survival, decisions,
    head_to_head), counts exactly and money to `rel`, but the source's name."""
    return [d for d in json_differences(got, want, rel=rel) if not d.startswith(SOURCE_ONLY)]


@pytest.fixture(scope="module")
def urls(demo_store, tmp_path_factory) -> dict[str, str]:
    return warehouse_files(
        demo_store, tmp_path_factory.mktemp("cli"), shared_chdb_path(tmp_path_factory), "cli"
    )


@pytest.fixture(autouse=True)
def no_configured_source(monkeypatch, tmp_path):
    """No source from the developer's environment or secrets file; a clean engine cache."""
    for name in (source_engine.SOURCE_ENV, source_engine.PASSWORD_ENV, source_engine.TABLE_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    source_engine.forget_engines()


def store_state(db: str) -> str:
    """What `stats` and `list` say about the store: unchanged means unchanged."""
    return run_cli("--db", db, "stats", "--json")[1] + run_cli("--db", db, "list", "--json")[1]


@pytest.mark.parametrize("kind", ["duckdb", "chdb"])
def test_analyze_json_through_a_source_equals_the_store(demo_store, urls, kind, monkeypatch):
    if kind not in urls:
        pytest.skip("chdb not installed")
    if kind == "chdb":
        monkeypatch.setenv(source_engine.TABLE_ENV, "transactions_cli")
    db = str(demo_store.path)
    code, local, _ = run_cli("--db", db, "analyze", "1", "--json")
    assert code == 0
    code, remote, err = run_cli("--db", db, "--source", urls[kind], "analyze", "1", "--json")
    assert code == 0, err
    assert f"reading transactions from {urls[kind]}" in err
    got, want = json.loads(remote), json.loads(local)
    assert got["source"] == urls[kind]
    assert len(want["arms"]) == 4 and len(want["effects"]) >= 12  # a real analysis
    assert differences(got, want) == []


def test_the_option_also_goes_after_the_command_and_in_the_environment(
    demo_store, urls, monkeypatch
):
    db = str(demo_store.path)
    after = run_cli("--db", db, "analyze", "1", "--json", "--source", urls["duckdb"])
    monkeypatch.setenv(source_engine.SOURCE_ENV, urls["duckdb"])
    from_env = run_cli("--db", db, "analyze", "1", "--json")
    assert after[0] == from_env[0] == 0
    assert json.loads(after[1])["source"] == json.loads(from_env[1])["source"] == urls["duckdb"]
    # --source duckdb:// is the store itself, whatever the environment says
    code, out, err = run_cli("--db", db, "--source", "duckdb://", "analyze", "1", "--json")
    assert code == 0 and "source" not in json.loads(out) and "reading" not in err


@pytest.mark.parametrize("kind", ["duckdb", "chdb"])
def test_clv_json_through_a_source_equals_the_store(demo_store, urls, kind, monkeypatch):
    if kind not in urls:
        pytest.skip("chdb not installed")
    if kind == "chdb":
        monkeypatch.setenv(source_engine.TABLE_ENV, "transactions_cli")
    db = str(demo_store.path)
    code, local, _ = run_cli("--db", db, "clv", "--json")
    assert code == 0
    code, remote, err = run_cli("--db", db, "--source", urls[kind], "clv", "--json")
    assert code == 0, err
    got, want = json.loads(remote), json.loads(local)
    for key in ("customers", "repeat_customers", "until"):
        assert got[key] == want[key], key
    assert got["gamma_gamma"]["customers"] == want["gamma_gamma"]["customers"]
    assert got["clv"]["customers"] == want["clv"]["customers"]
    assert got["clv"]["margin_rate"] == pytest.approx(want["clv"]["margin_rate"], rel=1e-12)
    # The same summary in another row order (cells, not customers): the optimizer stops at its
    # own tolerance on another path, so the fitted numbers agree to 1e-6, not 1e-9 (the
    # summary itself is compared exactly in test_cdnow.py).
    assert clv_fit_differences(got, want) == []


@pytest.mark.parametrize("kind", ["duckdb", "chdb"])
def test_the_per_arm_projection_through_a_source_equals_the_store(
    demo_store, urls, kind, monkeypatch
):
    """`clv --experiment` on a source: the follow-up is read there (the assignments sent as
    the temporary table), the projection's numbers are the store's (bootstrap included)."""
    if kind not in urls:
        pytest.skip("chdb not installed")
    if kind == "chdb":
        monkeypatch.setenv(source_engine.TABLE_ENV, "transactions_cli")
    db = str(demo_store.path)
    argv = ("clv", "--experiment", "1", "--bootstrap", "10", "--json")
    code, local, err = run_cli("--db", db, *argv)
    assert code == 0, err
    code, remote, err = run_cli("--db", db, "--source", urls[kind], *argv)
    assert code == 0, err
    got, want = json.loads(remote), json.loads(local)
    assert got["status"] == want["status"] == "ok"
    assert got["until"] == want["until"] and len(got["arms"]) == len(want["arms"]) >= 3
    for g, w in zip(got["arms"], want["arms"], strict=True):
        assert (g["name"], g["customers"], g["status"]) == (w["name"], w["customers"], w["status"])
        for name in ("observed_margin", "projected_clv", "difference", "ci_lower", "ci_upper"):
            if w[name] is None:
                assert g[name] is None, (w["name"], name)
            else:
                assert g[name] == pytest.approx(w[name], rel=1e-6, abs=1e-6), (w["name"], name)


@pytest.fixture
def db(demo_store, tmp_path):
    """A copy of the demo store: the failure tests check it is left unchanged."""
    import shutil

    copy = tmp_path / "copy.duckdb"
    with demo_store.cursor() as cur:
        cur.execute("CHECKPOINT")
    shutil.copy(demo_store.path, copy)
    return str(copy)


def refused(db: str, *argv: str) -> str:
    before = store_state(db)
    code, out, err = run_cli("--db", db, *argv)
    assert code == 2, (out, err)
    assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("error: ")
    assert store_state(db) == before
    return err


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("spark://127.0.0.1:9", "Cannot reach the source spark://127.0.0.1:9"),
        ("clickhouse://reader@127.0.0.1:9/retail", "Cannot reach the source clickhouse://reader"),
        ("duckdb:///nowhere/shop.duckdb", "does not exist: no such file"),
        ("chdb:///nowhere/ch", "does not exist: no such directory"),
        ("postgres://u:hunter2@h/db", "Unknown source type 'postgres'"),
    ],
)
def test_a_source_that_cannot_be_opened_is_a_clear_message(db, url, message, monkeypatch):
    monkeypatch.setenv(source_engine.PASSWORD_ENV, "hunter2")
    err = refused(db, "--source", url, "analyze", "1", "--json")
    assert message in err and "hunter2" not in err


def test_a_missing_table_or_column_is_named(db, urls, monkeypatch, tmp_path):
    monkeypatch.setenv(source_engine.TABLE_ENV, "receipts")
    err = refused(db, "--source", urls["duckdb"], "analyze", "1", "--json")
    assert "has no table 'receipts' (it has: transactions)" in err
    monkeypatch.delenv(source_engine.TABLE_ENV)
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        f'[source]\nurl = "{urls["duckdb"]}"\n[source.columns]\namount = "paid"\n'
    )
    err = refused(db, "clv", "--json")  # the URL and the mapping from the secrets file
    assert "has no column 'amount' (mapped to 'paid')" in err


def test_a_missing_engine_package_says_what_to_install(db, urls, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def without_chdb(name, *args, **kwargs):
        if name == "chdb" or name.startswith("chdb."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_chdb)
    err = refused(db, "--source", f"chdb://{db}.dir", "analyze", "1", "--json")
    assert "needs the Python package 'chdb'" in err or "does not exist" in err
    (db_dir := __import__("pathlib").Path(f"{db}.dir")).mkdir()
    err = refused(db, "--source", f"chdb://{db_dir}", "analyze", "1", "--json")
    assert "needs the Python package 'chdb', which is not installed: pip install -r " in err


def test_capping_on_a_source_equals_the_store(demo_store, urls):
    db = str(demo_store.path)
    code, local, _ = run_cli("--db", db, "analyze", "1", "--cap", "--json")
    assert code == 0
    code, remote, err = run_cli(
        "--db", db, "--source", urls["duckdb"], "analyze", "1", "--cap", "--json"
    )
    assert code == 0, err
    assert "not computed" not in err
    assert differences(json.loads(remote), json.loads(local)) == []


class FakeClickHouse:
    """Stands in for a ClickHouse server (none on this machine): records how it was called."""

    calls: ClassVar[list[dict]] = []

    def __init__(self, **kwargs) -> None:
        FakeClickHouse.calls.append(kwargs)
        raise RuntimeError(f"Authentication failed for {kwargs['user']}:{kwargs['password']}")


def test_clickhouse_gets_the_password_from_the_secrets_and_never_shows_it(
    db, monkeypatch, tmp_path
):
    """No ClickHouse server here: the URL and credential path up to the driver, with a fake
    (`ibis.clickhouse.connect`) that fails the way a wrong password does, echoing it."""
    import ibis

    monkeypatch.setattr(source_engine, "_reachable", lambda source: None)
    monkeypatch.setattr(ibis.clickhouse, "connect", lambda **kw: FakeClickHouse(**kw))
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        '[source]\nurl = "clickhouse://reader@ch.internal:8443/retail"\npassword = "s3cr3t!"\n'
    )
    FakeClickHouse.calls.clear()
    err = refused(db, "analyze", "1", "--json")
    assert FakeClickHouse.calls[-1] | {"settings": None} == {
        "host": "ch.internal", "port": 8443, "user": "reader", "password": "s3cr3t!",
        "database": "retail", "settings": None,
    }  # fmt: skip
    assert "Cannot open the source clickhouse://reader:***@ch.internal:8443/retail" in err
    assert "s3cr3t!" not in err and "reader:***" in err
    # the environment's password when the secrets have none; the secrets' URL still wins
    # over nothing, the environment's URL over the secrets'
    monkeypatch.setenv(source_engine.PASSWORD_ENV, "from-env")
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        '[source]\nurl = "clickhouse://reader@ch.internal:8443/retail"\n'
    )
    err = refused(db, "analyze", "1", "--json")
    assert FakeClickHouse.calls[-1]["password"] == "from-env" and "from-env" not in err


@pytest.mark.parametrize(
    ("url", "settings", "env", "expected"),
    [
        (None, {}, {}, None),
        ("duckdb://", {"url": "chdb:///x"}, {}, None),  # explicit: the store itself
        (None, {"url": "chdb:///x"}, {}, Source("chdb", path="/x")),
        (None, {"url": "chdb:///x"}, {"LOYALTY_LAB_SOURCE": "chdb:///y"},
         Source("chdb", path="/y")),
        ("chdb:///z", {"url": "chdb:///x"}, {"LOYALTY_LAB_SOURCE": "chdb:///y"},
         Source("chdb", path="/z")),
        (None, {"url": "chdb:///x", "table": "receipts", "columns": {"ts": "sold_at"}}, {},
         Source("chdb", path="/x", table="receipts", columns={"ts": "sold_at"})),
        (None, {"url": "clickhouse://u:inline@h/db", "password": "secret"}, {},
         Source("clickhouse", host="h", port=8123, database="db", user="u", password="inline")),
    ],
)  # fmt: skip
def test_the_configured_source_has_one_precedence(url, settings, env, expected):
    assert source_engine.configured_source(url, settings, env) == expected


def test_a_mapping_that_is_not_a_table_is_refused():
    with pytest.raises(SourceError, match=r"\[source.columns\] must be a table"):
        source_engine.configured_source(None, {"url": "chdb:///x", "columns": "ts"}, {})


def test_report_reads_the_source_too(demo_store, urls, tmp_path):
    db = str(demo_store.path)
    out = tmp_path / "report.html"
    code, printed, err = run_cli(
        "--db", db, "report", "1", "--out", str(out), "--source", urls["duckdb"]
    )
    assert code == 0, err
    assert f"reading transactions from {urls['duckdb']}" in err and "Wrote the report" in printed
    local = tmp_path / "local.html"
    assert run_cli("--db", db, "report", "1", "--out", str(local))[0] == 0
    # the same analysis (CUPED included), so the same report but the source line
    assert out.stat().st_size > 10_000
    assert abs(out.stat().st_size - local.stat().st_size) < 1_000


def test_the_observed_days_are_counted_to_the_sources_last_transaction(demo_store, tmp_path):
    """A source whose data ends 10 days before the store's: the analysis' follow-up (and so
    its default horizon and progress) is the source's, not the store's."""
    import duckdb

    from experiments import metrics
    from experiments.sources import parse_source
    from experiments.store import ibis_builder, overview

    path = tmp_path / "short.duckdb"
    with demo_store.cursor() as cur:
        end = cur.execute("SELECT max(ts) FROM transactions").fetchone()[0]
        frame = cur.execute(
            "SELECT * FROM transactions WHERE ts <= $end - INTERVAL 10 DAY",
            {"end": end},
        ).df()
    with duckdb.connect(str(path)) as con:
        con.register("short_frame", frame)
        con.execute("CREATE TABLE transactions AS SELECT * FROM short_frame")
        short_end = con.execute("SELECT max(ts) FROM transactions").fetchone()[0]
    source = parse_source(f"duckdb://{path}")
    assert ibis_builder.data_end(source_engine.open_engine(source), source) == short_end
    store_days = metrics.aggregate_experiment(demo_store, 1).observed_days
    source_days = metrics.aggregate_experiment(demo_store, 1, source=source).observed_days
    assert store_days is not None and source_days is not None
    assert store_days - 11 <= source_days <= store_days - 9
    with demo_store.cursor() as cur:
        assert source_days == source_engine.observed_days(cur, 1, source)
        assert source_days == overview.observed_days(cur, 1, short_end)


def test_a_source_that_cannot_be_reached_says_it_in_russian(db):
    """#12: the connection error read in English inside the Russian 'Не удалось прочитать…'."""
    code, _, err = run_cli("--db", db, "--lang", "ru", "--source", "spark://127.0.0.1:9",
                           "analyze", "1")  # fmt: skip
    assert code == 2 and err.strip().splitlines()[-1].startswith("ошибка: "), err
    assert "Источник spark://127.0.0.1:9 недоступен: " in err, err
    assert "Cannot reach" not in err and "Check the host" not in err, err
