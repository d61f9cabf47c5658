"""The command line in Russian: `--lang ru` (before or after the command), $LOYALTY_LAB_LANG,
then the system locale; human messages from the catalogue (messages_cli), `--json` the same
text in both languages."""

from __future__ import annotations

import json
import math
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
    # The same document: the same fields and words; a float may differ in its last digit between
    # two runs, as DuckDB's parallel sums add in whichever order the threads finish.
    assert _same_json(json.loads(russian), json.loads(english))


def _same_json(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return (
            isinstance(a, (int, float))
            and isinstance(b, (int, float))
            and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
        )
    if isinstance(a, dict):
        return (
            isinstance(b, dict) and a.keys() == b.keys() and all(_same_json(a[k], b[k]) for k in a)
        )
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same_json, a, b))
    return a == b


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


# -- every command's human output in Russian (#12): no English beyond names that stay ------------
_LATIN = re.compile(r"[A-Za-z](?:[A-Za-z_]*[A-Za-z])?")  # a field's name (customer_id) is one word
_NOT_WORDS = re.compile(
    r"--?[a-z][a-z-]*"  # options: --lang, -h
    r"|\b[A-Z][A-Z_.\[\]|:]*[A-Z\]]\b(?:=[A-Z_]+)?"  # metavars: EXPERIMENT, FILE.html, ARM=PERCENT
    r"|\{[^}]*\}"  # choices: {ru,en}
    r"|`[^`]*`"  # commands quoted in a message
    r"|[\w.+-]*://\S*"  # source URLs
    r"|\$[A-Z_]+"  # environment variables
    r"|\S*[/\\]\S*"  # paths and file names with a folder
    r"|\S*\.(?:csv|html|htm|xlsx|toml|duckdb|parquet)\b"  # file names and extensions
)
# Latin words a Russian command line keeps, and why
ALLOWED_CLI = {
    # the product, the tool and the command names
    "Loyalty", "Lab", "python", "m", "experiments", "demo", "load", "register", "delete",
    "archive", "stats", "list", "uploads", "remove", "upload", "analyze", "file", "assignments",
    "clv", "report", "settings", "set", "split", "COMMAND",
    # method and model names, as in the glossary
    "CUPED", "SRM", "BG", "NBD", "Gamma", "CLV", "DuckDB", "Welch", "z", "p", "n", "r", "alpha",
    "a", "b", "q", "v", "CI",
    # formats, encodings, standards, systems
    "CSV", "XLSX", "HTML", "JSON", "UTF", "Windows", "Parquet", "ISO", "URL", "Excel",
    "spark", "local", "clickhouse", "chdb", "duckdb", "sc", "N",
    # codes the options take as they are (--lang ru|en, --correction holm|bh|none, kinds...)
    "ru", "en", "holm", "bh", "none", "transactions", "customers", "results", "binary", "money",
    "discount", "gift", "outreach", "custom", "repeat_purchase", "net_value", "customer_id",
    "arm", "arm_kind", "code", "seed", "known_effects", "share", "base_url", "password", "url",
    "source", "upload_id", "RUB", "EUR", "USD", "KZT", "GB", "LOYALTY_LAB_DUCKDB_MEMORY",
}  # fmt: skip


