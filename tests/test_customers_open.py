"""The Customers page's first open (#15): one headline query, no historic CLV and no exact
quantile of money until "What a customer is worth" is opened; the headline's numbers equal the
documented definitions recomputed in pandas on CDNOW (head counts, segments, the margin rate as
a direct sum) and the historic CLV its section shows equals pandas too."""

from __future__ import annotations

import datetime as dt
import functools
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from experiments import config, precompute
from experiments.store import Store, design_sql, open_store
from experiments.store import customers as customers_sql
from tests.app.conftest import APP, app_env, demo_db  # noqa: F401 - fixtures
from tests.test_customer_segments import pandas_rfm
from tests.test_customers_sql import insert_transactions, read_cdnow_sample

QUANTILE_SQL = ("quantile_cont", "median(")  # the historic CLV's exact quantiles


class _Recording:
    """A store cursor that records the statements the page's script runs (the Results page's
    background precomputation, started by the home page, is not the Customers page's)."""

    def __init__(self, cur: object, statements: list[str]) -> None:
        self._cur, self._statements = cur, statements

    def execute(self, sql_text: str, *args: object) -> object:
        if threading.current_thread().name.startswith("ScriptRunner"):  # not a background job
            self._statements.append(sql_text)
        return self._cur.execute(sql_text, *args)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._cur, name)

    def __enter__(self) -> _Recording:
        return self

    def __exit__(self, *exc: object) -> None:
        self._cur.close()  # type: ignore[attr-defined]


def _counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[tuple[object, ...]]:
    """Calls of `customers_sql.<name>` (still found by module and name by `cached_query`)."""
    calls: list[tuple[object, ...]] = []
    real = getattr(customers_sql, name)

    @functools.wraps(real)
    def counting(cur, *args, **kwargs):
        calls.append(args)
        return real(cur, *args, **kwargs)

    monkeypatch.setattr(customers_sql, name, counting)
    return calls


def test_the_first_open_runs_no_historic_clv_and_no_quantile_of_money(app_env, monkeypatch):  # noqa: F811
    try:
        _first_open_then_worth(app_env, monkeypatch)
    finally:  # the Results page (the home page) started a background job: no job outlives us
        precompute.stop_all()
        precompute.clear()


def _first_open_then_worth(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    statements: list[str] = []
    real_cursor = Store.cursor
    monkeypatch.setattr(Store, "cursor", lambda self: _Recording(real_cursor(self), statements))
    overview = _counting(monkeypatch, "customer_overview")
    historic = _counting(monkeypatch, "historic_clv")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    statements.clear()  # the home page's; what follows is the Customers page's first open
    at.switch_page("pages/customers.py").run()
    assert not at.exception, at.exception
    assert len(overview) == 1 and historic == []
    first_open = [s for s in statements if "transactions" in s]
    assert len(first_open) == 1, first_open  # the headline query, margin rate included
    assert not any(q in s for s in statements for q in QUANTILE_SQL)
    assert not any(m.label == "Median 12-month CLV" for m in at.metric)
    assert [m.label for m in at.metric] == [
        "Customers",
        "Active in the last 12 months",
        "Repeat share",
    ]

    statements.clear()
    at.session_state["section_worth"] = True
    at.run()
    assert not at.exception, at.exception
    assert len(historic) == 1 and len(overview) == 1  # the headline came from the cache
    assert any("quantile_cont" in s for s in statements)
    with open_store(db).cursor() as cur:
        want = customers_sql.historic_clv(cur)
    tile = next(m.value for m in at.metric if m.label == "Median 12-month CLV")
    assert tile.replace("\u00a0", " ") == f"{config.CURRENCY} {want.median:,.0f}"


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory, datasets: Path):
    transactions = read_cdnow_sample(datasets)
    # margins on every other row, refunds and a $0 order: the margin rate's three kinds of row
    rng = np.random.default_rng(15)
    transactions["margin"] = np.where(
        np.arange(len(transactions)) % 2 == 0,
        transactions["amount"] * rng.uniform(0.1, 0.6),
        np.nan,
    )
    refunds = transactions.sample(300, random_state=15).assign(
        amount=lambda f: -f["amount"] / 2,
        margin=np.nan,
        ts=lambda f: f["ts"] + pd.Timedelta(days=3),
    )
    frame = pd.concat([transactions, refunds], ignore_index=True)
    store = Store(tmp_path_factory.mktemp("open") / "cdnow.duckdb")
    insert_transactions(store, frame)
    yield store, frame
    store.close()


