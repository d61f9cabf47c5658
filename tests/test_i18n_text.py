"""Domain messages by key (#12): `Text` is its English sentence as a str, and renders in Russian.

The validation of experiments/design and experiments/ingest has no language; it returns `Text`s
that pages show with ``render(lang)``. Their English must stay the domain's sentence word for
word (the CLI, the English pages and their tests read it).
"""

from __future__ import annotations

import pickle
import re

import pytest

from experiments.design import ArmSpec, AudienceFilter, ExperimentSpec, balance
from experiments.i18n.text import Joined, PerLanguage, Text, render, render_all
from experiments.ingest import columns, rules
from experiments.store.uploads import Finding

CYRILLIC = re.compile("[А-Яа-яЁё]")


def test_a_text_is_its_english_and_renders_in_russian():
    text = Text(
        "design.problem.range", label=Text("design.range_name.recency"), low="200", high="100"
    )
    assert text == "Recency: the minimum (200) is above the maximum (100)."
    assert text.render("ru") == "Давность: минимум (200) больше максимума (100)."
    assert render("plain", "ru") == "plain"  # a message without a key stays as it is
    assert render_all([text, "plain"], "ru").endswith(" plain")
    assert pickle.loads(pickle.dumps(text)).render("ru") == text.render("ru")  # st.cache_data
    joined = Text("design.aa.failed", problems=Joined((Text("design.aa.smd", smd="0.31"),)))
    assert "стандартизированная разность средних равна 0.31" in joined.render("ru")
    assert render(PerLanguage("amount", "«Сумма»"), "ru") == "«Сумма»"


def test_every_design_problem_renders_in_russian_and_keeps_its_english():
    spec = ExperimentSpec(
        name=" ",
        arms=(
            ArmSpec(name="a", kind="discount", discount_pct=0, allocation=-1),
            ArmSpec(name="a", kind="gift", gift_cost=-5),
            ArmSpec(name="", kind="custom", custom_cost=1e12),
        ),
        horizon_days=0,
        confidence=0.5,
        correction="x",
        guardrail_margin_pct=200,
        stratify_by="x",  # type: ignore[arg-type]
        salt="",
        secondary_metrics=("nope",),
        guardrails=("nope",),
        audience=AudienceFilter(lookback_days=0, recency_min=5, recency_max=1, r_scores=(9,)),
    )
    problems = spec.problems()
    assert "The experiment needs a name." in problems
    assert "Arm names must be unique; repeated: a." in problems
    assert "Recency: the minimum (5) is above the maximum (1)." in problems
    assert "Arm 'a': discount must be between 0 and 100 percent." in problems
    assert len(problems) >= 12
    for problem in problems:
        assert isinstance(problem, Text), problem
        russian = problem.render("ru")
        assert CYRILLIC.search(russian) and "{" not in russian, russian
    assert "Группа «a»: скидка — от 0 до 100 процентов." in [p.render("ru") for p in problems]


def test_the_a_a_warning_renders_in_russian():
    assert balance.SMD_WARNING  # the failed check's words, as balance_check builds them
    text = Text(
        "design.aa.failed",
        problems=Joined((Text("design.aa.spend", p="0.010"), Text("design.aa.smd", smd="0.31"))),
    )
    assert text.startswith("A/A check failed: pre-period spend differs between arms (p = 0.010)")
    assert text.render("ru").startswith("A/A-проверка не пройдена: траты до старта различаются")


@pytest.mark.parametrize("code", sorted(rules.KEYED))
@pytest.mark.parametrize("count", [1, 2, 5, 21, 1234])
@pytest.mark.parametrize("field", ["amount", None])
def test_row_findings_keep_their_english_word_for_word_and_read_in_russian(code, count, field):
    shown = min(count, 3)
    finding = Finding(
        code=code,
        severity="error",
        count=count,
        rows=tuple(range(2, 2 + shown)),
        field=field,
        examples=("abc", "12,3,4"),
    )
    problem = rules.word(finding, {"Сумма": "amount"}, "file.csv", 200)
    assert isinstance(problem.message, Text), problem.message  # the catalogue has it
    russian = problem.message.render("ru")
    assert CYRILLIC.search(russian) and "{" not in russian
    assert not re.search(r"\b(row|rows|column|the file)\b", russian), russian


def test_a_missing_column_names_the_fields_as_people_say_them_in_russian():
    _, problems = columns.resolve_mapping("transactions", ("Клиент", "Дата"), None, "f.csv")
    message = next(p.message for p in problems if p.code == "missing_column")
    assert message.startswith("No column for required field(s) amount in f.csv.")
    assert "«Сумма»" in message.render("ru") and "amount" not in message.render("ru")


def test_an_assignment_list_s_problems_read_in_russian():
    import pandas as pd

    from experiments import design

    raw = pd.DataFrame(
        {
            "id": ["1", "2", "2", "", "5"],
            "group": ["control", "gift", "sms", "gift", "gift"],
            "arm_kind": ["control", "gift", "custom", "gift", "discount"],
        }
    )
    mapping = {"id": "customer_id", "group": "arm", "arm_kind": "arm_kind"}
    parsed = design.parse_assignment_list(raw, mapping, control_arm="контроль")
    english = list(parsed.problems)
    assert "1 rows have no customer id or arm (rows 5)." in english
    assert "1 customers are in two arms (e.g. 2); each customer must be in exactly one arm." in (
        english
    )
    assert "Arm 'gift' has more than one kind: gift, discount." in english
    assert "The control arm 'контроль' is not in the file." in english
    for problem in english:
        assert isinstance(problem, Text) and CYRILLIC.search(problem.render("ru")), problem
    assert "Клиентов сразу в двух группах: 1" in render_all(english, "ru")


def test_lifecycle_refusals_read_in_russian():
    from experiments.design import lifecycle

    for status in ("draft", "running", "completed"):
        for action in ("edit", "start", "complete"):
            reason = lifecycle.refusal(status, action)
            if reason is None:
                continue
            assert isinstance(reason, Text) and CYRILLIC.search(reason.render("ru")), reason
    assert lifecycle.refusal("running", "edit").startswith("The experiment is running:")


def test_a_store_refusal_is_said_in_the_sessions_language():
    """A StoreError carries its catalogue key (the store has no languages): the CLI and the
    pages said "There is no upload 999" in Russian sessions too."""
    from experiments.i18n.text import message_text
    from experiments.store import StoreError

    refused = StoreError("There is no upload 999.", "store.error.no_upload", upload_id=999)
    assert message_text(refused, "ru").startswith("Загрузки 999 нет.")
    assert message_text(refused, "en").startswith("There is no upload 999.")
    assert message_text(StoreError("plain"), "ru") == "plain"  # no key: as it is
    texted = StoreError(Text("design.intake.name_taken", name="x"))
    assert message_text(texted, "ru") == Text("design.intake.name_taken", name="x").render("ru")