def english_words(text: str, names: tuple[str, ...] = ()) -> list[str]:
    """The Latin-letter words of a Russian output beyond the allow-list; `names` are data (an
    experiment's and its arms' names, a file's name) that stay as typed."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    text = _NOT_WORDS.sub(" ", text)
    return [w for w in _LATIN.findall(text) if w not in ALLOWED_CLI]


DEMO_NAMES = (
    "Loyalty levers 2026-Q2",
    "Control",
    "10% discount",
    "Surprise gift",
    "Personal outreach",
)


def _stored_upload_texts(db: str) -> tuple[str, ...]:
    """The names of the files people uploaded, as typed (the demo's name, its summary, an
    assignment list's line and the warnings are said in Russian: `i18n.readback`)."""
    from experiments.store import open_store

    with open_store(db).cursor() as cur:
        rows = cur.execute("SELECT file_name FROM uploads WHERE kind <> 'demo'").fetchall()
    return tuple(str(row[0]) for row in rows)


def test_every_command_in_russian_says_it_in_russian(db, capsys, tmp_path):
    """stats, list, uploads, settings, analyze, clv (the store and an experiment), report,
    assignments, register, load, archive, delete and remove-upload, and their errors."""
    ru = ("--db", db, "--lang", "ru")

    def run(*args: str, code: int = 0, names: tuple[str, ...] = ()) -> str:
        got, out, err = cli(capsys, *ru, *args)
        assert got == code, (args, got, out, err)
        text = out + err
        left = english_words(text, DEMO_NAMES + names)
        assert not left, (args, sorted(set(left)), text[:2000])
        assert CYRILLIC.search(text), (args, text)
        return text

    run("stats")
    listed = run("list")
    assert "25\u00a0%" in listed and "0.25" not in listed  # allocations are percentages
    run("settings")
    analyzed = run("analyze", "1")
    assert "Повторная покупка=" in analyzed and "repeat_purchase=" not in analyzed
    assert "Уэлч" in analyzed or "Welch" in analyzed
    run("clv", "--months", "6")
    run("clv", "--experiment", "1", "--bootstrap", "5")
    page = tmp_path / "report.html"
    run("report", "1", "--out", str(page))
    lists = tmp_path / "assigned.csv"
    run("assignments", "1", "--out", str(lists))
    registered = run(
        "register", str(lists), "--name", "Копия", "--sent-on", "2026-05-04",
        "--cost", "Surprise gift=250", names=("Копия",),
    )  # fmt: skip
    assert "Зарегистрирован" in registered and "250,00\u00a0₽" in registered
    run("archive", "Копия", names=("Копия",))
    run("archive", "Копия", "--undo", names=("Копия",))
    run("delete", "Копия", code=2, names=("Копия",))
    run("delete", "Копия", "--yes", names=("Копия",))
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "customer_id,order_id,ts,amount\nc1,o1,2026-10-01 10:00,100\nc2,o2,2026-10-02,200\n",
        encoding="utf-8",
    )
    loaded = run("load", "transactions", str(orders))
    assert "загрузки" in loaded.lower() or "загружен" in loaded.lower()
    run("uploads", names=_stored_upload_texts(db))
    upload = max(int(n) for n in re.findall(r"загрузк\w* (\d+)", loaded))
    run("remove-upload", str(upload))
    run("analyze", "нет-такого", code=2)
    run("register", str(lists), "--name", "x", "--sent-on", "вчера", code=2, names=("вчера",))
    run("analyze", "1", "--source", "bogus://x", code=2, names=("bogus",))
    assert cli_main([*ru, "analyze", "1", "--confidence", "42"]) == 2  # main() refuses it
    err = capsys.readouterr().err
    assert "ошибка: --confidence 42" in err and not english_words(err), err
    for wrong in (["analyze"], ["report", "1"]):
        with pytest.raises(SystemExit) as stop:  # argparse's own errors, in Russian too
            cli_main([*ru, *wrong])
        assert stop.value.code == 2
        err = capsys.readouterr().err
        assert "ошибка: " in err and not english_words(err), err


