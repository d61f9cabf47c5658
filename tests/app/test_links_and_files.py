"""Results page: a link to a missing experiment says so (issue 14.7); a result file's yes/no
column is a metric and a text column is named, not dropped silently (issue 14.4)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from experiments import ingest
from experiments.store import open_store

from .conftest import APP


def results(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_link_to_a_missing_experiment_says_so_instead_of_opening_another(app_env):
    at = results({"experiment": "Spring gift test"})
    assert any("Spring gift test" in e.value and "not in this store" in e.value for e in at.error)
    assert not any(s.label == "Experiment" for s in at.selectbox)  # nothing else opened
    assert not at.dataframe
    at = at.button(key="missing_experiment_button").click().run()
    assert not at.exception
    assert any(s.label == "Experiment" for s in at.selectbox)


def test_a_link_may_name_the_experiment_by_id(app_env):
    at = results({"experiment": "1"})
    assert not at.error
    picker = next(s for s in at.selectbox if s.label == "Experiment")
    assert picker.value == 1  # the picker holds ids and shows names
    assert picker.options == ["Loyalty levers 2026-Q2 (demo data)"]


def test_a_yes_no_column_is_offered_and_a_text_column_is_named(app_env, tmp_path):
    path = tmp_path / "итоги.csv"
    body = "Карта клиента;Группа;Покупка;Комментарий\r\n" + "".join(
        f"2000{i:06d};{('Контроль', 'Подарок')[i % 2]};{'да' if i % 3 == 0 else 'нет'};"
        f"{'перезвонить' if i % 4 == 0 else 'ок'}\r\n"
        for i in range(200)
    )
    path.write_bytes(body.encode("cp1251"))
    loaded = ingest.load_file(open_store(app_env), "results", path, experiment="Май")
    assert loaded.ok, loaded.summary()
    at = results({"experiment": "Май"})
    picker = next(m for m in at.multiselect if m.label.startswith("Metrics"))
    assert "Покупка" in picker.options and "Покупка" in picker.value
    assert any("Not offered as metrics" in c.value and "Комментарий" in c.value for c in at.caption)


def test_a_mistyped_store_path_is_reported_not_seeded(monkeypatch, tmp_path):
    """Issue 14.6: a LOYALTY_LAB_DB typo silently became a new demo store."""
    from .conftest import ROOT

    missing = tmp_path / "typo" / "loyalty.duckdb"
    monkeypatch.setenv("LOYALTY_LAB_DB", str(missing))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, at.exception
    assert any(f"There is no store at {missing}" in e.value for e in at.error)
    assert not missing.exists()


def test_the_demo_experiment_is_labelled_on_results(app_env):
    at = results({})
    picker = next(s for s in at.selectbox if s.label == "Experiment")
    assert picker.format_func(picker.value) == "Loyalty levers 2026-Q2 (demo data)"
