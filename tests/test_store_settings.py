"""Store settings: the key/value table, typed accessors, validation, the CLI and the margin rate
every net value uses (issue #10, point 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta

import duckdb
import numpy as np
import pytest

from experiments import __main__ as cli
from experiments import config, metrics, report
from experiments.store import Store, StoreError
from experiments.store import settings as store_settings
from experiments.store.schema import MIGRATIONS, SCHEMA_VERSION


def test_a_new_store_has_no_settings_and_uses_the_defaults(store):
    with store.cursor() as cur:
        current = store_settings.read_settings(cur)
        assert current.margin_rate is None
        assert store_settings.margin_rate(cur) == config.DEFAULT_MARGIN_RATE
    assert current.as_json()["margin_rate"] == {
        "value": config.DEFAULT_MARGIN_RATE,
        "source": "default",
        "default": config.DEFAULT_MARGIN_RATE,
    }


def test_an_older_store_gets_the_settings_table_on_opening(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    for statement in MIGRATIONS[0]:
        con.execute(statement)
    con.execute("INSERT INTO meta VALUES ('schema_version', 1)")
    con.close()
    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION >= 2
    with store.cursor() as cur:
        assert store_settings.margin_rate(cur) == config.DEFAULT_MARGIN_RATE
    store.close()


def test_setting_the_margin_rate_is_stored_typed_and_bumps_the_version(store):
    before = store.version()
    saved = store_settings.update_settings(store, {"margin_rate": "0,3"})
    assert saved.margin_rate == pytest.approx(0.3)
    assert store.version() == before + 1
    with store.cursor() as cur:
        assert store_settings.read_settings(cur).margin_rate == pytest.approx(0.3)
        assert isinstance(store_settings.margin_rate(cur), float)
    store_settings.update_settings(store, {"margin_rate": None})  # back to the default
    with store.cursor() as cur:
        assert store_settings.read_settings(cur).margin_rate is None


@pytest.mark.parametrize(
    ("typed", "rate"), [(0.3, 0.3), ("0.3", 0.3), ("0,3", 0.3), ("30%", 0.3), (" 42.5 % ", 0.425)]
)
def test_margin_rate_accepts_what_people_type(typed, rate):
    assert store_settings.parse_margin_rate(typed) == pytest.approx(rate)


@pytest.mark.parametrize("bad", [0, 1, 1.3, -0.2, "35", "abc", "", "nan", "inf", True, "100%"])
def test_a_bad_margin_rate_is_refused_with_a_message_and_the_store_unchanged(store, bad):
    store_settings.update_settings(store, {"margin_rate": 0.4})
    version = store.version()
    with pytest.raises(store_settings.SettingError, match="between 0 and 1"):
        store_settings.update_settings(store, {"margin_rate": bad})
    assert store.version() == version
    with store.cursor() as cur:
        assert store_settings.margin_rate(cur) == pytest.approx(0.4)


def test_an_unknown_setting_is_refused(store):
    with pytest.raises(StoreError, match="no store setting 'colour'"):
        store_settings.update_settings(store, {"colour": "red"})
    assert store.version() == 0


# -- the margin rate behind the analysis -----------------------------------------------------------
T0 = datetime(2024, 1, 1)


def _one_order_store(store: Store, **experiment_settings) -> Store:
    """Control and gift, one order of 100 each in the window, no margin column."""
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO experiments (experiment_id, name, status, salt, horizon_days, settings,"
            " created_at) VALUES (1, 'exp', 'completed', 's', 30, ?, ?)",
            [json.dumps(experiment_settings), T0],
        )
        for arm_id, name, kind in ((0, "control", "control"), (1, "gift", "gift")):
            cur.execute(
                "INSERT INTO arms (experiment_id, arm_id, name, kind, allocation)"
                " VALUES (1, ?, ?, ?, 1)",
                [arm_id, name, kind],
            )
        for i in range(6):
            customer = f"c{i}"
            cur.execute(
                "INSERT INTO assignments (experiment_id, customer_id, arm_id, assigned_at)"
                " VALUES (1, ?, ?, ?)",
                [customer, i % 2, T0],
            )
            cur.execute(
                "INSERT INTO transactions (customer_id, ts, amount, upload_id) VALUES (?, ?, ?, 1)",
                [customer, T0 + timedelta(days=2), 100.0 + i],
            )
        cur.execute(
            "INSERT INTO transactions (customer_id, ts, amount, upload_id) VALUES ('z', ?, 1, 1)",
            [T0 + timedelta(days=90)],
        )
    return store


def _margin(analysis: metrics.ExperimentAnalysis) -> float:
    control = analysis.arms[0]
    return control.means["margin"] / control.means["revenue"]


def test_the_store_margin_rate_is_the_default_of_every_analysis(store):
    _one_order_store(store)
    plain = metrics.analyze_experiment(store, 1)
    assert (plain.margin_rate, plain.margin_rate_source) == (config.DEFAULT_MARGIN_RATE, "default")
    store_settings.update_settings(store, {"margin_rate": 0.3})
    analysis = metrics.analyze_experiment(store, 1)
    assert (analysis.margin_rate, analysis.margin_rate_source) == (0.3, "store")
    assert _margin(analysis) == pytest.approx(0.3)
    document = analysis.as_json()
    assert document["settings"]["margin_rate"] == 0.3
    assert document["settings"]["margin_rate_source"] == "store"
    assert report.margin_rate_text(analysis) == "30% (the store setting)"
    assert "margin rate (when no margin column)</th><td>30% (the store setting)" in (
        report.html_report(analysis)
    )
    explicit = metrics.analyze_experiment(store, 1, metrics.AnalysisSettings(margin_rate=0.2))
    assert (explicit.margin_rate_source, _margin(explicit)) == ("analysis", pytest.approx(0.2))


def test_an_experiment_s_own_margin_rate_comes_before_the_store_s(store):
    _one_order_store(store, margin_rate=0.5)
    store_settings.update_settings(store, {"margin_rate": 0.3})
    analysis = metrics.analyze_experiment(store, 1)
    assert (analysis.margin_rate, analysis.margin_rate_source) == (0.5, "experiment")
    assert _margin(analysis) == pytest.approx(0.5)


# -- command line ----------------------------------------------------------------------------------
def run(db, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "experiments", "--db", str(db), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_sets_and_reads_the_margin_rate(tmp_path, capsys):
    db = tmp_path / "cli.duckdb"
    assert cli.main(["--db", str(db), "settings", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["margin_rate"]["source"] == "default"
    assert cli.main(["--db", str(db), "settings", "--margin-rate", "0.3"]) == 0
    assert "margin rate: 0.3 (30.0%) [store setting]" in capsys.readouterr().out
    assert cli.main(["--db", str(db), "settings", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["margin_rate"] == {
        "value": 0.3,
        "source": "store",
        "default": config.DEFAULT_MARGIN_RATE,
    }
    assert cli.main(["--db", str(db), "settings", "--reset-margin-rate"]) == 0
    assert "[default]" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["1.5", "0", "35", "abc"])
def test_cli_refuses_a_bad_margin_rate_with_exit_2_and_the_store_unchanged(tmp_path, capsys, bad):
    db = tmp_path / "cli.duckdb"
    assert cli.main(["--db", str(db), "settings", "--margin-rate", "0.25"]) == 0
    capsys.readouterr()
    assert cli.main(["--db", str(db), "settings", "--margin-rate", bad]) == 2
    assert "between 0 and 1" in capsys.readouterr().err
    assert cli.main(["--db", str(db), "settings", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["margin_rate"]["value"] == 0.25


def test_cli_bad_margin_rate_gives_a_message_not_a_traceback(tmp_path):
    result = run(tmp_path / "cli.duckdb", "settings", "--margin-rate", "1,5")
    assert result.returncode == 2
    # (a note first says the store was created: there was none at that path)
    assert "error: The margin rate must be a share between 0 and 1" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_planner_and_clv_use_the_store_margin_rate_too(store):
    """One money definition: where a transaction has no margin, the planner's baseline and
    the CLV margin share use the store's rate, as the analysis does."""
    from experiments.design import AudienceFilter
    from experiments.store import customers, design_sql

    _one_order_store(store)
    with store.transaction() as cur:  # a purchase history before the planner's pseudo-start
        for i in range(6):
            cur.execute(
                "INSERT INTO transactions (customer_id, ts, amount, upload_id)"
                " VALUES (?, ?, 50, 1)",
                [f"c{i}", T0 - timedelta(days=10)],
            )
    with store.cursor() as cur:
        assert customers.margin_rate(cur) == pytest.approx(config.DEFAULT_MARGIN_RATE)
    store_settings.update_settings(store, {"margin_rate": 0.3})
    with store.cursor() as cur:
        assert customers.margin_rate(cur) == pytest.approx(0.3)
        filters = AudienceFilter(as_of=(T0 + timedelta(days=25)).date())
        explicit = design_sql.planner_inputs(cur, filters, horizon_days=30, margin_rate=0.3)
        default = design_sql.planner_inputs(cur, filters, horizon_days=30)
        other = design_sql.planner_inputs(cur, filters, horizon_days=30, margin_rate=0.5)
    assert default == explicit != other
    assert default.value_mean == pytest.approx(0.3 * np.mean([100.0 + i for i in range(6)]))