@pytest.mark.parametrize(
    "command",
    [
        [], ["demo"], ["load"], ["register"], ["delete"], ["archive"], ["stats"], ["list"],
        ["uploads"], ["remove-upload"], ["analyze-file"], ["analyze"], ["assignments"], ["clv"],
        ["report"], ["settings"], ["set-split"],
    ],
)  # fmt: skip
def test_the_help_of_every_command_is_russian(capsys, command):
    with pytest.raises(SystemExit) as stop:
        cli_main(["--lang", "ru", *command, "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("использование: ") and "параметры:" in out
    assert not english_words(out), sorted(set(english_words(out)))


def test_the_help_in_english_is_unchanged(capsys):
    with pytest.raises(SystemExit):
        cli_main(["report", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: ") and "options:" in out
    assert "write the self-contained HTML report of an experiment" in out
    assert not CYRILLIC.search(out)


def test_analyze_file_in_russian_names_metrics_in_words(capsys, tmp_path):
    path = tmp_path / "итоги.csv"
    rows = ["arm,bought,spent"] + [
        f"{'control' if i % 2 else 'gift'},{i % 3 == 0:d},{(i * 37) % 500}" for i in range(400)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = cli(
        capsys, "--lang", "ru", "analyze-file", str(path), "--arm", "arm", "--control", "control",
        "--metric", "bought", "--metric", "spent:money",
    )  # fmt: skip
    assert code == 0, err
    names = ("control", "gift", "bought", "spent")
    assert not english_words(out, names), sorted(set(english_words(out, names)))
    assert "разница=" in out and "diff=" not in out


def test_russian_numbers_are_not_lists_of_decimal_commas(db, capsys):
    """#12: in Russian a decimal comma inside a ', '-separated list is ambiguous
    ('ДИ=[-884,2, 446,2]', 'r=0,8469, alpha=2,842'): intervals read 'от … до …', the
    parameters are separated by '; ', large figures are grouped, no 'p_скорр'."""
    code, out, err = cli(capsys, "--db", db, "--lang", "ru", "analyze", "1")
    assert code == 0 and not err
    assert "ДИ от " in out and "ДИ=[" not in out and "p_скорр" not in out
    assert "p с поправкой=" in out
    revenue = re.findall(r"Выручка на клиента=([^ ]+(?:\u00a0\d+)*)", out)
    assert revenue and all("\u00a0" in v or float(v.replace(",", ".")) < 1000 for v in revenue), (
        revenue
    )
    assert any("\u00a0" in v for v in revenue), revenue  # the demo's spend runs to thousands
    code, out, err = cli(capsys, "--db", db, "--lang", "ru", "clv", "--months", "6")
    assert code == 0, err
    bgnbd = next(line for line in out.splitlines() if "модель BG/NBD" in line)
    assert re.search(r"r=[^ ;]+; alpha=[^ ;]+; a=", bgnbd), bgnbd
    assert "маржинальность" not in out and "маржа в данных" in out
    code, out, _ = cli(capsys, "--db", db, "--lang", "ru", "clv", "--experiment", "1",
                       "--bootstrap", "5")  # fmt: skip
    assert code == 0 and "(от " in out and " [" not in out, out
    code, out, _ = cli(capsys, "--db", db, "--lang", "ru", "settings")
    assert "ставка маржи:" in out and "маржинальность" not in out


def test_english_parameters_keep_their_commas(db, capsys):
    code, out, _ = cli(capsys, "--db", db, "clv", "--months", "6")
    assert code == 0 and re.search(r"r=[^ ,]+, alpha=", out), out
    assert "margin in the data" in out


def test_a_results_file_experiment_speaks_russian_in_the_store_s_currency(
    cli_demo_path, capsys, tmp_path
):
    """#12: `analyze` of an experiment read from a result file: its verdict lines in Russian,
    and every amount in the store's currency (they were '+RUB' whatever the store's money)."""
    import shutil

    db = tmp_path / "store.duckdb"
    shutil.copyfile(cli_demo_path, db)
    assigned = tmp_path / "assigned.csv"
    assert cli(capsys, "--db", str(db), "assignments", "1", "--out", str(assigned))[0] == 0
    ids = [line.split(",")[:2] for line in assigned.read_text("utf-8-sig").splitlines()[1:]]
    results = tmp_path / "итоги.csv"
    rows = [f"{cid},{arm},{(i * 37) % 900}" for i, (cid, arm) in enumerate(ids)]
    results.write_text("customer_id,arm,spend\n" + "\n".join(rows) + "\n", encoding="utf-8")
    code, _, err = cli(
        capsys, "--db", str(db), "load", "results", str(results), "--experiment", "1"
    )
    assert code == 0, err
    assert cli(capsys, "--db", str(db), "settings", "--currency", "EUR")[0] == 0
    code, out, err = cli(capsys, "--db", str(db), "--lang", "ru", "analyze", "1")
    assert code == 0, err
    verdicts = [line for line in out.splitlines() if "разница=" not in line and "€" in line]
    assert verdicts, out
    assert "RUB" not in out and "₽" not in out, out
    names = ("spend", "итоги", "customer_id")
    left = [w for w in english_words(out, DEMO_NAMES + names) if w != "e"]  # p=1,2e-07
    assert not left, sorted(set(left))
    code, english, _ = cli(capsys, "--db", str(db), "analyze", "1")
    assert code == 0 and "€" in english and "RUB" not in english, english
    code, document, _ = cli(capsys, "--db", str(db), "analyze", "1", "--json")
    assert "RUB" not in document and "roubles" not in document
    code, russian_json, _ = cli(capsys, "--db", str(db), "--lang", "ru", "analyze", "1", "--json")
    assert json.loads(russian_json) == json.loads(document)


def test_analyze_prints_why_a_verdict_is_not_ship(db, capsys):
    """Under every verdict that is not SHIP come its reasons (as the Results page's cards and
    `analyze-file` show them), in the run's language; a SHIP line stands alone."""
    code, out, _ = cli(capsys, "--db", db, "analyze", "1", "--json")
    assert code == 0
    held = [d for d in json.loads(out)["decisions"] if d["verdict"] != "ship" or d["blocked"]]
    assert held, "the demo's verdicts at this horizon are expected to include a held one"
    code, english, _ = cli(capsys, "--db", db, "analyze", "1")
    assert code == 0
    for d in held:
        assert d["reasons"] and all(reason in english for reason in d["reasons"]), d["arm"]
    code, russian, _ = cli(capsys, "--db", db, "--lang", "ru", "analyze", "1")
    assert code == 0

    def under_verdicts(text: str) -> int:  # the reasons and the head-to-head sentences
        return sum(1 for line in text.splitlines() if line.startswith(" " * 18) and line.strip())

    assert under_verdicts(russian) == under_verdicts(english) > sum(len(d["reasons"]) for d in held)
