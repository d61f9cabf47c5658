"""Browser: register a list randomized elsewhere (cp1251, ';', Russian headers) on the Design
page, with each arm's kind and cost (issue 14.3)."""

from __future__ import annotations

from experiments import experiment
from experiments.store import Store

from .conftest import click_and_wait, start_app, stop_app, wait_for_app


def crm_list(path, rows: int = 90) -> None:
    arms = ("Контроль", "Подарок", "Скидка")
    lines = ["Карта клиента;Группа;Промокод"]
    lines += [f"2000{i:06d};{arms[i % 3]};{'' if i % 3 == 0 else f'MAY-{i}'}" for i in range(rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))


def test_register_a_cp1251_list_with_costs(browser, tmp_path):
    from experiments import demo

    db = tmp_path / "register.duckdb"
    store = Store(db)
    demo.seed_demo(store, customers=1000, seed=4, replace=True)
    store.close()
    source = tmp_path / "список мая.csv"
    crm_list(source)
    app = start_app(db)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 3600})
        page.goto(f"{app.url}/design")
        wait_for_app(page)
        click_and_wait(page, page.get_by_role("tab", name="Create from an assignment file"))
        panel = page.get_by_role("tabpanel", name="Create from an assignment file")
        panel.locator("input[type='file']").set_input_files(str(source))
        panel.get_by_text("cp1251", exact=False).first.wait_for(timeout=60_000)
        wait_for_app(page)
        panel.get_by_text("90 customers in 3 groups", exact=False).wait_for(timeout=60_000)

        name = panel.get_by_role("textbox", name="Experiment name")
        name.fill("CRM май")
        name.press("Enter")
        wait_for_app(page)
        # the arms, control first: Контроль, Подарок, Скидка; pick each lever's kind
        for index, kind in ((1, "Surprise gift"), (2, "Discount")):
            click_and_wait(page, panel.get_by_role("combobox", name="Kind", exact=True).nth(index))
            click_and_wait(page, page.get_by_role("option", name=kind, exact=True))
        cost = panel.get_by_role("spinbutton", name="Gift incl. delivery, RUB")
        cost.fill("300")
        cost.press("Enter")
        wait_for_app(page)
        percent = panel.get_by_role("spinbutton", name="Percent off")
        percent.fill("15")
        percent.press("Enter")
        wait_for_app(page)
        page.screenshot(path=str(tmp_path / "register.png"), full_page=True)
        click_and_wait(page, panel.get_by_role("button", name="Create experiment from the file"))
        page.get_by_text("'CRM май' created from", exact=False).first.wait_for(timeout=60_000)
        page.close()
    finally:
        stop_app(app)

    store = Store(db)
    with store.cursor() as cur:
        stored = experiment.load(cur, "CRM май")
    store.close()
    assert stored is not None and stored.customers == 90 and stored.source == "uploaded"
    arms = {a.name: a for a in stored.spec().arms}
    assert arms["Контроль"].kind == "control"
    assert (arms["Подарок"].kind, arms["Подарок"].cost_per_customer) == ("gift", 300.0)
    assert (arms["Скидка"].kind, arms["Скидка"].discount_pct) == ("discount", 15.0)