def test_a_read_only_store_from_before_the_settings_reads_the_defaults(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    for statement in MIGRATIONS[0]:
        con.execute(statement)
    con.execute("INSERT INTO meta VALUES ('schema_version', 1)")
    con.close()
    store = Store(path, read_only=True)  # no migration on a read-only open
    with store.cursor() as cur:
        assert store_settings.read_settings(cur) == store_settings.StoreSettings()
        assert store_settings.margin_rate(cur) == config.DEFAULT_MARGIN_RATE
    store.close()


# -- the currency (#12: one home, the store's setting) ---------------------------------------------
def test_the_currency_is_rub_by_default_and_a_store_setting(store):
    with store.cursor() as cur:
        assert store_settings.currency(cur) == config.CURRENCY == "RUB"
    saved = store_settings.update_settings(store, {"currency": " eur "})
    assert saved.currency == "EUR"
    with store.cursor() as cur:
        assert store_settings.currency(cur) == "EUR"
        assert store_settings.read_settings(cur).as_json()["currency"]["source"] == "store"
    store_settings.update_settings(store, {"currency": None})
    with store.cursor() as cur:
        assert store_settings.currency(cur) == "RUB"


@pytest.mark.parametrize("bad", ["EURO", "", "12", "XYZ1", 5, "рубль"])
def test_a_bad_currency_is_refused_with_a_keyed_message_and_the_store_unchanged(store, bad):
    store_settings.update_settings(store, {"currency": "KZT"})
    version = store.version()
    with pytest.raises(store_settings.SettingError, match="ISO 4217") as refused:
        store_settings.update_settings(store, {"margin_rate": 0.3, "currency": bad})
    assert refused.value.key == "store.error.currency"  # the page says it in its language
    assert store.version() == version
    with store.cursor() as cur:
        assert store_settings.currency(cur) == "KZT"
        assert store_settings.margin_rate(cur) == config.DEFAULT_MARGIN_RATE


def test_cli_sets_the_currency_and_the_report_defaults_to_it(tmp_path, capsys):
    from experiments import demo

    db = tmp_path / "cli.duckdb"
    store = Store(db)
    demo.seed_demo(store, customers=1500, seed=3)
    store.close()
    assert cli.main(["--db", str(db), "settings", "--currency", "eur"]) == 0
    assert "currency: EUR [store setting]" in capsys.readouterr().out
    out = tmp_path / "r.html"
    assert cli.main(["--db", str(db), "report", "1", "--out", str(out), "--lang", "ru"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "\u00a0€" in page and "₽" not in page  # ru: '+479 €'
    assert cli.main(["--db", str(db), "report", "1", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "€" in page and "RUB" not in page  # en: CLDR's symbol too, '+€479'
    assert cli.main(["--db", str(db), "report", "1", "--out", str(out), "--currency", "USD"]) == 0
    assert "+$" in out.read_text(encoding="utf-8")  # an explicit --currency still wins
    assert cli.main(["--db", str(db), "settings", "--reset-currency"]) == 0
    assert "currency: RUB [default]" in capsys.readouterr().out
