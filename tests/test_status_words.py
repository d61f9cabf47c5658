"""An experiment's status words have one home, the catalogue's `design.status.*` (one per
`lifecycle.Status`): the Design page, the CLI's `list` and the report read it, and no copy of
them is left in the catalogue."""

from __future__ import annotations

from types import SimpleNamespace
from typing import get_args

import pytest

from experiments import report
from experiments.design import lifecycle
from experiments.i18n import MESSAGES, t
from experiments.store import schema
from tests.test_cli_lang import cli


def test_every_status_has_one_word_per_language():
    statuses = get_args(lifecycle.Status)
    assert statuses == schema.EXPERIMENT_STATUSES
    for status in statuses:
        assert set(MESSAGES[f"design.status.{status}"]) == {"ru", "en"}
        for copy in (f"cli.status.{status}", f"report.status.{status}"):
            assert copy not in MESSAGES, copy


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("status", ["draft", "completed"])
def test_the_report_says_the_designs_word(status, lang):
    progress = SimpleNamespace(status=status, observed_days=None, fully_observed=False)
    analysis = SimpleNamespace(horizon_progress=progress)
    assert report.status_word(analysis, lang) == t(f"design.status.{status}", lang)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_cli_list_says_the_designs_word(cli_demo_db, capsys, lang):
    code, out, _ = cli(capsys, "--db", cli_demo_db, "list", "--lang", lang)
    assert code == 0
    assert f"[{t('design.status.completed', lang)}]" in out
