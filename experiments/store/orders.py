"""What an order and a repeat customer are: one definition for every query that counts them.

* An **order row** is a transaction with an amount >= 0 (`ORDER_ROW`): a free order (a 100 %
  discount, CDNOW's $0 purchases) is an order, a refund (a negative amount) is not and counts
  in revenue, margin and net value only. This is the BG/NBD literature's count: Fader, Hardie
  & Lee's 2,357 CDNOW sample customers include the 8 whose only purchases are $0. The audience
  (`design_sql`), the Customers page (`customers`, `ibis_customers`, `ibis_returns`) and the
  CLV summaries (`customers.rfm_summary`, `ibis_clv`, the arms' follow-up) read this predicate.
  (The experiment analysis' window orders, `metrics_sql` / `ibis_builder`, still count
  `amount > 0`; the two differ only on zero-amount rows.)
* A customer's **purchase day** is a calendar day with an order row: the lines of one receipt
  and two receipts of the same day are one purchase, as BG/NBD counts them (Fader, Hardie & Lee
  2005), so an export that lists a receipt line by line counts the receipt once.
* A **repeat customer** has purchase days on two or more days: the first order day is before the
  last one (`REPEAT_CUSTOMER`, on the customer features' `tenure_days` and `recency_days`,
  which are days since the first and the last order: no per-day group-by is needed). This is
  the headline's repeat share, the segments' repeat rate and the CLV model's `frequency > 0`.
"""

from __future__ import annotations

from typing import Any

ORDER_ROW = "amount >= 0"
"""SQL predicate on a transactions row (unqualified column): the row is an order row."""


def order_row(alias: str) -> str:
    """`ORDER_ROW` on the transactions row `alias` (e.g. 't.amount >= 0')."""
    return f"{alias}.{ORDER_ROW}"


REPEAT_CUSTOMER = "tenure_days > recency_days"
"""SQL predicate on a customer features row: orders on two or more days (the first order day,
`tenure_days` ago, is before the last one, `recency_days` ago)."""


def is_order_row(table: Any) -> Any:
    """`ORDER_ROW` as an Ibis boolean expression on a transactions table."""
    return table.amount >= 0


def is_repeat_customer(table: Any) -> Any:
    """`REPEAT_CUSTOMER` as an Ibis boolean expression on a customer features table."""
    return table.tenure_days > table.recency_days
