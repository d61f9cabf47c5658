"""The planned split, settable where the marketer works (AppTest, ru and en).

Before: a results file or a list loaded without `--split` read as an equal split, and the page
offered no way to give the real one: a 90/10 holdout said "check the data" for ever. Now the
Results page's editor sets it where the check says the equal split was assumed, the Data page
right after such a load, and the Design page's register form before registering.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scipy import stats as scipy_stats
from streamlit.testing.v1 import AppTest

from experiments import experiment
from experiments.__main__ import main as cli_main
from experiments.i18n import t
from experiments.store import open_store

from .conftest import APP

SIZES = {"control": 900, "A": 100, "B": 100}


def _results_csv(path: Path) -> Path:
    lines, customer = ["customer_id,group,revenue"], 0
    for arm, n in SIZES.items():
        for i in range(n):
            customer += 1
            lines.append(f"{customer},{arm},{100 + (i % 7) * 10:.2f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _stored(db: Path, name: str) -> experiment.Experiment:
    with open_store(db).cursor() as cur:
        found = experiment.load(cur, name)
    assert found is not None
    return found


def _snapshot(db: Path) -> list:
    with open_store(db).cursor() as cur:
        return cur.execute(
            "SELECT experiment_id, name, allocation FROM arms ORDER BY ALL"
        ).fetchall()


def _results_page(found: experiment.Experiment, lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = lang
    at.query_params["experiment"] = str(found.id)
    at.run()
    at.switch_page("pages/results.py").run()
    assert not at.exception, at.exception
    return at


def _save_button(at: AppTest, lang: str):
    return next(b for b in at.button if b.label == t("split.page.save", lang))


@pytest.fixture
def loaded(app_env, tmp_path) -> Path:
    csv = _results_csv(tmp_path / "holdout.csv")
    assert cli_main(["--db", str(app_env), "load", "results", str(csv)]) == 0
    return app_env


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_results_page_sets_the_real_split_where_equal_was_assumed(loaded, lang):
    found = _stored(loaded, "holdout")
    assert found.plan_assumed_equal
    at = _results_page(found, lang)
    weights = [n for n in at.number_input if n.key and n.key.startswith(f"split_{found.id}_")]
    assert [w.label for w in weights] == [
        t("split.page.weight", lang, arm=a) for a in ("control", "A", "B")
    ]
    assert [w.value for w in weights] == [1.0, 1.0, 1.0]  # equal until changed

    before = _snapshot(loaded)
    weights[1].set_value(0.0)
    _save_button(at, lang).click().run()
    assert not at.exception, at.exception
    said = " ".join(e.value for e in at.error)
    assert t("split.page.not_positive", lang, names="A") in said, said
    assert _snapshot(loaded) == before  # a bad weight writes nothing

    at = _results_page(found, lang)
    weights = [n for n in at.number_input if n.key and n.key.startswith(f"split_{found.id}_")]
    for widget, value in zip(weights, (9.0, 1.0, 1.0), strict=True):
        widget.set_value(value)
    _save_button(at, lang).click().run()
    assert not at.exception, at.exception
    stored = _stored(loaded, "holdout")
    assert not stored.plan_assumed_equal
    assert stored.planned_shares == pytest.approx({"control": 9 / 11, "A": 1 / 11, "B": 1 / 11})
    assert any(stored.name in s.value for s in at.success), [s.value for s in at.success]
    # the form is gone: the plan is given, and the check no longer alarms (scipy's p)
    assert not [n for n in at.number_input if n.key and n.key.startswith(f"split_{found.id}_")]
    p = scipy_stats.chisquare(list(SIZES.values()), f_exp=[900, 100, 100]).pvalue
    assert p > 0.001


def test_a_designed_experiment_offers_no_split_editor(app_env):
    with open_store(app_env).cursor() as cur:
        found = experiment.load(cur, 1)  # the demo: randomized at launch
    assert found is not None and not experiment.split_settable(found)
    at = _results_page(found, "en")
    assert not [n for n in at.number_input if n.key and n.key.startswith("split_")]


# -- the Design page's register form -------------------------------------------------------------
def _design_page(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/design.py").run()
    assert not at.exception, at.exception
    return at


def _list_csv() -> bytes:
    lines = ["customer_id,arm"]
    lines += [f"c{i}" + (",control" if i < 90 else ",mailing") for i in range(100)]
    return ("\n".join(lines) + "\n").encode()


def _run(element) -> AppTest:
    at = element.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_register_form_takes_the_planned_split(app_env, lang):
    at = _design_page(lang)
    at.file_uploader(key="assign_file").set_value(("holdout.csv", _list_csv(), "text/csv"))
    at = _run(at)
    _run(at.text_input(key="assign_name").input("Holdout"))
    assert not [n for n in at.number_input if str(n.key).startswith("assign_arm_weight")]
    at = _run(at.toggle(key="assign_arm_split").set_value(True))
    weights = [n for n in at.number_input if str(n.key).startswith("assign_arm_weight")]
    assert [w.label for w in weights] == [
        t("split.page.weight", lang, arm=a) for a in ("control", "mailing")
    ]
    assert [w.value for w in weights] == [1.0, 1.0]

    at = _run(weights[1].set_value(0.0))
    said = " ".join(e.value for e in at.error)
    assert t("split.page.not_positive", lang, names="mailing") in said, said
    assert at.button(key="assign_button").disabled

    weights = [n for n in at.number_input if str(n.key).startswith("assign_arm_weight")]
    _run(weights[0].set_value(9.0))
    at = _run(weights[1].set_value(1.0))
    assert any("90" in c.value and "10" in c.value for c in at.caption)  # the shares shown
    at = _run(at.button(key="assign_button").click())
    stored = _stored(app_env, "Holdout")
    assert not stored.plan_assumed_equal
    assert stored.planned_shares == pytest.approx({"control": 0.9, "mailing": 0.1})


def test_the_register_form_without_a_split_assumes_equal(app_env):
    at = _design_page("en")
    at.file_uploader(key="assign_file").set_value(("holdout.csv", _list_csv(), "text/csv"))
    at = _run(at)
    _run(at.text_input(key="assign_name").input("Holdout"))
    _run(at.button(key="assign_button").click())
    stored = _stored(app_env, "Holdout")
    assert stored.plan_assumed_equal
    assert stored.planned_shares == pytest.approx({"control": 0.5, "mailing": 0.5})


# -- the Data page, right after loading a results file -------------------------------------------
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_data_page_asks_for_the_split_of_a_new_results_file(app_env, tmp_path, lang):
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/data.py").run()
    at = _run(at.segmented_control(key="upload_kind").set_value("results"))
    content = _results_csv(tmp_path / "holdout.csv").read_bytes()
    at.file_uploader(key="upload_file").set_value(("holdout.csv", content, "text/csv"))
    at = _run(at)
    at = _run(at.button(key="load_button").click())
    found = _stored(app_env, "holdout")
    assert found.plan_assumed_equal
    prefix = f"data_split_{found.id}_"
    weights = [n for n in at.number_input if str(n.key).startswith(prefix)]
    assert [w.label for w in weights] == [
        t("split.page.weight", lang, arm=a) for a in ("control", "A", "B")
    ]
    weights[1].set_value(0.0)
    at = _run(_save_button(at, lang).click())
    said = " ".join(e.value for e in at.error)
    assert t("split.page.not_positive", lang, names="A") in said, said
    assert _stored(app_env, "holdout").plan_assumed_equal

    weights = [n for n in at.number_input if str(n.key).startswith(prefix)]
    for widget, value in zip(weights, (9.0, 1.0, 1.0), strict=True):
        widget.set_value(value)
    at = _run(_save_button(at, lang).click())
    stored = _stored(app_env, "holdout")
    assert not stored.plan_assumed_equal
    assert stored.planned_shares == pytest.approx({"control": 9 / 11, "A": 1 / 11, "B": 1 / 11})
    assert any("holdout" in s.value for s in at.success)
    assert not [n for n in at.number_input if str(n.key).startswith(prefix)]


def test_the_results_page_sets_the_split_of_a_registered_list(app_env, tmp_path):
    """A list of the store's own customers registered without a split: 900 / 100 read
    against an equal plan is a mismatch; the Results page's form gives 9 to 1."""
    lines = ["customer_id,arm"]
    lines += [f"C{i:07d}," + ("control" if i < 900 else "mailing") for i in range(1000)]
    path = tmp_path / "list.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["--db", str(app_env), "register", str(path), "--name", "List", "--sent-on"]
    assert cli_main([*args, "2026-01-05"]) == 0
    found = _stored(app_env, "List")
    assert found.plan_assumed_equal
    at = _results_page(found, "en")
    weights = [n for n in at.number_input if str(n.key).startswith(f"split_{found.id}_")]
    assert [w.label for w in weights] == [
        t("split.page.weight", "en", arm=a) for a in ("control", "mailing")
    ]
    weights[0].set_value(9.0)
    at = _run(_save_button(at, "en").click())
    stored = _stored(app_env, "List")
    assert not stored.plan_assumed_equal
    assert stored.planned_shares == pytest.approx({"control": 0.9, "mailing": 0.1})
