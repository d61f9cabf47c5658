"""Browser: design an experiment, start it, download the assignment CSV the CRM will get."""

from __future__ import annotations

import io

import pandas as pd

from experiments import design, experiment
from experiments.store import Store
from experiments.store import design_sql as ds

from .conftest import click_and_wait, start_app, stop_app, wait_for_app


def test_design_start_and_download_assignments(browser, tmp_path):
    from experiments import demo

    db = tmp_path / "design.duckdb"
    store = Store(db)
    demo.seed_demo(store, customers=1500, seed=3, replace=True)
    store.close()
    app = start_app(db)
    try:
        page = browser.new_page(accept_downloads=True, viewport={"width": 1400, "height": 4200})
        page.goto(f"{app.url}/design")
        wait_for_app(page)
        page.get_by_role("heading", name="Design").first.wait_for()

        name = page.get_by_role("textbox", name="Experiment name").first
        name.fill("Browser gift test")
        name.press("Enter")
        wait_for_app(page)
        click_and_wait(page, page.get_by_role("button", name="Add gift"))
        page.get_by_role("textbox", name="Surprise gift: name").wait_for()
        page.get_by_text("A/A check", exact=False).first.wait_for(timeout=60_000)
        for _ in range(5):  # a random salt fails the A/A check 1 time in 20: draw another
            if page.get_by_text("A/A check passed", exact=False).count():
                break
            click_and_wait(page, page.get_by_role("button", name="Draw a new salt"))
            page.get_by_text("A/A check", exact=False).first.wait_for(timeout=60_000)
        page.screenshot(path=str(tmp_path / "design-draft.png"), full_page=True)

        page.get_by_role("button", name="Start experiment").click()
        page.get_by_text("is running", exact=False).first.wait_for(timeout=60_000)
        wait_for_app(page)
        with page.expect_download(timeout=60_000) as download_info:
            page.get_by_role("button", name="CSV (UTF-8, comma)").click()
        download = download_info.value
        assert download.suggested_filename == "Browser gift test-assignments.csv"
        target = tmp_path / download.suggested_filename
        download.save_as(target)
        content = target.read_bytes()
        page.screenshot(path=str(tmp_path / "design-running.png"), full_page=True)
        page.close()
    finally:
        stop_app(app)

    store = Store(db)
    with store.cursor() as cur:
        stored = experiment.load(cur, "Browser gift test")
        assert stored is not None and stored.status == "running"
        expected = ds.assignment_list(cur, stored.id)
    store.close()
    assert content == design.assignments_csv(expected)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = pd.read_csv(io.BytesIO(content), encoding="utf-8-sig", dtype=str)
    assert list(rows.columns) == ["customer_id", "arm", "arm_kind", "gift_cost"]  # + its cost
    assert len(rows) == stored.customers > 0
    assert set(rows["arm"]) == {"control", "surprise gift"}
    assert set(rows["arm_kind"]) == {"control", "gift"}
    assert rows["customer_id"].is_unique
