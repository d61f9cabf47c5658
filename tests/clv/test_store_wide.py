"""The store's CLV model from the command line (`clv --json`), published CDNOW values."""

from __future__ import annotations

import json

import pytest

from experiments import config
from experiments.__main__ import main
from experiments.store import Store
from tests.test_customers_sql import CALIBRATION_END, insert_transactions, read_cdnow_sample

from .conftest import (
    PUBLISHED_BGNBD,
    PUBLISHED_GAMMA_GAMMA,
    PUBLISHED_LL,
    same_to_2_significant_digits,
)


# -- command line ----------------------------------------------------------------------------------
def test_cli_clv_json_on_raw_cdnow(tmp_path, datasets, capsys):
    path = tmp_path / "cli.duckdb"
    store = Store(path)
    insert_transactions(store, read_cdnow_sample(datasets))
    store.close()
    code = main(["--db", str(path), "clv", "--json", "--until", CALIBRATION_END.isoformat()])
    output = capsys.readouterr().out
    assert code == 0
    document = json.loads(output)
    assert document["customers"] == 2357 and document["converged"] is True
    assert document["until"] == "1997-09-30" and document["time_unit"] == "weeks"
    for name, published in PUBLISHED_BGNBD.items():
        assert same_to_2_significant_digits(document["bgnbd"][name], published)
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert same_to_2_significant_digits(document["gamma_gamma"][name], published)
    assert document["log_likelihood"] == pytest.approx(PUBLISHED_LL, abs=0.05)
    assert document["clv"]["months"] == 12
    assert document["clv"]["margin_rate"] == pytest.approx(config.DEFAULT_MARGIN_RATE)
    assert document["clv"]["mean"] > 0 and document["clv"]["customers"] == 2357


def test_cli_clv_on_an_empty_store_explains_and_exits_2(tmp_path, capsys):
    code = main(["--db", str(tmp_path / "empty.duckdb"), "clv", "--json"])
    captured = capsys.readouterr()
    assert code == 2
    assert json.loads(captured.out)["status"] == "insufficient_data"
    assert "BG/NBD" in captured.err and "customers" in captured.err
    assert main(["--db", str(tmp_path / "empty.duckdb"), "clv", "--until", "last week"]) == 2
    assert "not a date" in capsys.readouterr().err
