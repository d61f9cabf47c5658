"""Design page, issue 14: a list randomized elsewhere registers through the file intake with
its costs, its costs are editable, and destructive actions ask first (AppTest)."""

from __future__ import annotations

from experiments import experiment
from experiments.store import open_store

from .test_design_page import design_page, run, set_up


def cash_register_list(rows: int = 60) -> bytes:
    """A list as a Russian CRM exports it: cp1251, ';', CRLF, Russian headers, '1 250,50'."""
    arms = ("Контроль", "Подарок", "Скидка")
    lines = ["Карта клиента;Группа;Стоимость"]
    for i in range(rows):
        arm = arms[i % 3]
        lines.append(f"2000{i:06d};{arm};{'1 250,50' if arm == 'Подарок' else ''}")
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


def test_a_cp1251_list_registers_through_the_mapping_form_with_costs(app_env):
    """Issue 14.3: a cp1251 list crashed the page; Russian headers had no mapping form."""
    at = design_page()
    at.file_uploader(key="assign_file").set_value(("список.csv", cash_register_list(), "text/csv"))
    at = run(at)
    assert any("cp1251" in c.value and "semicolon" in c.value for c in at.caption)
    assert at.selectbox(key="assign_map_customer_id").value == "Карта клиента"
    assert at.selectbox(key="assign_map_arm").value == "Группа"
    run(at.text_input(key="assign_name").input("CRM May"))
    # the arms, control first: Контроль, Подарок, Скидка
    run(at.selectbox(key="assign_arm1_kind").set_value("gift"))
    run(at.number_input(key="assign_arm1_gift_gift_cost").set_value(300.0))
    run(at.selectbox(key="assign_arm2_kind").set_value("discount"))
    run(at.number_input(key="assign_arm2_discount_discount_pct").set_value(15.0))
    at = run(at.button(key="assign_button").click())
    assert any("'CRM May' created" in s.value for s in at.success), [e.value for e in at.error]
    with open_store(app_env).cursor() as cur:
        stored = experiment.load(cur, "CRM May")
    arms = {a.name: a for a in stored.spec().arms}
    assert stored.customers == 60 and arms["Контроль"].kind == "control"
    assert arms["Подарок"].kind == "gift" and arms["Подарок"].cost_per_customer == 300.0
    assert arms["Скидка"].kind == "discount" and arms["Скидка"].discount_pct == 15.0

    # Issue 14.2: "Edit arms" refused for a list registered from a file; now it edits costs
    assert at.selectbox(key="design_experiment").value == "CRM May"
    at = run(at.button(key="edit_frozen_arms").click())
    assert not any("cannot be changed" in e.value for e in at.error)
    run(at.number_input(key=f"edit{stored.id}_1_gift_gift_cost").set_value(250.0))
    at = run(at.button(key="save_costs_button").click())
    assert any("Kinds and costs of 'CRM May' saved" in s.value for s in at.success)
    with open_store(app_env).cursor() as cur:
        gift = next(a for a in experiment.load(cur, "CRM May").spec().arms if a.kind == "gift")
    assert gift.cost_per_customer == 250.0


def test_a_list_without_a_customer_column_says_what_to_map(app_env):
    at = design_page()
    at.file_uploader(key="assign_file").set_value(
        ("odd.csv", "Номер;Что\r\n1;a\r\n2;b\r\n".encode("cp1251"), "text/csv")
    )
    at = run(at)
    assert any("needs a customer id column" in e.value for e in at.error)
    run(at.selectbox(key="assign_map_customer_id").set_value("Номер"))
    at = run(at.selectbox(key="assign_map_arm").set_value("Что"))
    assert any("control" in w.value for w in at.warning)  # no control yet: says so
    assert at.button(key="assign_button").disabled
    run(at.text_input(key="assign_name").input("odd"))
    at = run(at.text_input(key="assign_control").input("a"))
    assert not at.error and not at.warning
    at = run(at.button(key="assign_button").click())
    assert any("'odd' created from odd.csv" in s.value for s in at.success)


def test_complete_and_delete_ask_first_and_archive_keeps(app_env):
    """Issue 14.6: Complete experiment had no confirmation; experiments could not be deleted."""
    at = set_up(design_page(), "Ask first")
    at = run(at.button(key="start_button").click())
    at = run(at.button(key="complete_button").click())
    assert any("Complete 'Ask first'?" in w.value for w in at.warning)
    with open_store(app_env).cursor() as cur:
        assert experiment.load(cur, "Ask first").status == "running"  # not yet
    at = run(at.button(key="complete_cancel").click())
    with open_store(app_env).cursor() as cur:
        assert experiment.load(cur, "Ask first").status == "running"
    at = run(at.button(key="complete_button").click())
    at = run(at.button(key="complete_confirm").click())
    assert any("is completed" in s.value for s in at.success)

    at = run(at.button(key="archive_button").click())
    assert any("'Ask first' is archived" in s.value for s in at.success)
    with open_store(app_env).cursor() as cur:
        assert experiment.load(cur, "Ask first").archived

    at = run(at.button(key="delete_button").click())
    assert any("Delete 'Ask first' for good" in w.value for w in at.warning)
    with open_store(app_env).cursor() as cur:
        assert experiment.load(cur, "Ask first") is not None
    at = run(at.button(key="delete_confirm").click())
    assert any("Deleted experiment" in s.value for s in at.success)
    with open_store(app_env).cursor() as cur:
        assert experiment.load(cur, "Ask first") is None
        assert experiment.load(cur, "Loyalty levers 2026-Q2") is not None
    assert at.selectbox(key="design_experiment").value == "new"


def test_a_list_with_a_negative_gift_cost_says_so_and_registers_nothing(app_env):
    """A re-imported list with a negative planned cost was taken as it was: the page's cost
    input, which starts from the file's value, cannot start below its minimum (0)."""
    with open_store(app_env).cursor() as cur:
        before = len(experiment.list_all(cur))
    at = design_page()
    listed = "customer_id,arm,arm_kind,gift_cost\nc1,control,control,\nc2,gift,gift,-50\n"
    at.file_uploader(key="assign_file").set_value(("list.csv", listed.encode(), "text/csv"))
    at = run(at)
    assert any("Arm 'gift': gift cost cannot be negative." in e.value for e in at.error), [
        e.value for e in at.error
    ]
    assert not [n for n in at.number_input if str(n.key).startswith("assign_arm")]
    with open_store(app_env).cursor() as cur:
        assert len(experiment.list_all(cur)) == before
