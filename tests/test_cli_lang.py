"""The command line in Russian: `--lang ru` (before or after the command), $LOYALTY_LAB_LANG,
then the system locale; human messages from the catalogue (messages_cli), `--json` the same
text in both languages."""

from __future__ import annotations

import json
import re

import pytest

from experiments.__main__ import cli_language
from experiments.__main__ import main as cli_main

CYRILLIC = re.compile("[а-яё]", re.I)


@pytest.fixture(scope="module")
def db(cli_demo_db: str) -> str:
    return cli_demo_db  # tests/conftest.py: the command line's demo store, this module's copy


@pytest.fixture(autouse=True)
def english_system(monkeypatch):
    """The tests choose the language; the machine's own locale must not."""
    for name in ("LOYALTY_LAB_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = cli_main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("where", ["after", "before"])
def test_analyze_in_russian_prints_russian(db, capsys, where):
    args = (
        ["analyze", "1", "--lang", "ru"] if where == "after" else ["--lang", "ru", "analyze", "1"]
    )
    code, out, err = cli(capsys, "--db", db, *args)
    assert code == 0 and not err
    lines = out.splitlines()
    assert lines[0].startswith("Loyalty levers") and "горизонт 60 дней, данные по " in lines[0]
    assert lines[1].startswith("статус: ")
    assert any(line.startswith("Правило вердикта зафиксировано при дизайне: ") for line in lines)
    assert any(line.lstrip().startswith(("ВНЕДРЯТЬ", "НЕТ ЯСНОГО ОТВЕТА")) for line in lines)
    assert any(line.startswith("SRM, p-значение: ") for line in lines)
    assert "наблюдается=" in out and "разница=" in out and "₽" in out
    for english in ("horizon", "status:", "Verdict rule", "observed=", "diff=", "SHIP", "RUB"):
        assert english not in out, english


def test_analyze_in_english_is_unchanged(db, capsys):
    code, out, _ = cli(capsys, "--db", db, "analyze", "1")
    assert code == 0
    assert "60-day horizon, data to" in out.splitlines()[0]
    assert out.splitlines()[1].startswith("status: ")
    assert "Verdict rule fixed at design: " in out and "diff=" in out
    assert not CYRILLIC.search(out.replace("Loyalty", ""))


@pytest.mark.parametrize("command", [["analyze", "1"], ["list"], ["stats"], ["settings"]])
def test_json_is_the_same_text_in_both_languages(db, capsys, command):
    _, english, _ = cli(capsys, "--db", db, *command, "--json", "--lang", "en")
    _, russian, _ = cli(capsys, "--db", db, *command, "--json", "--lang", "ru")
    assert russian == english
    json.loads(russian)


def test_errors_and_confirmations_in_russian(db, capsys, tmp_path):
    code, out, err = cli(capsys, "--db", db, "--lang", "ru", "analyze", "нет-такого")
    assert code == 2 and not out
    assert err.startswith("ошибка: нет эксперимента с номером или названием 'нет-такого'")
    code, out, _ = cli(capsys, "--db", db, "list", "--lang", "ru")
    assert code == 0 and "(демо)" in out and "[завершён]" in out and "клиент" in out
    page = tmp_path / "отчёт.html"
    code, out, _ = cli(capsys, "--db", db, "report", "1", "--out", str(page), "--lang", "ru")
    assert code == 0 and out.startswith("Отчёт по 'Loyalty levers") and "горизонт 60 дней" in out
    assert "<html lang='ru'>" in page.read_text(encoding="utf-8")


def test_the_environment_chooses_the_language_when_the_option_does_not(db, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    _, out, _ = cli(capsys, "--db", db, "analyze", "1")
    assert out.splitlines()[1].startswith("статус: ")
    _, out, _ = cli(capsys, "--db", db, "analyze", "1", "--lang", "en")
    assert out.splitlines()[1].startswith("status: ")


@pytest.mark.parametrize(
    ("explicit", "env", "expected"),
    [
        (None, {}, "en"),
        ("ru", {"LOYALTY_LAB_LANG": "en"}, "ru"),
        (None, {"LOYALTY_LAB_LANG": "ru", "LANG": "en_US.UTF-8"}, "ru"),
        (None, {"LOYALTY_LAB_LANG": "de", "LANG": "ru_RU.UTF-8"}, "ru"),
        (None, {"LANG": "ru_RU.UTF-8"}, "ru"),
        (None, {"LC_ALL": "C.UTF-8", "LANG": "ru_RU.UTF-8"}, "en"),  # LC_ALL wins, as in POSIX
        (None, {"LC_ALL": "", "LC_MESSAGES": "ru_RU", "LANG": "en_US"}, "ru"),
        (None, {"LANG": "C"}, "en"),
    ],
)
def test_cli_language_precedence(explicit, env, expected):
    assert cli_language(explicit, env) == expected
