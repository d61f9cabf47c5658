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
MAX_HORIZON_DAYS = 3660  # ten years and a few leap days: longer is a typo, not a test
DEFAULT_LOOKBACK_DAYS = 365
ATTRIBUTE_VALUES_SHOWN = 50  # an attribute with more distinct values (an e-mail) is no filter
DEFAULT_CORRECTION = "holm"
DEFAULT_CAP_PERCENTILE = 99.0
# Money effects are the plain mean difference (the roubles); capping (winsorising at the pooled
# percentile above) is an option that estimates a different quantity, the winsorised mean
# difference, and is named so wherever it is on.
DEFAULT_CAP = False
CUPED_CUSTOMERS_PER_COVARIATE = 10  # CUPED uses at most one covariate per this many customers
DEFAULT_POWER = 0.8
CORRECTIONS = ("holm", "bh", "none")  # multiple-testing corrections (stats.Correction)
CONFIDENCE_CHOICES = (0.90, 0.95, 0.99)  # what a design (and the Results page) can choose
GUARDRAIL_MARGIN_PCT = 5.0  # a guardrail may get this much worse (% of control's mean) at most

# DuckDB: its buffer pool counts in the app's resident memory and by default may grow to 80% of
# the machine's RAM, keeping what it read. The limit makes it evict cached blocks and spill large
# joins and aggregations to disk instead, at a cost in time: measured in
# bench/results/customers.md. LOYALTY_LAB_DUCKDB_MEMORY="" leaves DuckDB's own default.
DUCKDB_MEMORY_LIMIT: str | None = os.environ.get("LOYALTY_LAB_DUCKDB_MEMORY", "512MB") or None
# Further DuckDB settings of every store connection, each "" = DuckDB's default; what each costs
# and saves at 1M customers is measured in bench/results/memory.md. Insertion order off: with
# the 512MB limit alone (or with one thread, or a temp_directory) the Results page's background
# precompute and the Customers page's query at times ran out of DuckDB memory together; with
# the order off both runs passed, under 1 GB peak (queries that need an order say ORDER BY).
DUCKDB_THREADS: int | None = int(os.environ.get("LOYALTY_LAB_DUCKDB_THREADS", "") or 0) or None
DUCKDB_PRESERVE_INSERTION_ORDER: bool | None = {"true": True, "false": False}.get(
    os.environ.get("LOYALTY_LAB_DUCKDB_PRESERVE_ORDER", "false").lower()
)
DUCKDB_TEMP_DIRECTORY: str | None = os.environ.get("LOYALTY_LAB_DUCKDB_TEMP", "") or None
# An upload runs once, under the store's write lock, and its statements (staging, the sort by
# customer, the insert) are what spill past DUCKDB_MEMORY_LIMIT: at 10M rows the 512MB pool
# wrote ~860 MB of temp files and read them back. So a load raises the limit to this for its
# own duration and sets DUCKDB_MEMORY_LIMIT back afterwards; the 1 GB target is the server's
# after opening pages, not during an upload (bench/results/load_notes.md). Never lowers the
# limit; LOYALTY_LAB_DUCKDB_LOAD_MEMORY="" keeps the store's limit for loads too.
DUCKDB_LOAD_MEMORY_LIMIT: str | None = (
    os.environ.get("LOYALTY_LAB_DUCKDB_LOAD_MEMORY", "2GB") or None
)

# Money
CURRENCY = os.environ.get("LOYALTY_LAB_CURRENCY", "RUB")
DEFAULT_MARGIN_RATE = 0.35  # gross margin share of revenue when a file has no margin column
MONTHLY_DISCOUNT_RATE = 0.01  # for 12-month CLV projections
# The CLV projection is fitted on behaviour after the levers' direct window: at least this many
# days after assignment, longer when an arm's coupon is valid longer (its validity_days). The
# last CLV_HOLDOUT_SHARE of the follow-up after that window is held back to check the model's
# prediction (at least CLV_MIN_HOLDOUT_DAYS; with less follow-up the projection is withheld).
CLV_DIRECT_WINDOW_DAYS = 30
CLV_HOLDOUT_SHARE = 1 / 3
CLV_MIN_HOLDOUT_DAYS = 14
# Bootstrap replicates of the projection's intervals, for the Results page and the CLI alike: the
# count whose coverage bench/bench_clv_coverage.py measured (bench/results/clv_coverage.md).
CLV_BOOTSTRAP_REPLICATES = 100

# Uploads
MAX_UPLOAD_MB = 2048
PROBLEM_ROWS_SHOWN = 10  # row numbers listed per validation problem
MAX_CELL_CHARS = 1000  # longer text cells are refused: no real id or channel is that long
FUTURE_TOLERANCE_DAYS = 1  # timestamps later than now + this are "future dates"
MAX_COLUMNS = 1_000  # wider files are refused before reading: no export has that many fields
MAX_LINE_CHARS = 131_072  # a CSV line longer than 128 K characters is not a table row
MAX_XLSX_ROWS = 1_048_576  # Excel's own sheet limit
MAX_XLSX_EXPANDED_MB = 1024  # sheet XML once unzipped: a 10 MB zip bomb can expand to 3 GB
MAX_ABS_AMOUNT = 1e9  # an amount, margin or discount beyond +-1 bn is a broken export, refused
MAX_ABS_RESULT_VALUE = 1e15  # result-file values beyond this are kept as text, not numbers

# Sign-in (editor password): wrong guesses make the next one wait, per session and per address
SIGN_IN_FREE_GUESSES = 1  # wrong guesses before any wait
SIGN_IN_DELAY_BASE_SECONDS = 1.0  # then 1, 2, 4, 8, ... seconds
SIGN_IN_DELAY_MAX_SECONDS = 300.0
SIGN_IN_TRACKED_KEYS = 10_000  # sessions + addresses remembered before the table is reset

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
