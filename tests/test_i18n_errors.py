"""Refusals in the run's language (issue #12): the workbook, file, store, source, CLV and design
refusals that were English f-strings showed English inside a `--lang ru` run or a `lang=ru` page.

Each path is run in Russian and must say Cyrillic text without an English sentence (three Latin
words in a row, once the values the marketer typed or the system's own detail are left out); and
a guard scans experiments/ so that a new refusal cannot be an English f-string again.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from experiments import config, ingest, sheet
from experiments.__main__ import main as cli_main
from experiments.i18n.text import message_text
from experiments.store import Store, StoreError, StoreLocked

_ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,:;()'-]+[A-Za-z]{2,}){2,}")
# what stays Latin in Russian too: names of products, formats, options and commands, and
# 'quoted' names of columns, tables and values
_LATIN_NAMES = re.compile(
    r"Loyalty Lab|python -m experiments[^`]*|--[a-z-]+|LOYALTY_LAB_\w+|DuckDB|Excel|Parquet|"
    r"CSV|XLSX|UTF-8|TMPDIR|'[^']*'|\S*/\S*|\S+\.(?:csv|xlsx|xls|duckdb)\b"
)


def assert_russian(said: str, *details: str) -> None:
    """Cyrillic, and no English sentence outside `details` (file names, system messages)."""
    assert re.search("[а-яА-Я]", said), said
    for detail in details:
        said = said.replace(detail, " ")
    left = _ENGLISH.search(_LATIN_NAMES.sub(" ", said))
    assert left is None, (left, said)


def test_the_english_check_catches_an_english_sentence():
    with pytest.raises(AssertionError):
        assert_russian("Ошибка: the first sheet is empty.")
    assert_russian("Файл a.xlsx: первый лист пуст.", "a.xlsx")


@pytest.fixture(autouse=True)
def english_system(monkeypatch):
    for name in ("LOYALTY_LAB_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    import pandas as pd

    pd.DataFrame(rows[1:], columns=rows[0]).to_excel(path, index=False)
    return path


def _cli_load(tmp_path: Path, capsys, file: Path, lang: str) -> str:
    db = tmp_path / "s.duckdb"
    code = cli_main(["--db", str(db), "load", "transactions", str(file), "--lang", lang])
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err
    return err


# -- a workbook and a file (experiments/sheet.py, experiments/ingest) ---------------------------
def test_an_unreadable_workbook_is_refused_in_russian(tmp_path, capsys):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 200)  # a zip's magic, no zip behind it
    ru = _cli_load(tmp_path, capsys, bad, "ru")
    assert "Не удалось прочитать файл broken.xlsx" in ru
    assert "could not be read" not in ru and "not a readable" not in ru
    with pytest.raises(zipfile.BadZipFile) as unzipped:
        zipfile.ZipFile(bad)
    detail = str(unzipped.value)  # zipfile's own words stay as they are
    assert_russian(ru, "broken.xlsx", detail)
    en = _cli_load(tmp_path, capsys, bad, "en")
    assert "broken.xlsx could not be read: it is not a readable XLSX workbook" in en
    assert "Save it again from Excel, or export CSV." in en


def test_a_workbook_beyond_the_row_limit_says_the_limit_in_russian(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(config, "MAX_XLSX_ROWS", 3)
    rows = [["customer_id", "date", "amount"]] + [[f"c{i}", "2026-01-05", 10] for i in range(5)]
    path = _xlsx(tmp_path / "big.xlsx", rows)
    with pytest.raises(sheet.SheetError) as raised:
        list(sheet.iter_rows(path))
    assert raised.value.limit
    ru = message_text(raised.value, "ru")
    assert "строк с данными на первом листе больше, чем 3" in ru  # no noun after a count
    assert_russian(ru)
    assert str(raised.value).startswith("the first sheet has more than 3 data rows")
    said = _cli_load(tmp_path, capsys, path, "ru")
    assert "на первом листе больше, чем 3" in said and "Сохраните его заново в Excel" not in said
    assert_russian(said, "big.xlsx")


def test_a_workbook_beyond_the_column_limit_names_the_row_and_column(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "MAX_COLUMNS", 2)
    path = _xlsx(tmp_path / "wide.xlsx", [["a", "b", "c"], [1, 2, 3]])
    with pytest.raises(sheet.SheetError) as raised:
        list(sheet.iter_rows(path))
    ru = message_text(raised.value, "ru")
    assert "в строке 1 заполнен столбец номер 3" in ru
    assert_russian(ru)
    assert str(raised.value).startswith("row 1 has a cell in column 3, beyond the limit")


def test_an_empty_first_sheet_is_said_in_russian(tmp_path, capsys):
    import openpyxl

    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    inspection = ingest.inspect_file(path, "transactions")
    ru = message_text(inspection.problems[0].message, "ru")
    assert ru == "Файл empty.xlsx: первый лист пуст."
    assert inspection.problems[0].message == "empty.xlsx: the first sheet is empty."
    assert_russian(_cli_load(tmp_path, capsys, path, "ru"), "empty.xlsx")


def test_a_missing_file_and_an_unknown_kind_are_said_in_russian(tmp_path, capsys):
    missing = tmp_path / "nowhere.csv"
    said = _cli_load(tmp_path, capsys, missing, "ru")
    assert f"Файла {missing} нет." in said and "There is no file" not in said
    assert_russian(said, str(missing))
    store = Store(tmp_path / "k.duckdb")
    with pytest.raises(StoreError) as raised:
        ingest.load_file(store, kind="orders", path=missing)  # type: ignore[arg-type]
    ru = message_text(raised.value, "ru")
    assert ru.startswith("Неизвестный вид загрузки 'orders'")
    assert_russian(ru, "'orders'", "transactions, customers, results")
    assert str(raised.value).startswith("Unknown upload kind 'orders'; use one of transactions")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "книга старого формата Excel"),
        ("blank.csv", b"   \n", "пуст: загружать нечего"),
        ("binary.csv", bytes(range(256)) * 4, "не похож на CSV"),
        ("header.csv", b"customer_id,date,amount\n", "есть заголовок (3 столбца)"),
        ("mixed.csv", "a,b\nя,1\n".encode() + "ю,2\n".encode("cp1251") + b"c,3\n",
         "смешаны кодировки"),
    ],
    ids=["xls", "blank", "binary", "header_only", "mixed_encoding"],
)  # fmt: skip
def test_an_unreadable_file_is_refused_in_russian(tmp_path, capsys, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    said = _cli_load(tmp_path, capsys, path, "ru")
    assert expected in said
    assert_russian(said, name)


def test_a_bad_map_is_refused_in_russian(tmp_path, capsys):
    path = tmp_path / "t.csv"
    path.write_text("customer_id,date,amount\nc1,2026-01-05,10\n")
    db = tmp_path / "s.duckdb"
    for options, expected in (
        (["--map", "amount"], "Неверное --map 'amount'"),
        (["--map", "Сумма=amount"], "В --map указаны столбцы 'Сумма', которых нет в файле"),
        (["--map", "amount=price"], "Для транзакций нет полей price"),
    ):
        code = cli_main(
            ["--db", str(db), "load", "transactions", str(path), *options, "--lang", "ru"]
        )
        said = capsys.readouterr().err
        assert code == 2 and expected in said, said
        fields = "amount, channel, customer_id, discount, margin, order_id, ts"
        assert_russian(said, "t.csv", "customer_id, date, amount", fields, "price")


def test_columns_differing_only_in_case_are_said_in_russian(tmp_path, capsys):
    path = tmp_path / "case.csv"
    path.write_text("customer_id,Segment,segment\nc1,a,b\n")
    db = str(tmp_path / "s.duckdb")
    said = {}
    for lang in ("ru", "en"):
        assert cli_main(["--db", db, "load", "customers", str(path), "--lang", lang]) == 2
        said[lang] = capsys.readouterr().err
    assert "отличаются только регистром букв: 'Segment' и 'segment'" in said["ru"]
    assert_russian(said["ru"], "case.csv")
    assert "differ only in letter case: 'Segment' and 'segment'" in said["en"]


# -- the store (experiments/store, pages/_ui.py) ------------------------------------------------
def test_a_locked_store_is_said_in_russian(tmp_path):
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"from experiments.store import Store\nheld = Store({str(path)!r})\n"
         "import sys\nsys.stdout.write('ready\\n'); sys.stdout.flush(); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "ready\n"
        with pytest.raises(StoreLocked) as raised:
            Store(path)
    finally:
        holder.communicate("")
    ru = message_text(raised.value, "ru")
    assert f"База {path} занята процессом {holder.pid}" in ru
    assert_russian(ru, str(path), "(python)", f"({Path(sys.executable).name})")
    english = str(raised.value)
    assert f"is in use by process {holder.pid}" in english and "only one process" in english


def test_a_store_that_cannot_be_opened_is_said_in_russian(tmp_path):
    path = tmp_path / "not-a-store.duckdb"
    path.write_bytes(b"this is not a DuckDB file" * 200)
    with pytest.raises(StoreError) as raised:
        Store(path)
    ru = message_text(raised.value, "ru")
    assert ru.startswith(f"Не удаётся открыть базу {path}: ")
    assert str(raised.value).startswith(f"Cannot open the store {path}: ")


# -- a source's tables and columns (experiments/source_engine.py) -------------------------------
def _source_refusal(url: str, **columns: str):
    from experiments import source_engine
    from experiments.sources import SourceError, parse_source

    pytest.importorskip("ibis", reason="ibis-framework not installed: requirements-engines.txt")
    with pytest.raises(SourceError) as raised:
        source_engine.open_engine(parse_source(url, columns))
    return raised.value


def test_a_missing_source_file_is_said_in_russian(tmp_path):
    url = f"duckdb://{tmp_path}/nowhere.duckdb"
    refusal = _source_refusal(url)
    ru = message_text(refusal, "ru")
    assert ru.startswith("Источника duckdb://") and ru.endswith("такого файла не существует.")
    assert_russian(ru)
    assert str(refusal).endswith("does not exist: no such file.")


def test_a_missing_source_table_and_column_are_said_in_russian(tmp_path):
    import duckdb

    def shop(name: str, table: str) -> Path:
        path = tmp_path / name
        with duckdb.connect(str(path)) as con:
            con.execute(f"CREATE TABLE {table} (customer_id VARCHAR, ts TIMESTAMP, paid DOUBLE)")
        return path

    no_table = _source_refusal(f"duckdb://{shop('receipts.duckdb', 'receipts')}")
    ru = message_text(no_table, "ru")
    assert "нет таблицы 'transactions' (в нём есть: receipts)" in ru
    assert_russian(ru, "[source] table")
    assert "has no table 'transactions' (it has: receipts)" in str(no_table)
    no_column = _source_refusal(f"duckdb://{shop('shop.duckdb', 'transactions')}", amount="price")
    ru = message_text(no_column, "ru")
    assert "нет столбцов 'amount' (сопоставлен с 'price')" in ru
    assert_russian(ru, 'customer_id = "card_no"')
    assert "has no column 'amount' (mapped to 'price')" in str(no_column)


# -- a CLV fit that cannot be used (experiments/clv) ---------------------------------------------
def test_an_unusable_clv_fit_is_refused_in_russian():
    import numpy as np

    from experiments import clv

    fit = clv.fit_bgnbd(np.zeros(100), np.zeros(100), np.full(100, 10.0))
    with pytest.raises(clv.ClvFitError) as raised:
        fit.require()
    ru = message_text(raised.value, "ru")
    assert ru.startswith("Модель BG/NBD не годится: ")
    assert message_text(fit.message, "ru") in ru
    assert_russian(ru, "BG/NBD")
    assert str(raised.value) == f"BG/NBD: {fit.message}"


def test_an_infinite_expected_spend_is_refused_in_russian():
    from experiments import clv
    from experiments.clv.gamma_gamma import GammaGammaParams, expected_spend

    with pytest.raises(clv.ClvFitError) as raised:
        expected_spend(GammaGammaParams(p=2.0, q=0.5, v=1.0), [1.0], [10.0])
    ru = message_text(raised.value, "ru")
    assert "ожидаемый средний чек бесконечен" in ru
    assert_russian(ru, "Gamma-Gamma")
    assert str(raised.value) == "Gamma-Gamma q <= 1: the expected spend is infinite."


# -- the design's refusals (experiments/design) --------------------------------------------------
def test_design_refusals_are_said_in_russian(store):
    import numpy as np
    import pandas as pd

    from experiments import design
    from experiments.design import AudienceFilter, DesignError
    from experiments.design.export import assignments_csv
    from experiments.design.randomize import assign_arms
    from tests.design_store import DISCOUNT, GIFT, fill, spec

    filled = fill(store)
    refusals = []
    with pytest.raises(DesignError) as weights:
        assign_arms(np.array([0.5]), [1.0, 0.0])
    refusals.append((weights.value, "Доли групп должны быть больше нуля."))
    with pytest.raises(DesignError) as separator:
        assignments_csv(pd.DataFrame({"customer_id": ["c1"], "arm": ["a"]}), sep="|")
    refusals.append((separator.value, "Разделитель в CSV — запятая или точка с запятой."))
    with pytest.raises(StoreError) as no_control:
        design.save_experiment(filled, spec(arms=(GIFT, DISCOUNT)))
    refusals.append((no_control.value, "контрольн"))
    design.save_experiment(filled, spec())
    with pytest.raises(StoreError) as taken:
        design.save_experiment(filled, spec())
    refusals.append((taken.value, "уже есть (номер"))
    empty = design.save_experiment(
        filled, spec(name="nobody", audience=AudienceFilter(recency_max=-1))
    )
    with pytest.raises(StoreError) as nobody:
        design.start_experiment(filled, empty)
    refusals.append((nobody.value, "Аудитория пуста"))
    for refusal, expected in refusals:
        ru = message_text(refusal, "ru")
        assert expected in ru, ru
        assert_russian(ru, spec().name)
    assert str(nobody.value).startswith("The audience is empty: no customer matches")


# -- analysing a file, the demo, an experiment by name ---------------------------------------------
def test_file_analysis_demo_and_experiment_refusals_are_said_in_russian(tmp_path, store):
    import pandas as pd

    from experiments import analysis_file, demo
    from experiments.store import filestats

    frame = pd.DataFrame({"arm": ["a", "b"], "spend": ["1", "много"], "pre": ["x", "2"]})
    refusals = []
    for metrics, covariate, expected in (
        ([], None, "Укажите хотя бы один столбец метрики."),
        ([("spend", None)], None, "В столбце метрики 'spend' есть значения"),
        ([], "pre", "Укажите хотя бы один"),
    ):
        with pytest.raises(StoreError) as raised:
            analysis_file.analyze_frame(frame, "arm", "a", metrics, covariate=covariate)
        refusals.append((raised.value, expected))
    frame["spend"] = ["1", "2"]
    with pytest.raises(StoreError) as covariate:
        analysis_file.analyze_frame(frame, "arm", "a", [("spend", None)], covariate="pre")
    refusals.append((covariate.value, "В столбце ковариаты 'pre' есть значения"))
    odd = tmp_path / "results.json"
    odd.write_text("{}")
    import duckdb

    with duckdb.connect() as cur, pytest.raises(StoreError) as suffix:
        filestats.load_source(cur, odd)
    refusals.append((suffix.value, "нужен файл .csv, .parquet или .xlsx (а не «.json»)"))
    with pytest.raises(StoreError) as no_one:
        demo.seed_demo(store, customers=0)
    refusals.append((no_one.value, "Для демо нужен хотя бы один клиент, а задано 0."))
    for refusal, expected in refusals:
        ru = message_text(refusal, "ru")
        assert expected in ru, ru
        assert_russian(ru)


def test_an_unknown_experiment_is_said_in_russian(store):
    from experiments import metrics

    with store.cursor() as cur, pytest.raises(metrics.UnknownExperiment) as raised:
        metrics.query_spec(cur, "nobody")
    ru = message_text(raised.value, "ru")
    assert ru.startswith("Эксперимента с номером или названием 'nobody' нет."), ru
    assert_russian(ru)
    assert str(raised.value).startswith("No experiment with id or name 'nobody'.")


# -- a report link (experiments/share.py) ----------------------------------------------------------
def test_report_link_refusals_are_said_in_russian():
    from experiments import share

    params = {"experiment": "1", "view": "report"}
    token = share.sign(params, "secret", ttl_seconds=60, now=1_000)
    checks = {
        "missing": share.verify(params, "secret"),
        "malformed": share.verify({**params, "token": "²³.abc"}, "secret"),
        "tampered": share.verify({**params, "experiment": "2", "token": token}, "secret"),
        "expired": share.verify({**params, "token": token}, "secret", now=2_000),
    }
    for status, check in checks.items():
        assert check.status == status
        ru = message_text(check.message, "ru")
        assert "ссылк" in ru.lower(), ru
        assert_russian(ru)
    assert checks["expired"].message == "This report link has expired. Ask for a new link."


# -- the guard: no new English refusal ------------------------------------------------------------
EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"
# the errors a marketer reads (the CLI prints them, the pages show them): their message is a
# catalogue `Text`, or a StoreError's key and values
USER_FACING = {
    "StoreError",
    "StoreLocked",
    "SettingError",
    "UnknownExperiment",
    "MappingError",
    "SourceError",
    "SheetError",
    "DesignError",
    "ClvFitError",
    "CommandError",
    "InvalidHorizon",
    "ValueError",
}
# programming errors meant for developers (a caller passed what the code never offers a
# person): path and the message's first words
FOR_DEVELOPERS = {
    ("clv/simulation.py", "q <= 1: the population"),  # a simulation's parameters, tests only
    ("export.py", "encoding must be one of"),  # export.ENCODINGS, fixed by the callers
    ("store/customers.py", "max_months must be"),  # the pages clamp it first
    ("store/ibis_returns.py", "max_months must be"),
    ("store/demo_writes.py", "not an appendable table"),
    ("store/ibis_builder.py", "The source's "),  # source_engine checked the columns before
    ("store/ibis_builder.py", "duckdb:// (the store itself)"),
    ("store/ibis_builder.py", "Not a per-customer value"),
    ("store/metrics_sql.py", "Not a per-customer value"),
    ("store/results_cache.py", "Not a table label"),
    ("store/results_cache.py", "{} does not hold horizon"),
    ("store/uploads.py", "not an upload table"),
}


def _is_text_literal(node: ast.expr) -> bool:
    """A message written in place: a string, an f-string, a concatenation with one, or
    `" ".join(...)` of messages (English once joined)."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.BinOp):
        return _is_text_literal(node.left) or _is_text_literal(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in ("join", "format") and isinstance(node.func.value, ast.Constant)
    return False


def _called(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)


def _opening(node: ast.expr) -> str:
    if isinstance(node, ast.BinOp):
        return _opening(node.left)
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return node.value if isinstance(node, ast.Constant) else ast.unparse(node)


def english_refusals(root: Path) -> list[tuple[str, int, str]]:
    """(path, line, message) of every `raise <UserFacingError>("...")` without a catalogue
    key and every `problem(code, "...")` under `root` (the catalogue itself aside)."""
    found: list[tuple[str, int, str]] = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith("i18n/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            message = None
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                call = node.exc
                keyed = len(call.args) > 1 or any(k.arg == "key" for k in call.keywords)
                if _called(call.func) in USER_FACING and call.args and not keyed:
                    message = call.args[0]
            elif isinstance(node, ast.Call) and _called(node.func) == "problem":
                message = node.args[1] if len(node.args) > 1 else None
            if message is not None and _is_text_literal(message):
                found.append((relative, node.lineno, _opening(message)))
    return sorted(found)


def test_no_user_facing_refusal_is_an_english_string():
    found = [
        (path, line, text)
        for path, line, text in english_refusals(EXPERIMENTS)
        if not any(path == p and text.startswith(o) for p, o in FOR_DEVELOPERS)
    ]
    assert not found, (
        "say these through the catalogue (experiments/i18n/messages_errors.py) as "
        f"Text(key, **values), or a StoreError's key and values: {found}"
    )


def test_every_developer_error_allowed_still_exists():
    """The allow-list shrinks with the code: an entry whose error is gone fails here."""
    left = {(p, t) for p, _, t in english_refusals(EXPERIMENTS)}
    for path, opening in FOR_DEVELOPERS:
        assert any(p == path and t.startswith(opening) for p, t in left), (path, opening)


def test_the_guard_finds_an_english_refusal(tmp_path):
    (tmp_path / "module.py").write_text(
        "def f(x):\n"
        "    if x:\n"
        "        raise StoreError(f'There is no {x}.')\n"
        "    raise DesignError(Text('design.error.weights'))\n"
        "def g(name):\n"
        "    return [problem('no_rows', f'{name} has no rows.'), problem('x', Text('k'))]\n"
        "def h(problems):\n"
        "    raise SourceError(' '.join(problems))\n"
        "def keyed(u):\n"
        "    raise StoreError(f'No upload {u}.', 'store.error.no_upload', upload_id=u)\n"
    )
    found = english_refusals(tmp_path)
    assert [(line, text) for _, line, text in found] == [
        (3, "There is no {}."),
        (6, "{} has no rows."),
        (8, "' '.join(problems)"),
    ]
