"""A customer's uploaded attribute value: the latest upload's, one SQL fragment for every query.

The audience filter (`design_sql.ATTRIBUTE_MATCH`), the Design page's offered values
(`design_sql.audience_options`) and the analysis' attribute segments (`metrics_sql`, the store
path of `ibis_builder`) read these, so a re-uploaded attribute counts by its new value
everywhere (the segments took `any_value` of all uploads before).
"""

from __future__ import annotations

# CTE: each customer's latest value per attribute name (the highest upload_id wins).
LATEST_ATTRIBUTES = """latest_attributes AS (
    SELECT customer_id, name, value FROM customer_attributes
    QUALIFY row_number() OVER (PARTITION BY customer_id, name ORDER BY upload_id DESC) = 1
)"""

# Join onto rows aliased `a` (with customer_id): `attr.value` is the customer's latest value of
# the attribute $segment_attribute, NULL without one.
SEGMENT_ATTRIBUTE_JOIN = """
        LEFT JOIN (
            SELECT customer_id, arg_max(value, upload_id) AS value FROM customer_attributes
            WHERE name = $segment_attribute GROUP BY customer_id
        ) attr ON attr.customer_id = a.customer_id"""