@pytest.mark.parametrize("until", [None, dt.date(1997, 9, 30), dt.date(1997, 3, 31)])
def test_the_headline_equals_pandas_on_cdnow(cdnow, until):
    store, tx = cdnow
    with store.cursor() as cur:
        overview = customers_sql.customer_overview(cur, until=until)
        audience = design_sql.rfm_segments(cur, overview.base.as_of)
    as_of = (until or tx["ts"].max().date()) + dt.timedelta(days=1)
    assert overview.base.as_of == as_of
    per = pandas_rfm(tx, as_of, config.DEFAULT_LOOKBACK_DAYS)
    active_from = pd.Timestamp(as_of) - pd.Timedelta(days=config.DEFAULT_LOOKBACK_DAYS)
    base = overview.base
    assert base.customers == len(per)
    assert base.repeat_customers == int((per["order_days"] >= 2).sum())
    assert base.active_customers == int((per["last"] >= active_from).sum())
    grouped = per.groupby("segment").agg(
        customers=("recency_days", "size"),
        revenue=("monetary", "sum"),
        repeat_rate=("order_days", lambda n: (n >= 2).mean()),
    )
    table = overview.segments.set_index("segment")
    got = table.loc[grouped.index]
    np.testing.assert_array_equal(got["customers"], grouped["customers"])
    np.testing.assert_allclose(got["revenue"], grouped["revenue"], rtol=1e-9)
    np.testing.assert_allclose(got["repeat_rate"], grouped["repeat_rate"], rtol=1e-12)
    assert table["customers"].sum() == base.customers
    # the Design page's audience builder (RFM cut points joined per as_of) agrees
    pd.testing.assert_frame_equal(overview.segments, audience, check_exact=False, rtol=1e-9)
    # the margin rate: kept margin / revenue summed directly over the purchase rows
    rows = tx[(tx["ts"] < pd.Timestamp(as_of)) & (tx["amount"] >= 0)]
    kept = rows["margin"].fillna(rows["amount"] * config.DEFAULT_MARGIN_RATE)
    assert overview.margin_rate == pytest.approx(kept.sum() / rows["amount"].sum(), rel=1e-12)


@pytest.mark.parametrize("months", [3, 12])
def test_the_worth_sections_historic_clv_equals_pandas_on_cdnow(cdnow, months):
    store, tx = cdnow
    with store.cursor() as cur:
        got = customers_sql.historic_clv(cur, months=months, bins=30)
    cutoff = tx["ts"].max().date()
    buys = tx[tx["amount"] >= 0]
    first = buys.groupby("customer_id")["ts"].min()
    end = first + pd.DateOffset(months=months)
    eligible = end[end.dt.date <= cutoff]
    rows = tx.join(eligible.rename("end"), on="customer_id", how="inner")
    rows = rows.join(first.rename("first"), on="customer_id")
    rows = rows[(rows["ts"] >= rows["first"]) & (rows["ts"] < rows["end"])]
    kept = rows["margin"].fillna(rows["amount"] * config.DEFAULT_MARGIN_RATE)
    margin = kept.groupby(rows["customer_id"]).sum()
    assert got.status == "ok" and got.eligible_customers == len(margin) == len(eligible)
    assert got.mean == pytest.approx(margin.mean(), rel=1e-12)
    assert got.median == pytest.approx(margin.median(), rel=1e-12)
    assert got.p90 == pytest.approx(margin.quantile(0.9), rel=1e-12)
    assert got.total == pytest.approx(margin.sum(), rel=1e-12)
    assert got.histogram["customers"].sum() == len(margin)
