"""Regenerate the README screenshots: python docs/screenshots.py [NAME ...] (needs Debian chromium).

With names (``report-view-ru``), only those are taken again."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from experiments import demo  # noqa: E402
from experiments.store import Store  # noqa: E402
from tests.e2e.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    start_app,
    stop_app,
    wait_for_app,
)


def main(only: tuple[str, ...] = ()) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "demo.duckdb"
        store = Store(db)
        demo.seed_demo(store)
        store.close()
        app = start_app(db)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                desktop = {"width": 1400, "height": 1800}
                phone = {"width": 390, "height": 2400}  # a phone's width, scrolled long
                for name, url, viewport in (
                    ("results", "/", desktop),
                    ("report", "/?view=report&experiment=1", desktop),
                    ("data", "/data", desktop),
                    ("results-ru", "/?lang=ru", desktop),
                    ("results-ru-phone", "/?lang=ru", phone),
                    ("report-view-ru", "/?view=report&experiment=1&lang=ru", desktop),
                    ("report-view-ru-phone", "/?view=report&experiment=1&lang=ru", phone),
                ):
                    if only and name not in only:
                        continue
                    page = browser.new_page(viewport=viewport)
                    page.goto(app.url + url)
                    page.get_by_role("heading").first.wait_for(timeout=120_000)
                    wait_for_app(page)
                    page.wait_for_timeout(8000)  # let plotly finish drawing
                    page.screenshot(path=str(ROOT / "docs" / f"{name}.png"))
                    print(f"docs/{name}.png")
                    page.close()
                browser.close()
        finally:
            stop_app(app)


if __name__ == "__main__":
    main(tuple(sys.argv[1:]))
