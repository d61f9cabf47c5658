"""The attribute match (latest uploaded value per customer and name, every filter matched) is
one SQL fragment, `design_sql.ATTRIBUTE_MATCH`: the audience (`customer_features` with
filters), the ids sent to a source (`attribute_matches`) and the offered values
(`audience_options`) read it, and they agree."""

from __future__ import annotations

import inspect

import pandas as pd

from experiments.design import AudienceFilter
from experiments.store import attributes
from experiments.store import design_sql as ds
from tests.test_design_sql_options import _insert


def test_the_fragment_is_written_once():
    source = inspect.getsource(ds) + inspect.getsource(attributes)
    assert source.count("latest_attributes AS (") == 1
    assert source.count("wanted_attributes AS (") == 1
    assert "attribute_match AS (" in ds.ATTRIBUTE_MATCH


def test_audience_and_source_ids_agree_and_the_latest_upload_wins(store):
    customers = ["a", "b", "c", "d"]
    _insert(
        store,
        "transactions",
        pd.DataFrame(
            {
                "order_id": [f"o{i}" for i in range(4)],
                "customer_id": customers,
                "ts": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"]),
                "amount": [10.0, 20.0, 30.0, 40.0],
                "margin": [None] * 4,
                "channel": [None] * 4,
                "discount": [0.0] * 4,
                "upload_id": [1] * 4,
            }
        ),
    )
    _insert(
        store,
        "customer_attributes",
        pd.DataFrame(
            {
                "customer_id": ["a", "a", "b", "c", "c", "d", "b"],
                "name": ["tier", "tier", "tier", "tier", "city", "city", "city"],
                "value": ["silver", "gold", "gold", "gold", "Omsk", "Omsk", "Omsk"],
                "upload_id": [1, 2, 1, 1, 1, 1, 2],
            }
        ),
    )
    wanted = AudienceFilter(attributes=(("tier", ("gold",)), ("city", ("Omsk",))))
    with store.cursor() as cur:
        ids = ds.attribute_matches(cur, wanted)
        audience = ds.customer_features(cur, filters=wanted)
        options = ds.audience_options(cur)
    assert ids == ["b", "c"]  # a has no city; d has no tier; a's latest tier is gold
    assert sorted(audience["customer_id"].astype(str)) == ids
    assert dict(options.attributes) == {"city": ("Omsk",), "tier": ("gold",)}
