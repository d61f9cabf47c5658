"""CLV test fixtures: the raw CDNOW sample through the store's SQL, its fits, published values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from experiments import clv
from experiments.store import Store
from experiments.store import customers as sql
from tests.test_customers_sql import CALIBRATION_END, insert_transactions, read_cdnow_sample

# Fader, Hardie & Lee (2005), CDNOW 1/10 sample, weeks; Fader & Hardie (2013) Gamma-Gamma note.
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_LL = -9582.4
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}


def same_to_2_significant_digits(value: float, published: float) -> bool:
    return float(f"{value:.2g}") == float(f"{published:.2g}")


@pytest.fixture(scope="module")
def cdnow_summary(tmp_path_factory, datasets: Path) -> pd.DataFrame:
    """The calibration summary built by the store's SQL from the raw CDNOW transactions."""
    store = Store(tmp_path_factory.mktemp("cdnow") / "cdnow.duckdb")
    try:
        insert_transactions(store, read_cdnow_sample(datasets))
        with store.cursor() as cur:
            return sql.rfm_summary(cur, until=CALIBRATION_END, time_unit="weeks")
    finally:
        store.close()


@pytest.fixture(scope="module")
def cdnow_fits(cdnow_summary):
    s = cdnow_summary
    return (
        clv.fit_bgnbd(s["frequency"], s["recency"], s["T"]),
        clv.fit_gamma_gamma(s["frequency"], s["monetary"]),
    )
