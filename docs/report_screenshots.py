"""Screenshots of the Russian HTML report, desktop and phone: python docs/report_screenshots.py.

Writes docs/report-ru.png (1280 px wide) and docs/report-ru-phone.png (390 px, the top of the
page: the decisions and the lever table) from the seeded demo experiment, drawn by Debian's
chromium as tests/e2e does.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from experiments import demo, metrics, report  # noqa: E402
from experiments.store import Store  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

LINK = "https://lab.example.ru/?experiment=1&view=report&lang=ru"
SHOTS = (("report-ru.png", 1280, 2400), ("report-ru-phone.png", 390, 3300))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "demo.duckdb")
        demo.seed_demo(store)
        analysis = metrics.analyze_experiment(store, 1)
        store.close()
        page_file = Path(folder) / "report.html"
        page_file.write_text(report.html_report(analysis, link=LINK, lang="ru"), encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name, width, height in SHOTS:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(page_file.as_uri())
                page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
                page.wait_for_timeout(3000)  # let plotly finish drawing
                wide = page.evaluate("document.documentElement.scrollWidth")
                page.screenshot(path=str(ROOT / "docs" / name))
                print(f"docs/{name}: {width} px viewport, page {wide} px wide")
                page.close()
            browser.close()


if __name__ == "__main__":
    main()
