"""Share and report links carry the experiment's id, not its name: a long Cyrillic name no longer
makes a 350-character link, and an old link that names the experiment still opens it."""

from __future__ import annotations

from urllib.parse import quote

from streamlit.testing.v1 import AppTest

from experiments.store import Store

from .conftest import APP

NAME = "Программа лояльности: подарок-сюрприз против скидки 10 % и звонка менеджера, весна 2026"


def rename(db, name: str) -> None:
    store = Store(db)
    try:
        with store.cursor() as cur:
            cur.execute("UPDATE experiments SET name = ? WHERE experiment_id = 1", [name])
    finally:
        store.close()


def open_results(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    return at


def links(at: AppTest) -> list[str]:
    return [c.value for c in at.code if "experiment=" in c.value]


def test_a_cyrillic_named_experiment_gets_short_links_and_its_old_name_link_opens_it(app_env):
    rename(app_env, NAME)
    old_link_length = len(f"http://localhost:8501/?experiment={quote(NAME)}&view=report&lang=ru")
    assert old_link_length > 300  # what a link with the name used to cost
    at = open_results({"experiment": NAME, "lang": "ru"})  # an old link: the name
    assert not at.error
    picker = next(s for s in at.selectbox if s.key == "experiment_pick")
    assert picker.value == 1
    assert any(NAME in option for option in picker.options)  # the name stays readable
    shown = links(at)
    assert len(shown) == 2  # the live view and the report
    for link in shown:
        assert "experiment=1&" in link or link.endswith("experiment=1")
        assert len(link) < 120, link
    assert at.query_params["experiment"] in ("1", ["1"])  # the address bar now carries the id
    by_id = open_results({"experiment": "1", "lang": "ru"})
    assert next(s for s in by_id.selectbox if s.key == "experiment_pick").value == 1
