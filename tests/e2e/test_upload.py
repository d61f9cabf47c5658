"""Browser: open the app, upload a CSV on the Data page, see the new row counts."""

from __future__ import annotations

from experiments.store import Store, overview

from .conftest import ROOT, start_app, stop_app, wait_for_app

SAMPLE = ROOT / "data" / "samples" / "transactions_ru_cp1251.csv"


def test_upload_on_data_page_updates_counts(browser, tmp_path):
    from experiments import demo

    db = tmp_path / "upload.duckdb"
    store = Store(db)
    demo.seed_demo(store, customers=1500, seed=2, replace=True)
    with store.cursor() as cur:
        before = overview.store_stats(cur).transactions
    store.close()
    app = start_app(db)
    try:
        page = browser.new_page()
        page.goto(f"{app.url}/data")
        wait_for_app(page)
        page.get_by_text("Upload a file").wait_for()
        # the first request to a fresh server is a deep link: it must still go through app.py
        nav = page.get_by_test_id("stSidebarNav")
        nav.get_by_text("Experiments").wait_for(timeout=30_000)
        assert "results view" not in nav.inner_text().lower()
        page.locator("input[type='file']").set_input_files(str(SAMPLE))
        page.get_by_text("semicolon-separated").wait_for(timeout=60_000)
        page.get_by_role("button", name="Validate and load").click()
        page.get_by_text("transactions rows from", exact=False).first.wait_for(timeout=60_000)
        wait_for_app(page)
        rows_in_sample = SAMPLE.read_bytes().count(b"\n") - 1
        shown = f"{before + rows_in_sample:,}"  # the Formatter's English: '1,577'
        page.get_by_test_id("stMetricValue").filter(has_text=shown).wait_for(timeout=30_000)
        page.screenshot(path=str(tmp_path / "data.png"), full_page=True)
        page.close()
    finally:
        stop_app(app)
