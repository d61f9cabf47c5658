"""Browser tests: a real `streamlit run app.py` on a free local port, driven by Playwright in
Debian's chromium (never a downloaded browser)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every browser test `e2e` (a `pytestmark` in a conftest marks nothing), so that
    `-m "not e2e"` really leaves them out."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class App:
    """A running Loyalty Lab server on its own store file."""

    def __init__(self, db: Path, port: int, process: subprocess.Popen[bytes]) -> None:
        self.db = db
        self.port = port
        self.process = process
        self.url = f"http://127.0.0.1:{port}"


def start_app(
    db: Path,
    env_extra: dict[str, str] | None = None,
    extra_args: list[str] | None = None,
    timeout: float = 120,
) -> App:
    port = _free_port()
    env = {**os.environ, "LOYALTY_LAB_DB": str(db), **(env_extra or {})}
    log = open(db.with_suffix(".log"), "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            *(extra_args or []),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(db.with_suffix(".log").read_text(errors="replace")[-3000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return App(db, port, process)
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise TimeoutError("streamlit did not start")


def stop_app(app: App) -> None:
    app.process.terminate()
    try:
        app.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        app.process.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """The app on a store seeded (before start) with a small demo data set."""
    from experiments import demo
    from experiments.store import Store

    db = tmp_path_factory.mktemp("e2e") / "demo.duckdb"
    store = Store(db)
    demo.seed_demo(store, customers=3000, seed=11, replace=True)
    store.close()
    app = start_app(db)
    yield app
    stop_app(app)


def wait_for_app(page: object, timeout: float = 60_000) -> None:
    """Wait until Streamlit has finished running the script.

    The app root carries the script state (``initial``, ``running``, ``notRunning``); the
    status widget alone is not enough, since the report view hides the toolbar it lives in.
    """
    page.wait_for_selector(  # type: ignore[attr-defined]
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout
    )
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout
    )


def click_and_wait(page: object, target: object, timeout: float = 60_000) -> None:
    """Click a widget and wait for the rerun it starts to finish.

    Right after a click the app root can still read ``notRunning`` from before the rerun, so
    wait to see it running first; a rerun quicker than that wait is already done.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    target.click()  # type: ignore[attr-defined]
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_selector(  # type: ignore[attr-defined]
            "[data-testid='stApp'][data-test-script-state='running']", timeout=3_000
        )
    wait_for_app(page, timeout)
