"""Defaults in one place: paths, statistical settings, money and upload limits."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "loyalty.duckdb"
DB_ENV_VAR = "LOYALTY_LAB_DB"

# Statistics
ALPHA = 0.05
CONFIDENCE = 1 - ALPHA
HORIZONS_DAYS = (30, 60, 90, 180)
DEFAULT_HORIZON_DAYS = 60
DEFAULT_LOOKBACK_DAYS = 365
DEFAULT_CORRECTION = "holm"
DEFAULT_CAP_PERCENTILE = 99.0
DEFAULT_POWER = 0.8

# Money
CURRENCY = os.environ.get("LOYALTY_LAB_CURRENCY", "RUB")
DEFAULT_MARGIN_RATE = 0.35  # gross margin share of revenue when a file has no margin column
MONTHLY_DISCOUNT_RATE = 0.01  # for 12-month CLV projections

# Uploads
MAX_UPLOAD_MB = 2048
PROBLEM_ROWS_SHOWN = 10  # row numbers listed per validation problem
MAX_CELL_CHARS = 1000  # longer text cells are refused: no real id or channel is that long
FUTURE_TOLERANCE_DAYS = 1  # timestamps later than now + this are "future dates"

# Demo data
DEMO_CUSTOMERS = 20_000
DEMO_SEED = 7
DEMO_EXPERIMENT_NAME = "Loyalty levers 2026-Q2"


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The store file: an explicit path, else $LOYALTY_LAB_DB, else data/loyalty.duckdb."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(DB_ENV_VAR)
    return Path(env) if env else DEFAULT_DB_PATH


def db_path_given(explicit: str | os.PathLike[str] | None = None) -> bool:
    """True when the store path was chosen (--db or $LOYALTY_LAB_DB), not the default: a
    missing file there is more likely a typo than a first start, so it is reported."""
    return bool(explicit) or bool(os.environ.get(DB_ENV_VAR))
