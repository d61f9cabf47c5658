"""RFM segments have one definition (design_sql), checked against pandas on raw CDNOW; the
Customers page headline counts (customers.customer_base) add up to the same segment table, and
the margin the page lets a marketer type scales fit_store's CLV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import clv, design
from experiments.store import Store
from experiments.store import customers as customers_sql
from experiments.store import design_sql as ds
from tests.rfm_rule import segment_rule
from tests.test_customers_sql import insert_transactions, read_cdnow_sample

QUINTILES = (0.2, 0.4, 0.6, 0.8)


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory, datasets: Path) -> tuple[Store, pd.DataFrame]:
    transactions = read_cdnow_sample(datasets)
    store = Store(tmp_path_factory.mktemp("rfm") / "cdnow.duckdb")
    insert_transactions(store, transactions)
    yield store, transactions
    store.close()


def pandas_rfm(tx: pd.DataFrame, as_of: dt.date, lookback: int) -> pd.DataFrame:
    """The documented RFM rule, recomputed in pandas: quintile cut points are discrete
    quantiles (the first value whose cumulative share reaches q), a score counts the cut points
    beaten strictly, and the first matching segment wins."""
    cutoff = pd.Timestamp(as_of)
    before = tx[tx["ts"] < cutoff]
    buys = before[before["amount"] >= 0]  # order rows (`store.orders.ORDER_ROW`)
    window = before[before["ts"] >= cutoff - pd.Timedelta(days=lookback)]
    per = pd.DataFrame(
        {
            "last": buys.groupby("customer_id")["ts"].max(),
            "first": buys.groupby("customer_id")["ts"].min(),
            "lifetime_orders": buys.groupby("customer_id").size(),
            # a repeat customer has orders on two or more days (`store.orders`)
            "order_days": buys["ts"].dt.normalize().groupby(buys["customer_id"]).nunique(),
        }
    )
    per["recency_days"] = (cutoff - per["last"].dt.normalize()).dt.days
    per["tenure_days"] = (cutoff - per["first"].dt.normalize()).dt.days
    per["frequency"] = (
        window[window["amount"] >= 0].groupby("customer_id").size().reindex(per.index).fillna(0)
    )
    per["monetary"] = window.groupby("customer_id")["amount"].sum().reindex(per.index).fillna(0)

    def cuts(values: pd.Series) -> np.ndarray:
        return np.quantile(values.to_numpy(), QUINTILES, method="inverted_cdf")

    buyers = per[per["frequency"] > 0]
    rq, fq, mq = cuts(per["recency_days"]), cuts(buyers["frequency"]), cuts(buyers["monetary"])
    per["r_score"] = 1 + (per["recency_days"].to_numpy()[:, None] < rq).sum(axis=1)
    per["f_score"] = np.where(
        per["frequency"] == 0, 1, 1 + (per["frequency"].to_numpy()[:, None] > fq).sum(axis=1)
    )
    per["m_score"] = np.where(
        per["frequency"] == 0, 1, 1 + (per["monetary"].to_numpy()[:, None] > mq).sum(axis=1)
    )
    r, f, m = per["r_score"], per["f_score"], per["m_score"]
    per["segment"] = segment_rule(r, f, m, per["tenure_days"], ds.NEW_CUSTOMER_DAYS)
    return per


CASES = [(dt.date(1997, 3, 20), 365), (dt.date(1997, 10, 1), 365), (dt.date(1998, 7, 1), 90)]


@pytest.mark.parametrize(("as_of", "lookback"), CASES)
def test_rfm_scores_and_segments_equal_pandas(cdnow, as_of, lookback):
    store, transactions = cdnow
    expected = pandas_rfm(transactions, as_of, lookback)
    features = ds.customer_features(store.cursor(), as_of, lookback).set_index("customer_id")
    assert sorted(features.index) == sorted(expected.index)
    joined = features.join(expected, suffixes=("", "_pd"))
    for column in ("recency_days", "tenure_days", "frequency", "r_score", "f_score", "m_score"):
        assert (joined[column] == joined[f"{column}_pd"]).all(), column
    assert (joined["segment"] == joined["segment_pd"]).all()
    assert joined["segment"].nunique() >= 4  # the case exercises several segments


@pytest.mark.parametrize(("as_of", "lookback"), CASES)
def test_segment_table_equals_a_pandas_groupby(cdnow, as_of, lookback):
    store, transactions = cdnow
    expected = pandas_rfm(transactions, as_of, lookback)
    table = ds.rfm_segments(store.cursor(), as_of, lookback).set_index("segment")
    assert list(table.index) == list(design.RFM_SEGMENTS)
    grouped = expected.groupby("segment").agg(
        customers=("recency_days", "size"),
        revenue=("monetary", "sum"),
        repeat_rate=("order_days", lambda n: (n >= 2).mean()),
    )
    positive = grouped["revenue"].clip(lower=0)
    for name in design.RFM_SEGMENTS:
        if name not in grouped.index:
            assert table.at[name, "customers"] == 0 and table.at[name, "revenue_share"] == 0
            continue
        assert table.at[name, "customers"] == grouped.at[name, "customers"], name
        assert table.at[name, "revenue"] == pytest.approx(grouped.at[name, "revenue"]), name
        assert table.at[name, "repeat_rate"] == pytest.approx(grouped.at[name, "repeat_rate"])
        assert table.at[name, "revenue_share"] == pytest.approx(positive[name] / positive.sum()), (
            name
        )


@pytest.mark.parametrize(("as_of", "lookback"), CASES)
def test_customer_base_adds_up_to_the_segment_table(cdnow, as_of, lookback):
    store, transactions = cdnow
    cur = store.cursor()
    base = customers_sql.customer_base(cur, as_of=as_of, active_days=lookback)
    table = ds.rfm_segments(cur, as_of, lookback)
    features = ds.customer_features(cur, as_of, lookback)
    assert base.as_of == as_of
    assert base.customers == table["customers"].sum() == len(features)
    assert base.repeat_customers == round((table["customers"] * table["repeat_rate"]).sum())
    assert base.active_customers == (features["frequency"] > 0).sum()
    expected = pandas_rfm(transactions, as_of, lookback)
    assert base.active_customers == (expected["frequency"] > 0).sum()
    assert base.repeat_share == pytest.approx((expected["order_days"] >= 2).mean())


def test_customer_base_defaults_to_the_day_after_the_last_transaction(cdnow, store):
    cdnow_store, transactions = cdnow
    base = customers_sql.customer_base(cdnow_store.cursor())
    assert base.as_of == ds.default_as_of(cdnow_store.cursor()) == dt.date(1998, 7, 1)
    # 8 of the 2357 sample customers only ever have $0 rows: free orders, customers all the
    # same (`store.orders`), as in Fader, Hardie & Lee's 2357 and the CLV model's summary
    assert base.customers == transactions.loc[transactions["amount"] >= 0, "customer_id"].nunique()
    assert base.customers == 2357
    empty = customers_sql.customer_base(store.cursor())
    assert (empty.customers, empty.active_customers, empty.repeat_customers) == (0, 0, 0)
    assert empty.repeat_share is None and empty.active_share is None


def test_customer_module_has_no_second_rfm_definition():
    """The Customers page and the audience builder must show the same segments."""
    for name in ("rfm_segments", "rfm_scores", "RFM_SEGMENTS"):
        assert not hasattr(customers_sql, name), name


def test_fit_store_margin_override_scales_the_clv_and_nothing_else(cdnow):
    """The Customers page lets a marketer type their own margin; CLV is margin x spend, so the
    override scales every prediction and leaves the fits alone."""
    store, _ = cdnow
    cur = store.cursor()
    own = clv.fit_store(cur, until=dt.date(1997, 9, 30), standard_errors=False)
    typed = clv.fit_store(cur, until=dt.date(1997, 9, 30), standard_errors=False, margin_rate=0.5)
    # a ratio of two SQL sums: DuckDB may add the floats in another order on each call
    assert own.model.margin_rate == pytest.approx(
        customers_sql.margin_rate(cur, until=dt.date(1997, 9, 30)), rel=1e-12
    )
    assert typed.model.margin_rate == 0.5
    assert typed.model.bgnbd.params == own.model.bgnbd.params
    np.testing.assert_allclose(
        typed.model.predictions["expected_clv"],
        own.model.predictions["expected_clv"] * 0.5 / own.model.margin_rate,
        rtol=1e-6,  # each call refits on a summary whose float sums DuckDB adds in any order
    )
