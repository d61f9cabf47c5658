"""The command line refuses bad option values and says the store's refusals in the run's
language: --confidence 42 was English argparse text, --currency XYZ too, and `remove-upload
999 --lang ru` printed "ошибка: There is no upload 999"; an unwritable --out ended with the
OS's English "No such file or directory"."""

from __future__ import annotations

import pytest

from experiments import metrics
from experiments.__main__ import main as cli_main


@pytest.fixture(autouse=True)
def english_system(monkeypatch):
    for name in ("LOYALTY_LAB_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("options", "lang", "said"),
    [
        (["analyze", "1", "--confidence", "42"], "en",
         "error: --confidence 42: the confidence level must be one of 90, 95, 99 (percent)"),
        (["report", "1", "--out", "r.html", "--confidence", "abc"], "ru",
         "ошибка: --confidence abc: уровень доверия — один из 90, 95, 99 (в процентах)"),
        (["analyze", "1", "--confidence", "²"], "en", "error: --confidence ²: the confidence"),
        (["settings", "--currency", "XYZ"], "ru",
         "ошибка: --currency XYZ: это не код валюты ISO 4217 (например, RUB, EUR, USD или KZT)"),
        (["settings", "--currency", "XYZ"], "en",
         "error: --currency XYZ: not an ISO 4217 currency code (such as RUB, EUR, USD or KZT)"),
        (["report", "1", "--out", "r.html", "--currency", "xyz"], "ru",
         "ошибка: --currency XYZ: это не код валюты ISO 4217"),
    ],
)  # fmt: skip
def test_a_bad_option_value_is_refused_in_the_runs_language(tmp_path, capsys, options, lang, said):
    db = tmp_path / "never.duckdb"
    code = cli_main(["--db", str(db), *options, "--lang", lang])
    out = capsys.readouterr()
    assert code == 2
    assert out.err.startswith(said), out.err
    assert "Traceback" not in out.err and "usage:" not in out.err and out.out == ""
    assert not db.exists()  # refused before the store opened


@pytest.mark.parametrize("value", ["90", "95", "99"])
def test_an_offered_confidence_is_read(cli_demo_db, capsys, value):
    import json

    assert cli_main(["--db", cli_demo_db, "analyze", "1", "--confidence", value, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["confidence"] == int(value) / 100


@pytest.mark.parametrize("value", ["42", "abc", "²", "0.5", "97", 42, True, " ", "95.5"])
def test_unrecognised_options_names_what_would_be_replaced(value):
    blank = isinstance(value, str) and not value.strip()
    expected = () if blank else ("confidence",)
    assert metrics.unrecognised_options(confidence=value) == expected
    assert metrics.settings_from_options(confidence=value).confidence == 0.95  # the rule's


def test_unrecognised_options_of_every_setting():
    assert metrics.unrecognised_options(
        cap="maybe", cuped="2", correction="sidak", confidence="90"
    ) == ("cap", "cuped", "correction")
    assert (
        metrics.unrecognised_options(cap="on", cuped="OFF", correction="bh", confidence=0.99) == ()
    )
    assert metrics.unrecognised_options() == ()


def test_a_missing_upload_is_said_in_russian(tmp_path, capsys):
    db = tmp_path / "s.duckdb"
    assert cli_main(["--db", str(db), "settings"]) == 0
    capsys.readouterr()
    assert cli_main(["--db", str(db), "remove-upload", "999", "--lang", "ru"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ошибка: Загрузки 999 нет."), err
    assert "There is no upload" not in err
    assert cli_main(["--db", str(db), "remove-upload", "999", "--lang", "en"]) == 2
    assert capsys.readouterr().err.startswith("error: There is no upload 999.")


def test_a_refused_setting_is_said_in_russian(tmp_path, capsys):
    db = tmp_path / "s.duckdb"
    assert cli_main(["--db", str(db), "settings", "--margin-rate", "7", "--lang", "ru"]) == 2
    err = capsys.readouterr().err
    assert "Маржинальность — доля от 0 до 1" in err and "margin rate must" not in err


@pytest.mark.parametrize(
    ("lang", "said"),
    [("ru", "не удалось записать {out}: папки {folder} нет"),
     ("en", "cannot write {out}: there is no folder {folder}")],
)  # fmt: skip
def test_a_report_into_a_missing_folder_says_so_in_the_runs_language(
    cli_demo_db, tmp_path, capsys, lang, said
):
    out = tmp_path / "nonexistent" / "dir" / "r.html"
    capsys.readouterr()
    assert cli_main(["--db", cli_demo_db, "report", "1", "--out", str(out), "--lang", lang]) == 2
    err = capsys.readouterr().err
    assert said.format(out=out, folder=out.parent) in err, err
    assert "No such file or directory" not in err and "Traceback" not in err
