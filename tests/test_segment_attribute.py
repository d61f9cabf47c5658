"""A customer's attribute value has one rule, the latest upload's (`store.attributes`): the
audience filter and the analysis' attribute segments (`metrics_sql`, the store path of
`ibis_builder`) read the same fragment, so a re-uploaded attribute segments by its new value."""

from __future__ import annotations

import inspect

import pandas as pd

from experiments.store import attributes, design_sql, ibis_builder, metrics_sql
from tests.test_design_sql_options import _insert


def test_the_segment_join_takes_the_latest_upload(store):
    _insert(
        store,
        "customer_attributes",
        pd.DataFrame(
            {
                "customer_id": ["a", "a", "a", "b", "b"],
                "name": ["tier", "tier", "tier", "tier", "city"],
                "value": ["silver", "bronze", "gold", "silver", "Omsk"],
                "upload_id": [1, 3, 5, 2, 9],
            }
        ),
    )
    with store.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE assigned AS"
            " SELECT * FROM (VALUES ('a'), ('b'), ('c')) v(customer_id)"
        )
        rows = cur.execute(
            f"SELECT a.customer_id, attr.value FROM assigned a {attributes.SEGMENT_ATTRIBUTE_JOIN}"
            " ORDER BY a.customer_id",
            {"segment_attribute": "tier"},
        ).fetchall()
    assert rows == [("a", "gold"), ("b", "silver"), ("c", None)]


def test_every_query_reads_the_one_fragment():
    for module in (design_sql, metrics_sql, ibis_builder):
        source = inspect.getsource(module)
        assert "FROM customer_attributes" not in source, module.__name__
