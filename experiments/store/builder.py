"""What every query builder shares: the catalogue's requests as plain sums, and their roll-up.

A query builder (DuckDB SQL in `metrics_sql` today; Ibis expressions for another engine next)
receives `catalogue.Request`s and returns typed `catalogue.GroupStats`. It does so in two steps,
and only the first is engine-specific:

1. the engine computes, per finest group (arm, follow-up class, segments), the customer count
   and one plain sum per `Product` of `products(requests)` - a column per product, in that
   order, named as the engine likes (positional names keep metric names out of the SQL);
2. `rollup` folds those few hundred rows into `GroupStats` per arm or segment x arm, counting
   for each request only the follow-up classes observed for its days.

So a metric added to the catalogue needs no change in any builder beyond its per-customer value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from experiments.catalogue import GroupStats, Moments, Request

if TYPE_CHECKING:
    from experiments.store.metrics_sql import Aggregates, QuerySpec

__all__ = ["Product", "QueryBuilder", "arms_and_segments", "products", "rollup"]


class QueryBuilder(Protocol):
    """An engine's aggregation of one experiment: the catalogue's requests in, typed
    statistics out (`metrics_sql.DuckDBBuilder` for the local store). The spec says which
    customers and windows (the per-customer definitions of `metrics_sql`'s docstring, which
    each engine renders in its own dialect); the requests say what to sum per group."""

    def aggregate(self, spec: QuerySpec, requests: Sequence[Request]) -> Aggregates:
        """Per arm and segment x arm, one `catalogue.Moments` per request, plus caps, the
        Kaplan-Meier histogram and the net value distribution (`metrics_sql.Aggregates`)."""
        ...


@dataclass(frozen=True, order=True)
class Product:
    """One plain sum per group: sum(value) when `other` is None, else sum(value * other)
    (value * value: the sum of squares). Pairs are stored sorted, so a cross product asked for
    from either side is computed once."""

    value: str
    other: str | None = None


def _pair(a: str, b: str) -> Product:
    first, second = sorted((a, b))
    return Product(first, second)


def _needs(r: Request) -> list[Product]:
    out = [Product(r.value)]
    if r.squares:
        out.append(Product(r.value, r.value))
    out.extend(_pair(r.value, other) for other in r.cross)
    return out


def products(requests: Sequence[Request]) -> list[Product]:
    """The plain sums the engine computes per finest group, each once, in request order."""
    return list(dict.fromkeys(p for r in requests for p in _needs(r)))


def rollup(
    groups: pd.DataFrame,
    keys: Sequence[str],
    requests: Sequence[Request],
    columns: dict[Product, str],
    thresholds: Sequence[int],
) -> dict[tuple[object, ...], GroupStats]:
    """Typed statistics per value of `keys` from the finest groups.

    Args:
        groups: one row per finest group: the `keys`, `follow_class` (how many of `thresholds`
            the group's customers are observed for), `customers` and the product columns.
        keys: the grouping to roll up to, e.g. ["arm_id"] or ["stratum", "arm_id"].
        requests: what to return per group.
        columns: product -> its column in `groups`.
        thresholds: follow-up lengths (days), ascending: class c is observed for the first c.

    numpy bincounts over a few hundred rows: pandas groupby per threshold costs more than the
    whole SQL query on small stores.
    """
    rank = {int(days): i for i, days in enumerate(thresholds)}
    key_values = [[None if pd.isna(v) else v for v in groups[k].tolist()] for k in keys]
    tuples = list(zip(*key_values, strict=True))
    unique = list(dict.fromkeys(tuples))
    code_of = {t: i for i, t in enumerate(unique)}
    codes = np.array([code_of[t] for t in tuples], dtype=np.int64)
    follow = groups["follow_class"].to_numpy(dtype=np.int64)
    masks: dict[int | None, np.ndarray] = {None: np.ones(len(groups), dtype=bool)}
    sums: dict[tuple[str, int | None], np.ndarray] = {}

    def summed(column: str, days: int | None) -> np.ndarray:
        if (column, days) not in sums:
            if days not in masks:
                masks[days] = follow > rank[int(days)]  # type: ignore[arg-type]
            mask = masks[days]
            values = groups[column].to_numpy(dtype=float)[mask]
            sums[(column, days)] = np.bincount(
                codes[mask], weights=np.nan_to_num(values), minlength=len(unique)
            )
        return sums[(column, days)]

    assigned = summed("customers", None)
    observed = {int(d): summed("customers", int(d)) for d in thresholds}
    per_request = []
    for r in requests:
        n = assigned if r.days is None else observed[int(r.days)]
        total = summed(columns[Product(r.value)], r.days)
        squares = summed(columns[Product(r.value, r.value)], r.days) if r.squares else None
        cross = {o: summed(columns[_pair(r.value, o)], r.days) for o in r.cross}
        per_request.append((r, n, total, squares, cross))
    out: dict[tuple[object, ...], GroupStats] = {}
    for i, key in enumerate(unique):
        moments = {
            (r.value, r.days): Moments(
                int(n[i]),
                float(total[i]),
                None if squares is None else float(squares[i]),
                {o: float(v[i]) for o, v in cross.items()},
            )
            for r, n, total, squares, cross in per_request
        }
        out[key] = GroupStats(
            int(assigned[i]), {d: int(v[i]) for d, v in observed.items()}, moments
        )
    return out


def arms_and_segments(
    groups: pd.DataFrame,
    requests: Sequence[Request],
    columns: dict[Product, str],
    thresholds: Sequence[int],
    segment_columns: Mapping[str, str],
) -> tuple[dict[int, GroupStats], dict[tuple[str, str, int], GroupStats]]:
    """The finest groups folded per arm, and per (segment kind, segment, arm) for each
    `segment_columns` kind -> column (groups with no segment left out): what every builder
    returns from its engine's finest groups."""
    arms = {
        int(key[0]): stats  # type: ignore[call-overload]
        for key, stats in sorted(rollup(groups, ["arm_id"], requests, columns, thresholds).items())
    }
    segments: dict[tuple[str, str, int], GroupStats] = {}
    for kind, column in segment_columns.items():
        folded = rollup(groups, [column, "arm_id"], requests, columns, thresholds)
        for (segment, arm_id), stats in folded.items():
            if segment is not None:
                segments[(kind, str(segment), int(arm_id))] = stats  # type: ignore[call-overload]
    return arms, segments
