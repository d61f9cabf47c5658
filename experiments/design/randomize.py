"""Reproducible randomization: salted hash units, (stratified) arm assignment, personal codes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from experiments.design.arms import DesignError
from experiments.design.balance import BalanceCheck, balance_check, covariate_stats
from experiments.design.spec import ExperimentSpec, check_spec
from experiments.i18n.text import Text
from experiments.store import Cursor

if TYPE_CHECKING:
    from experiments.sources import Source

_UNIT_BITS = 52  # hash bits used for the uniform draw: exact in a double, same in SQL
UNIT_HEX_DIGITS = _UNIT_BITS // 4
UNIT_SCALE = float(2**_UNIT_BITS)


def hash_units(salt: str, customer_ids: Iterable[str]) -> np.ndarray:
    """Uniform numbers in [0, 1) from md5(salt + ':' + customer_id): the same every run.

    md5 is used for stability, not secrecy: it is standard everywhere, so the SQL side
    (`design_sql.audience_units`, DuckDB's md5) gives bit-identical numbers, unlike DuckDB's
    `hash()`, which is not guaranteed stable across versions. The first 52 bits are used so the
    value is exact in a double.
    """

    values = [
        int(hashlib.md5(f"{salt}:{cid}".encode()).hexdigest()[:UNIT_HEX_DIGITS], 16)
        for cid in customer_ids
    ]
    return np.asarray(values, dtype=np.float64) / UNIT_SCALE


def _stratum_offset(salt: str, stratum: str) -> float:
    digest = hashlib.md5(f"{salt}:stratum:{stratum}".encode()).hexdigest()
    return int(digest[:UNIT_HEX_DIGITS], 16) / UNIT_SCALE


def assign_arms(
    units: np.ndarray,
    weights: Sequence[float],
    *,
    strata: Sequence[str] | np.ndarray | None = None,
    salt: str = "",
) -> np.ndarray:
    """Arm index per customer from its hash unit (and stratum).

    Without strata each customer's arm depends on its own hash alone (the first arm whose
    cumulative weight share exceeds the unit), so it does not change when the audience does.

    With strata, customers are ranked by their hash inside each stratum (a random permutation)
    and cut into consecutive blocks sized floor(n * cumulative share + offset), with a per-stratum
    offset in [0, 1) drawn from (salt, stratum). Every stratum's split then matches the weights
    to within one customer, and the leftover customer goes to each arm with probability equal to
    its weight rather than always to the first arm.
    """
    units = np.asarray(units, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if w.size == 0 or np.any(w <= 0):
        raise DesignError(Text("design.error.weights"))
    cumulative = np.cumsum(w) / w.sum()
    if strata is None:
        return np.minimum(np.searchsorted(cumulative, units, side="right"), w.size - 1)
    labels = np.asarray(strata, dtype=object).astype(str)
    codes, uniques = pd.factorize(labels, sort=True)
    order = np.lexsort((units, codes))
    arms = np.empty(units.size, dtype=np.int64)
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    ends = np.r_[starts[1:], sorted_codes.size]
    for start, end in zip(starts, ends, strict=True):
        n = end - start
        offset = _stratum_offset(salt, str(uniques[sorted_codes[start]]))
        bounds = np.floor(n * cumulative + offset).astype(np.int64)
        bounds[-1] = n
        rank = np.arange(n)
        arms[order[start:end]] = np.searchsorted(bounds, rank, side="right")
    return arms


def personal_codes(salt: str, customer_ids: Iterable[str], prefix: str) -> list[str]:
    """Personal coupon codes: prefix + 8 characters derived from (salt, customer), reproducible.

    Unique: 8 characters give 2^40 codes, so at a million customers some two would share one
    about a third of the time. Customers whose code is taken (in customer-id order, so the
    result does not depend on the row order) draw again with a counter until it is free.
    """
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and typed

    def code(cid: str, attempt: int) -> str:
        key = f"{salt}:code:{cid}" + (f":{attempt}" if attempt else "")
        number = int(hashlib.blake2b(key.encode(), digest_size=8).hexdigest(), 16)
        chars = []
        for _ in range(8):
            number, index = divmod(number, len(alphabet))
            chars.append(alphabet[index])
        return prefix + "".join(chars)

    ids = list(customer_ids)
    first = {cid: code(cid, 0) for cid in ids}
    if len(set(first.values())) == len(first):
        return [first[cid] for cid in ids]
    taken: set[str] = set()
    final: dict[str, str] = {}
    for cid in sorted(first):
        attempt, candidate = 0, first[cid]
        while candidate in taken:
            attempt += 1
            candidate = code(cid, attempt)
        taken.add(candidate)
        final[cid] = candidate
    return [final[cid] for cid in ids]


# -- the preview of a start ----------------------------------------------------------------------
SPEND_TIERS = 4  # strata of pre-period spend: quartiles of the audience (design_sql's ntile(4))
SPEND_TIER_LABELS = np.array(
    ["", *(f"spend Q{i}" for i in range(1, SPEND_TIERS + 1))], dtype=object
)


@dataclass(frozen=True)
class AssignmentPreview:
    """The assignment a start would write, with its balance check.

    Attributes:
        as_of: the day the audience and pre-period covariates were computed for.
        frame: customer_id, arm, arm_id, arm_kind, stratum, code, pre_spend, pre_orders,
            recency_days, pre_repeat — one row per customer, ordered by customer_id.
        balance: balance table per arm and the A/A check on the pre-period.
    """

    as_of: date
    frame: pd.DataFrame
    balance: BalanceCheck


def preview_assignment(
    cur: Cursor, spec: ExperimentSpec, source: Source | None = None
) -> AssignmentPreview:
    """Randomize the audience (nothing is written) and check balance before launch.

    The audience and its hash units come from DuckDB (`design_sql.audience_units`), or with a
    `source` its rows from there and the hash units from `hash_units`
    (`source_engine.audience_units`); the arms, strata and codes are drawn here, so the same
    salt and audience give the same list.

    Raises:
        StoreError: the design is invalid (every problem listed).
        SourceError: the source cannot be read.
    """
    from experiments import source_engine

    check_spec(spec)
    day = source_engine.audience_day(cur, spec.audience, source)
    units = source_engine.audience_units(cur, spec.audience, spec.salt, source)
    strata = None
    if spec.stratify_by == "rfm_segment":
        strata = units["segment"].to_numpy()
    elif spec.stratify_by == "spend_tier":
        strata = SPEND_TIER_LABELS[units["spend_tier"].to_numpy(dtype=np.int64)]
    weights = [a.allocation for a in spec.arms]
    index = assign_arms(units["unit"].to_numpy(dtype=float), weights, strata=strata, salt=spec.salt)
    names = np.array([a.name for a in spec.arms], dtype=object)
    kinds = np.array([a.kind for a in spec.arms], dtype=object)
    frame = pd.DataFrame(
        {
            "customer_id": units["customer_id"].astype(str),
            "arm": names[index] if len(index) else pd.Series(dtype=object),
            "arm_id": index.astype("int64"),
            "arm_kind": kinds[index] if len(index) else pd.Series(dtype=object),
            "stratum": strata if strata is not None else None,
            "code": None,
            "pre_spend": units["pre_spend"].astype(float),
            "pre_orders": units["pre_orders"].astype(float),
            "recency_days": units["recency_days"].astype(float),
            "pre_repeat": units["pre_repeat"].astype(float),
        }
    )
    if spec.code_prefix and len(frame):
        treated = frame["arm_kind"] != "control"
        frame.loc[treated, "code"] = personal_codes(
            spec.salt, frame.loc[treated, "customer_id"], spec.code_prefix
        )
    stats = covariate_stats(frame) if len(frame) else {}
    balance = balance_check(stats, spec.control.name)
    return AssignmentPreview(as_of=day, frame=frame, balance=balance)
