"""Data page through AppTest: upload, validation report, duplicate upload, removal."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from experiments import experiment
from experiments.store import open_store, overview

from .conftest import APP, ROOT

SAMPLE = ROOT / "data" / "samples" / "transactions_ru_cp1251.csv"


def data_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def counts(db):
    with open_store(db).cursor() as cur:
        stats = overview.store_stats(cur)
    return stats.customers, stats.transactions, stats.uploads


def upload(at: AppTest, name: str, content: bytes, mime: str = "text/csv") -> AppTest:
    at.file_uploader[0].set_value((name, content, mime)).run()
    assert not at.exception, at.exception
    return at


def test_page_shows_what_is_in_the_store(app_env):
    at = data_page()
    customers, transactions, _ = counts(app_env)
    assert metric(at, "Customers") == f"{customers:,}"  # the Formatter: en "1,577"
    assert metric(at, "Transactions") == f"{transactions:,}"
    assert any("Transactions from" in c.value for c in at.caption)
    with open_store(app_env).cursor() as cur:
        revenue = overview.store_stats(cur).revenue
    tile = next(m for m in at.metric if m.label == "Revenue, RUB")
    # short enough for its tile (the demo store holds millions), exact in the tooltip
    assert tile.value.replace("\u00a0", " ") == f"{revenue / 1e6:,.1f} M"
    assert f"{revenue:,.0f}" in tile.help


def test_uploading_a_russian_cp1251_export_loads_it(app_env):
    before = counts(app_env)
    at = upload(data_page(), SAMPLE.name, SAMPLE.read_bytes())
    assert any("cp1251" in c.value and "semicolon" in c.value for c in at.caption)
    mapped = {s.label: s.value for s in at.selectbox if s.label.startswith(("customer_id", "ts"))}
    assert all(v != "(not in this file)" for v in mapped.values()), mapped
    at.button(key="load_button").click().run()
    assert not at.exception
    assert at.success, [e.value for e in at.error]
    after = counts(app_env)
    assert after[1] > before[1] and after[2] == before[2] + 1
    assert metric(at, "Transactions") == f"{after[1]:,}"


def test_same_file_twice_loads_nothing_the_second_time(app_env):
    at = upload(data_page(), SAMPLE.name, SAMPLE.read_bytes())
    at.button(key="load_button").click().run()
    once = counts(app_env)
    at = upload(data_page(), "renamed.csv", SAMPLE.read_bytes())
    at.button(key="load_button").click().run()
    assert counts(app_env) == once
    assert at.error and "already loaded" in at.error[0].value


def test_bad_file_gets_a_clear_message_and_changes_nothing(app_env):
    before, version = counts(app_env), open_store(app_env).version()
    bad = b"customer_id,date,amount\nc1,2025-01-01,12.5\nc2,not a date,abc\n"
    at = upload(data_page(), "bad.csv", bad)
    at.button(key="load_button").click().run()
    messages = " ".join(e.value for e in at.error)
    assert "nothing loaded" in messages and "row 3" in messages
    table = at.table[0].value if len(at.table) else None
    assert table is not None and "3" in " ".join(map(str, table["row numbers (first ones)"]))
    assert any("not a date" in str(m) for m in table["problem"])  # the whole message
    assert counts(app_env) == before and open_store(app_env).version() == version


def test_an_upload_can_be_removed_again(app_env):
    before = counts(app_env)
    at = upload(data_page(), SAMPLE.name, SAMPLE.read_bytes())
    at.button(key="load_button").click().run()
    at = data_page()
    at.button(key="remove_button").click().run()
    assert not at.exception
    assert any("Remove #" in w.value for w in at.warning)  # asks first
    assert counts(app_env)[2] == before[2] + 1
    at.button(key="remove_confirm").click().run()
    assert at.success and "Removed" in at.success[0].value
    assert counts(app_env) == before


def test_remove_upload_can_be_cancelled(app_env):
    before = counts(app_env)
    at = data_page()
    at.button(key="remove_button").click().run()
    at.button(key="remove_cancel").click().run()
    assert not at.exception and not at.success
    assert counts(app_env) == before


def test_the_demo_is_labelled_and_goes_with_its_experiment(app_env):
    at = data_page()
    assert any("demo data set" in i.value for i in at.info)
    with open_store(app_env).cursor() as cur:
        assert [e.demo for e in experiment.list_all(cur)] == [True]
    at.selectbox(key="remove_choice").set_value(1).run()
    at.button(key="remove_button").click().run()
    assert any("its experiment goes with it" in w.value for w in at.warning)
    at.button(key="remove_confirm").click().run()
    assert "and the experiment it created" in at.success[0].value
    with open_store(app_env).cursor() as cur:
        assert experiment.list_all(cur) == []  # no 0-customer demo experiment left
        assert overview.store_stats(cur).transactions == 0


def cash_register_export(bad_amount: bool = False) -> bytes:
    """A 1C / cash-register export: cp1251, ';', '1 673,04', anonymous receipts, 'Итого'."""
    lines = ["Дата;Номер чека;Карта клиента;Сумма"]
    for i in range(1, 41):
        card = "" if i % 10 == 0 else f"77{i % 7:06d}"
        amount = "сорок" if bad_amount and i == 5 else "1 673,04"
        lines.append(f"{1 + i % 28:02d}.10.2026;Ч-{i};{card};{amount}")
    lines.append(";;Итого;66 921,60")
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


def test_an_export_with_anonymous_receipts_and_a_totals_row_loads(app_env):
    before = counts(app_env)
    at = upload(data_page(), "чеки.csv", cash_register_export())
    at.button(key="load_button").click().run()
    assert not at.exception
    assert at.success and "5 rows set aside" in at.success[0].value, [e.value for e in at.error]
    assert "5 rows" in at.get("download_button")[0].proto.label
    assert counts(app_env)[1] == before[1] + 36


def test_load_the_valid_rows_is_an_explicit_choice(app_env):
    before = counts(app_env)
    at = upload(data_page(), "чеки.csv", cash_register_export(bad_amount=True))
    at.button(key="load_button").click().run()
    assert at.error and "nothing loaded" in at.error[0].value
    assert counts(app_env) == before
    at.button(key="load_valid_button").click().run()
    assert not at.exception
    assert at.success and "6 rows set aside" in at.success[0].value, [e.value for e in at.error]
    assert counts(app_env)[1] == before[1] + 35


def test_results_attach_to_an_existing_experiment_picked_on_the_page(app_env):
    body = "Карта клиента;Группа;Покупка\r\n" + "".join(
        f"C{i:05d};{('control', 'surprise gift')[i % 2]};{'да' if i % 3 else 'нет'}\r\n"
        for i in range(30)
    )
    at = data_page()
    at.segmented_control(key="upload_kind").set_value("results").run()
    at = upload(at, "итоги.csv", body.encode("cp1251"))
    assert at.selectbox(key="results_experiment").value == "итоги"  # a new one by default
    at.selectbox(key="results_experiment").set_value("Loyalty levers 2026-Q2").run()
    at.button(key="load_button").click().run()
    assert not at.exception
    assert at.success and "(experiment 1)" in at.success[0].value, [e.value for e in at.error]
    with open_store(app_env).cursor() as cur:
        linked = cur.execute("SELECT DISTINCT experiment_id FROM campaign_results").fetchall()
    assert linked == [(1,)]


def test_the_currency_set_on_the_data_page_is_shown_on_results_and_in_the_report(app_env):
    """#12: a store's currency is its setting; the Results page (ru and en), the Data page's
    tiles and the report's money read it (the report: tests/test_store_settings.py)."""
    from experiments.store import settings as store_settings

    at = data_page()
    assert at.selectbox(key="currency_input").value == "RUB"
    at.selectbox(key="currency_input").set_value("EUR")
    at.button(key="save_settings").click().run()
    assert not at.exception, at.exception
    assert at.success and "currency EUR" in at.success[0].value
    with open_store(app_env).cursor() as cur:
        assert store_settings.currency(cur) == "EUR"
    assert any(m.label == "Revenue, €" for m in at.metric)  # the symbol, as charts show it

    russian = AppTest.from_file(APP, default_timeout=120)
    russian.query_params["lang"] = "ru"
    russian.run()
    assert not russian.exception, russian.exception
    shown = " ".join(m.value for m in russian.markdown)
    assert "\u00a0€" in shown and "₽" not in shown  # '+479 €' in the decision cards
    english = AppTest.from_file(APP, default_timeout=120).run()
    shown = " ".join(m.value for m in english.markdown)
    assert "€" in shown and "RUB" not in shown  # '+€479': the Formatter's money in English
