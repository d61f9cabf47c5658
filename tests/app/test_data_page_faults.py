"""Data page under faults (issue 13, items 7 and 9): one temporary copy per upload, store
errors and a full temporary folder as messages, hostile problem text shown literally."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from experiments.store import StoreError

from .conftest import APP

CSV = b"customer_id,date,amount\nc1,2026-01-05,10\nc2,2026-01-06,5\n"


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def data_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    return at


def copies(folder: Path) -> list[Path]:
    return sorted(folder.glob("upload-*"))


def test_one_temporary_copy_per_upload_however_often_the_page_reruns(app_env, private_tmp):
    at = data_page()
    at.file_uploader[0].set_value(("a.csv", CSV, "text/csv")).run()
    for _ in range(4):  # every widget change reruns the page with the file still selected
        at.run()
    assert not at.exception and len(copies(private_tmp)) == 1
    at.file_uploader[0].set_value(("b.csv", CSV + b"c3,2026-01-07,1\n", "text/csv")).run()
    assert [p.read_bytes()[-16:] for p in copies(private_tmp)] == [b"c3,2026-01-07,1\n"]
    at.file_uploader[0].set_value(None).run()
    assert copies(private_tmp) == []


def test_a_store_error_during_the_load_is_a_message(app_env, private_tmp, monkeypatch):
    from experiments import ingest

    def disk_full(*args, **kwargs):
        raise StoreError("The disk holding the store is full, so nothing was loaded.")

    at = data_page()
    at.file_uploader[0].set_value(("a.csv", CSV, "text/csv")).run()
    monkeypatch.setattr(ingest, "load_file", disk_full)
    at.button(key="load_button").click().run()
    assert not at.exception, at.exception
    assert any("disk holding the store is full" in e.value for e in at.error)


def test_a_full_temporary_folder_is_a_message(app_env, private_tmp, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", full)
    at = data_page()
    at.file_uploader[0].set_value(("a.csv", CSV, "text/csv")).run()
    assert not at.exception, at.exception
    assert any("temporary folder" in e.value and "No space left" in e.value for e in at.error)


def test_problems_naming_hostile_columns_are_shown_literally(app_env, private_tmp):
    hostile = b"customer_id,date,![x](http://evil.test/p.png)\nc1,2026-01-05,10\n"
    at = data_page()
    at.file_uploader[0].set_value(("h.csv", hostile, "text/csv")).run()
    at.button(key="load_button").click().run()
    assert not at.exception, at.exception
    shown = " ".join(e.value for e in at.error)
    assert "No column for required field(s) amount" in shown
    assert "evil.test" in shown
    assert not re.search(r"(?<!\\)\]\(", shown) and not re.search(r"(?<!\\)://", shown)
