"""Browser: share links reopen the same view, report view is read-only, tokens protect links,
and the exported HTML report works offline."""

from __future__ import annotations

import re

import pytest

from experiments import demo, share
from experiments.store import Store

from .conftest import start_app, stop_app, wait_for_app

SECRET = "e2e-secret"


@pytest.fixture(scope="module")
def signed_app(tmp_path_factory):
    """The app with report-link signing and an editor password configured in secrets.toml."""
    folder = tmp_path_factory.mktemp("signed")
    db = folder / "store.duckdb"
    store = Store(db)
    demo.seed_demo(store, customers=3000, seed=11, replace=True)
    store.close()
    secrets = folder / "secrets.toml"
    secrets.write_text(
        f'[share]\nsecret = "{SECRET}"\nttl_days = 1\n[auth]\neditor_password = "pw"\n'
    )
    app = start_app(db, extra_args=["--secrets.files", str(secrets)])
    yield app
    stop_app(app)


def cards(page) -> list[str]:
    page.get_by_text("Decisions").first.wait_for(timeout=90_000)
    wait_for_app(page)
    texts = page.locator("[data-testid='stMarkdownContainer'] strong").all_inner_texts()
    return [t for t in texts if "net value per customer" in t]


def test_share_link_opens_the_same_view_in_a_fresh_browser(browser, demo_app):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{demo_app.url}/?horizon=90&cap=off")
    first = cards(page)
    assert len(first) == 3
    link = page.locator("[data-testid='stCode'] code").first.inner_text().replace("\n", "")
    assert "horizon=90" in link and "cap=off" in link
    context.close()

    fresh = browser.new_context()  # no cookies, no session: only the URL carries the view
    other = fresh.new_page()
    other.goto(link)  # the link as shown, with the host it was served on
    assert cards(other) == first
    fresh.close()


def test_report_view_has_no_edit_controls(browser, demo_app):
    page = browser.new_page()
    page.goto(f"{demo_app.url}/?view=report&experiment=1&horizon=60")
    assert len(cards(page)) == 3
    assert page.locator("input[type='file']").count() == 0
    # whole words: the tables' own "Download as CSV" is not an edit control
    edits = re.compile(r"\b(up)?load\b|\bremove\b|\bstart\b|\bsave\b", re.I)
    assert page.get_by_role("button", name=edits).count() == 0
    assert page.locator("[data-testid='stSidebarNav']").count() == 0
    page.screenshot(path=str(demo_app.db.parent / "report.png"), full_page=True)
    page.close()


def test_signed_link_opens_and_a_tampered_one_is_refused(browser, signed_app):
    params = {"experiment": "1", "horizon": "60", "view": "report"}
    token = share.sign(params, SECRET, ttl_seconds=3600)
    page = browser.new_page()
    page.goto(
        f"{signed_app.url}/?" + "&".join(f"{k}={v}" for k, v in {**params, "token": token}.items())
    )
    assert len(cards(page)) == 3

    tampered = {**params, "experiment": "2", "token": token}
    page.goto(f"{signed_app.url}/?" + "&".join(f"{k}={v}" for k, v in tampered.items()))
    page.get_by_text("changed after it was shared").wait_for(timeout=60_000)
    assert page.get_by_text("net value per customer").count() == 0

    page.goto(f"{signed_app.url}/data")  # a forwarded link must not open the editor
    page.get_by_text("Sign in to edit").wait_for(timeout=60_000)
    assert page.locator("input[type='file']").count() == 0
    page.close()


def test_html_export_opens_offline(browser, demo_app, tmp_path):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(f"{demo_app.url}/")
    cards(page)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="HTML report (works offline)").click()
    path = tmp_path / "report.html"
    download.value.save_as(path)
    context.set_offline(True)
    page.goto(path.as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
    assert page.locator(".js-plotly-plot").count() >= 4
    assert page.get_by_text("Method notes").count() == 1
    context.close()


def test_signed_out_visitors_see_no_pages_and_no_unsigned_report(browser, signed_app):
    page = browser.new_page()
    page.goto(f"{signed_app.url}/")
    page.get_by_text("Sign in to edit").wait_for(timeout=60_000)
    assert page.locator("[data-testid='stSidebarNav']").count() == 0  # no links to the pages
    page.goto(f"{signed_app.url}/?view=report&experiment=1&horizon=60")  # unsigned
    page.get_by_text("Sign in to read this report").wait_for(timeout=60_000)
    assert page.get_by_text("net value per customer").count() == 0
    page.goto(f"{signed_app.url}/?view=report&experiment=1&token=%C2%B2.x")  # damaged token
    page.get_by_text("invalid").first.wait_for(timeout=60_000)
    page.close()
