"""The documented RFM segment rule, written independently of the SQL: the tests' oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd

SEGMENTS_IN_ORDER = (
    "new",
    "champions",
    "loyal",
    "potential loyalists",
    "can't lose",
    "at risk",
    "hibernating",
)


def segment_rule(
    r: pd.Series, f: pd.Series, m: pd.Series, tenure: pd.Series, new_days: int
) -> np.ndarray:
    """First matching segment from R, F, M quintile scores and tenure; 'lost' otherwise."""
    return np.select(
        [
            tenure <= new_days,
            (r >= 4) & (f >= 4) & (m >= 4),
            (r >= 3) & (f >= 3),
            r >= 3,
            (f >= 4) & (m >= 4),
            f >= 3,
            r == 2,
        ],
        list(SEGMENTS_IN_ORDER),
        "lost",
    )
