"""The command line prints money in the store's currency (its setting, `settings --currency`),
in the verdicts, the head to head and the report's charts; never roubles for a euro store."""

from __future__ import annotations

import pytest

from experiments.__main__ import main as cli_main


@pytest.fixture(scope="module")
def euro_db(cli_demo_db: str) -> str:
    """This module's copy of the command line's demo store (tests/conftest.py), set to EUR."""
    assert cli_main(["--db", cli_demo_db, "settings", "--currency", "EUR"]) == 0
    return cli_demo_db


@pytest.fixture(autouse=True)
def english_system(monkeypatch):
    for name in ("LOYALTY_LAB_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


# CLDR's euro sign in both languages (the Formatter's one money form: ru '+479 €', en '+€479')
@pytest.mark.parametrize(("lang", "shown", "never"), [("ru", "€", "₽"), ("en", "€", "RUB")])
def test_analyze_prints_the_stores_currency(euro_db, capsys, lang, shown, never):
    capsys.readouterr()
    assert cli_main(["--db", euro_db, "analyze", "1", "--lang", lang]) == 0
    out = capsys.readouterr().out
    assert shown in out
    assert never not in out


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_reports_charts_name_the_stores_currency(euro_db, tmp_path, lang):
    out = tmp_path / "report.html"
    assert cli_main(["--db", euro_db, "report", "1", "--out", str(out), "--lang", lang]) == 0
    html = out.read_text(encoding="utf-8")
    assert "RUB" not in html and "₽" not in html
    assert ("€" if lang == "ru" else "EUR") in html


def _same(a, b) -> bool:
    """Equal JSON, numbers to 1e-12 relative (DuckDB's parallel sums vary in the last bits)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-12, abs=1e-12)
    return a == b


def test_a_source_naming_the_stores_own_file_reads_it_in_place(euro_db, capsys):
    """`--source duckdb:///<the store>` is the store itself (a second DuckDB connection to the
    same file with other settings was refused), read in place: no source announced, and the
    same analysis as without the option."""
    import json

    capsys.readouterr()
    assert cli_main(["--db", euro_db, "analyze", "1", "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    args = ["--db", euro_db, "--source", f"duckdb://{euro_db}", "analyze", "1", "--json"]
    assert cli_main(args) == 0
    through = capsys.readouterr()
    assert "reading transactions from" not in through.err
    assert "source" not in json.loads(through.out)
    assert _same(json.loads(through.out), plain)


def test_running_out_of_duckdb_memory_is_a_message_with_what_to_do(euro_db, tmp_path):
    import os
    import shutil
    import subprocess
    import sys

    copy = tmp_path / "small.duckdb"
    shutil.copy(euro_db, copy)
    env = {**os.environ, "LOYALTY_LAB_DUCKDB_MEMORY": "2MB"}
    done = subprocess.run(
        [sys.executable, "-m", "experiments", "--db", str(copy), "analyze", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "LOYALTY_LAB_DUCKDB_MEMORY" in done.stderr


def _texts(document: object) -> list[str]:
    """Every text of a JSON document."""
    if isinstance(document, dict):
        return [t for v in document.values() for t in _texts(v)]
    if isinstance(document, list):
        return [t for v in document for t in _texts(v)]
    return [document] if isinstance(document, str) else []


def test_json_statements_write_money_in_the_cards_one_form(cli_demo_path, capsys, tmp_path):
    """#12: the fading statements of `analyze --json` said '+39 RUB' (and a bare '+14') where the
    headlines and the cards say '+RUB 39': one form, the Formatter's, in the store's currency;
    the numbers and field names stay."""
    import json
    import re
    import shutil

    from experiments.i18n import Formatter

    db = str(tmp_path / "store.duckdb")
    shutil.copyfile(cli_demo_path, db)
    capsys.readouterr()
    for currency, code in (("RUB", "RUB"), ("EUR", "€")):
        assert cli_main(["--db", db, "settings", "--currency", currency]) == 0
        capsys.readouterr()
        assert cli_main(["--db", db, "analyze", "1", "--json"]) == 0
        document = json.loads(capsys.readouterr().out)
        texts = _texts(document)
        assert not [t for t in texts if re.search(r"\d (?:RUB|EUR)\b", t)]  # '34 RUB'
        fmt = Formatter("en", currency)
        for test in document["decay"]["fading"].values():
            early = fmt.money(test["early"]["diff"], signed=True, digits=0)
            late = fmt.money(test["late"]["diff"], signed=True, digits=0)
            assert f"extra contribution {early} per customer in days 1-" in test["statement"]
            assert f", {late} in days " in test["statement"], test["statement"]
            assert code in early and isinstance(test["early"]["diff"], float)
        if currency == "EUR":
            assert not [t for t in texts if "RUB" in t or "rouble" in t]
