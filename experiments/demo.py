"""Seeded synthetic store with known true effects: the embedded default and the benchmark data.

Customers arrive over two years and buy like a BG/NBD population: each has a purchase rate
(gamma across customers) and after every repeat purchase drops out with a probability (beta
across customers); order values are lognormal around a per-customer level. Customers active in
the year before the experiment start form its audience and are randomized to four arms.

The true effects are *sample* average treatment effects from potential outcomes: every audience
customer's post-start behaviour is simulated under every arm from the same random draws (the
baseline orders are shared; an arm adds "nudged" orders whose chance and timing it sets, and the
discount takes 10 % off redeemed orders while it is valid). known_effects stores
mean(Y_arm - Y_control) over the audience, with the metric definitions of experiments.metrics,
so "the truth lies inside the reported 95 % CI" is a fair test. Only the assigned arm's orders
are written as transactions. known_effects also holds each arm's true 12-month future value,
FUTURE_MARGIN_METRIC: the extra discounted margin after discounts in the 12 months after the
data end (what `clv.project_arms` projects), from the same potential outcomes.

Everything is vectorised numpy, generated and written in chunks of customers, so 5 million
customers (about 50 million transactions) fit in a few GB.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, cast, get_args

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from experiments import catalogue, clv, config, stats
from experiments.i18n.text import Text, counted, numeral, short_date
from experiments.progress import Progress
from experiments.store import Store, StoreError, demo_writes

__all__ = [
    "ARMS",
    "DATA_END",
    "DATA_START",
    "EXPERIMENT_START",
    "FUTURE_MARGIN_METRIC",
    "METRICS",
    "DemoArm",
    "Progress",
    "seed_demo",
    "seed_demo_if_empty",
]

ArmKind = Literal["control", "discount", "gift", "outreach", "custom"]
Metric = Literal["repeat_purchase", "orders", "revenue", "net_value"]
# the catalogue's tested metrics: the ones with effect rows to check the known truths against
METRICS = cast(tuple[Metric, ...], tuple(m.name for m in catalogue.METRICS if m.tested))
assert set(METRICS) == set(get_args(Metric))
# known_effects metric of the true future value: extra margin (after discounts) per customer in
# the FUTURE_MONTHS months after the data end, discounted monthly like the CLV projection
FUTURE_MARGIN_METRIC = "future_margin_12m"
FUTURE_MONTHS = 12
FUTURE_HORIZON_DAYS = 365

DATA_START = datetime(2024, 11, 1)
DATA_END = datetime(2026, 11, 1)  # exclusive: the last day of data is 2026-10-31
EXPERIMENT_START = datetime(2026, 4, 1, 9, 0)  # 180-day windows end 2026-09-28, fully observed
AUDIENCE_LOOKBACK_DAYS = 365
CHUNK_CUSTOMERS = 250_000  # part of the data's definition: changing it changes seeded data

DAY = 86_400
_SPAN = int((DATA_END - DATA_START).total_seconds())
_START = int((EXPERIMENT_START - DATA_START).total_seconds())
_EPOCH = int((DATA_START - datetime(1970, 1, 1)).total_seconds())
_NUDGES = 4  # at most this many extra orders per customer and arm
_MAX_RESPONSE = 0.6


@dataclass(frozen=True)
class DemoArm:
    """One arm of the demo experiment: what is stored in `arms` plus how it moves customers.

    Attributes:
        name: arm name, also the `arm` of its known_effects rows.
        kind: arm kind as stored.
        discount_pct: percent off list price on redeemed orders (discount arm).
        redemption_share: chance an order in the validity window uses the discount.
        cost_per_customer: fixed cost per assigned customer (gift incl. delivery; outreach
            minutes x hourly cost).
        params: arm parameters as stored (JSON).
        response: chance the lever triggers a first extra ("nudged") order, for a customer
            with the population's mean purchase rate.
        rate_elasticity: the chance scales with (rate / mean rate) ** this, capped at
            `max_response`: below zero the lever reaches lapsed customers (deal seekers),
            above zero it rewards frequent buyers.
        follow_on: chance each nudged order is followed by one more (up to three).
        response_days: mean days between nudged orders; short = fast fading effect.
        basket_multiplier: nudged orders are this much larger than the customer's usual.
    """

    name: str
    kind: ArmKind
    discount_pct: float = 0.0
    redemption_share: float = 1.0
    cost_per_customer: float = 0.0
    params: dict[str, float] = field(default_factory=dict)
    response: float = 0.0
    rate_elasticity: float = 0.0
    follow_on: float = 0.0
    response_days: float = 1.0
    basket_multiplier: float = 1.0

    @property
    def validity_days(self) -> float:
        return self.params.get("validity_days", 0.0)


_GIFT = {"gift_cost": 180.0, "delivery_cost": 70.0}
_OUTREACH = {"minutes": 8.0, "hourly_cost": 1200.0}
ARMS: tuple[DemoArm, ...] = (
    DemoArm("Control", "control"),
    DemoArm(
        "10% discount",
        "discount",
        discount_pct=10.0,
        redemption_share=0.85,
        params={"validity_days": 60.0},
        response=0.04,
        rate_elasticity=-1.0,
        follow_on=0.1,
        response_days=8.0,
        basket_multiplier=0.85,
    ),
    DemoArm(
        "Surprise gift",
        "gift",
        cost_per_customer=_GIFT["gift_cost"] + _GIFT["delivery_cost"],
        params=_GIFT,
        response=0.13,
        rate_elasticity=0.8,
        follow_on=0.75,
        response_days=14.0,
        basket_multiplier=1.2,
    ),
    DemoArm(
        "Personal outreach",
        "outreach",
        cost_per_customer=_OUTREACH["minutes"] / 60 * _OUTREACH["hourly_cost"],
        params=_OUTREACH,
        response=0.13,
        rate_elasticity=0.6,
        follow_on=0.8,
        response_days=10.0,
        basket_multiplier=1.35,
    ),
)

# the demo's plan: equal arms (`stats.equal_split`), by position
_DEMO_SHARES = list(stats.equal_split(range(len(ARMS))).values())
_VALIDITY_ENDS_IN_DATA = all(arm.validity_days * DAY < _SPAN - _START for arm in ARMS)
assert _VALIDITY_ENDS_IN_DATA, "future_margin assumes every coupon expires before the data ends"


@dataclass(frozen=True)
class _Behaviour:
    """Population parameters of the baseline (untreated) buying behaviour."""

    rate_shape: float = 0.8  # gamma shape of purchases per day across customers
    rate_scale: float = 0.06  # gamma scale: mean rate = shape x scale per day
    dropout_a: float = 1.2  # beta(a, b) chance to drop out after each repeat purchase
    dropout_b: float = 18.0
    order_median: float = 2500.0  # RUB, list price
    customer_spread: float = 0.45  # sd of log customer level
    order_spread: float = 0.55  # sd of log order value around the customer level
    min_order: float = 150.0
    channels: tuple[str, ...] = ("web", "app", "store")
    channel_shares: tuple[float, ...] = (0.40, 0.35, 0.25)
    margin_rates: tuple[float, ...] = (0.40, 0.43, 0.36)  # before discount, by channel
    margin_jitter: float = 0.04  # category mix moves an order's rate by up to this
    favourite_channel_share: float = 0.75


BEHAVIOUR = _Behaviour()
_CITIES = (
    ("Moscow", 0.34),
    ("Saint Petersburg", 0.20),
    ("Novosibirsk", 0.09),
    ("Yekaterinburg", 0.09),
    ("Kazan", 0.09),
    ("Nizhny Novgorod", 0.07),
    ("Samara", 0.06),
    ("Krasnodar", 0.06),
)
_AGE_BANDS = (("18-24", 0.12), ("25-34", 0.30), ("35-44", 0.27), ("45-54", 0.18), ("55+", 0.13))
_TIERS = ("bronze", "silver", "gold")
_TIER_QUANTILES = (0.65, 0.90)  # bronze below, gold above, on a noisy customer value score


# -- public entry points -----------------------------------------------------------------------
def seed_demo(
    store: Store,
    *,
    customers: int = config.DEMO_CUSTOMERS,
    seed: int = config.DEMO_SEED,
    replace: bool = False,
    progress: Progress | None = None,
) -> str:
    """Write the demo data set; returns a one-line summary.

    The whole write is one transaction: with `replace` the old data tables are emptied in it,
    so a failure part-way (or Ctrl-C) leaves the previous store exactly as it was.

    Args:
        store: the store to fill.
        customers: number of customers; about 10 transactions each.
        seed: seed of every random draw; the same (customers, seed) gives identical data.
        replace: empty the data tables first. Without it a store holding data is refused.
        progress: called with (fraction done, text) after each chunk of customers.

    Raises:
        StoreError: customers < 1, or the store holds data and replace is False.
    """
    if customers < 1:
        raise StoreError(Text("store.error.demo_customers", customers=customers))
    report = progress or (lambda fraction, text: None)
    chunks = math.ceil(customers / CHUNK_CUSTOMERS)
    width = max(7, len(str(customers - 1)))
    parameters = {"generator": "loyalty-lab demo v1", "customers": customers, "seed": seed}
    file_name = str(Text("demo.file_name", customers=str(customers), seed=seed))
    with store.transaction() as cur:
        if replace:
            demo_writes.wipe_data(cur)
        elif demo_writes.holds_data(cur):
            raise StoreError(Text("store.error.demo_not_empty"))
        upload_id = demo_writes.insert_upload(
            cur,
            file_name=file_name,
            sha256=hashlib.sha256(json.dumps(parameters, sort_keys=True).encode()).hexdigest(),
            kind="demo",
            target_table="transactions",
            loaded_at=datetime.now().replace(microsecond=0),
            status="loaded",
        )
        experiment_id = _write_experiment(cur, customers=customers, seed=seed)
        totals = _Totals()
        for chunk in range(chunks):
            first = chunk * CHUNK_CUSTOMERS
            size = min(CHUNK_CUSTOMERS, customers - first)
            output = _simulate_chunk(
                seed=seed,
                chunk=chunk,
                first_customer=first,
                customers=size,
                first_order=totals.transactions,
                width=width,
            )
            _write_chunk(cur, output, upload_id=upload_id, experiment_id=experiment_id)
            totals.add(output)
            del output  # before the next chunk is generated: one chunk in memory at a time
            report(
                (chunk + 1) / (chunks + 1),
                Text(
                    "progress.demo_chunk",
                    done=numeral(first + size),
                    customers=numeral(customers),
                    transactions=numeral(totals.transactions),
                ),
            )
        demo_writes.insert_known_effects(cur, experiment_id, totals.known_effects())
        summary = Text(
            "demo.summary",
            customers=counted(customers, "customers"),
            transactions=counted(totals.transactions, "transactions"),
            first=short_date(DATA_START),
            last=short_date(DATA_END - timedelta(days=1)),
            name=repr(config.DEMO_EXPERIMENT_NAME),
            audience=counted(totals.audience, "customers"),
            arms=counted(len(ARMS), "arms"),
            seed=seed,
        )
        demo_writes.finish_upload(
            cur,
            upload_id,
            rows=totals.transactions,
            message=str(summary),
            experiment_id=experiment_id,
        )
        report(chunks / (chunks + 1), Text("progress.demo_committing"))
    report(1.0, Text("progress.demo_done"))
    return summary


def seed_demo_if_empty(store: Store, progress: Progress | None = None) -> bool:
    """Seed the default demo data set on first start; True when it did.

    A store holding any transactions, experiments or campaign results is left alone, so the
    app never overwrites a user's data.
    """
    if not store.is_empty():
        return False
    try:
        seed_demo(
            store,
            customers=config.DEMO_CUSTOMERS,
            seed=config.DEMO_SEED,
            replace=False,
            progress=progress,
        )
    except StoreError:
        if not store.is_empty():  # another process seeded it meanwhile
            return False
        raise
    return True


# -- experiment metadata -----------------------------------------------------------------------
def _write_experiment(cur: demo_writes.Cursor, *, customers: int, seed: int) -> int:
    experiment_id = demo_writes.insert_experiment(
        cur,
        name=config.DEMO_EXPERIMENT_NAME,
        status="completed",
        hypothesis=(
            "A 10% discount lifts repeat purchase most, but a surprise gift or a personal call "
            "earns more net of its cost."
        ),
        salt=f"demo-seed-{seed}",
        primary_metric="repeat_purchase",
        horizon_days=config.DEFAULT_HORIZON_DAYS,
        source="demo",
        settings={
            "demo": {"customers": customers, "seed": seed, "generator": "loyalty-lab demo v1"},
            "audience": f"customers with a purchase in the {AUDIENCE_LOOKBACK_DAYS} days "
            "before the start",
            "randomization": "complete randomization, equal arms, numpy Generator from the seed",
            "horizons_days": list(config.HORIZONS_DAYS),
        },
        created_at=EXPERIMENT_START - timedelta(days=14),
        started_at=EXPERIMENT_START,
        ended_at=EXPERIMENT_START + timedelta(days=max(config.HORIZONS_DAYS)),
    )
    for arm_id, arm in enumerate(ARMS, start=1):
        demo_writes.insert_arm(
            cur,
            experiment_id=experiment_id,
            arm_id=arm_id,
            name=arm.name,
            kind=arm.kind,
            allocation=_DEMO_SHARES[arm_id - 1],
            discount_pct=arm.discount_pct,
            redemption_share=arm.redemption_share,
            cost_per_customer=arm.cost_per_customer,
            params=dict(arm.params),
        )
    return experiment_id


# -- simulation --------------------------------------------------------------------------------
@dataclass
class _ChunkOutput:
    customers: pa.Table
    attributes: pa.Table
    transactions: pa.Table
    assignments: pa.Table
    effect_sums: np.ndarray  # (arms, metrics, horizons): sum over audience of Y_arm - Y_control
    audience: int
    future_sums: np.ndarray  # (arms,): sum over audience of future margin, arm minus control


@dataclass
class _Totals:
    transactions: int = 0
    audience: int = 0
    effect_sums: np.ndarray = field(
        default_factory=lambda: np.zeros((len(ARMS), len(METRICS), len(config.HORIZONS_DAYS)))
    )
    future_sums: np.ndarray = field(default_factory=lambda: np.zeros(len(ARMS)))

    def add(self, output: _ChunkOutput) -> None:
        self.transactions += output.transactions.num_rows
        self.audience += output.audience
        self.effect_sums += output.effect_sums
        self.future_sums += output.future_sums

    def known_effects(self) -> list[tuple[str, str, int, float]]:
        if self.audience == 0:
            return []
        means = self.effect_sums / self.audience
        future = self.future_sums / self.audience
        return [
            (arm.name, metric, horizon, float(means[a, m, h]))
            for a, arm in enumerate(ARMS)
            if arm.kind != "control"
            for m, metric in enumerate(METRICS)
            for h, horizon in enumerate(config.HORIZONS_DAYS)
        ] + [
            (arm.name, FUTURE_MARGIN_METRIC, FUTURE_HORIZON_DAYS, float(future[a]))
            for a, arm in enumerate(ARMS)
            if arm.kind != "control"
        ]


def _shop_hours(seconds: np.ndarray) -> np.ndarray:
    """Squeeze each day's 24 hours into 08:00-23:00 (monotone, so order is kept)."""
    day_start = seconds - seconds % DAY
    return day_start + 8 * 3600 + (seconds % DAY) * 15 // 24


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    text = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, text, "")


def _timestamps(seconds_from_start: np.ndarray) -> pa.Array:
    return pa.array(seconds_from_start + _EPOCH, type=pa.timestamp("s"))


def _choice(rng: np.random.Generator, weights: tuple[float, ...], size: int) -> np.ndarray:
    cumulative = np.cumsum(weights)
    codes = np.searchsorted(cumulative / cumulative[-1], rng.random(size), side="right")
    return np.minimum(codes, len(weights) - 1).astype(np.int8)


def _repeat_purchase_times(
    rng: np.random.Generator, first: np.ndarray, rate: np.ndarray, dropout: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Repeat purchase times (seconds, customer-major, ascending) and the count per customer.

    A Poisson process of the customer's rate on (first purchase, data end] holds M events; the
    customer drops out after a geometric number D of repeat purchases, so the first
    K = min(M, D) events are observed. The first K of M sorted uniforms are drawn directly:
    cumsum(E_1..E_K) / (E_1 + ... + E_K + Gamma(M - K + 1)), so no discarded event is drawn.
    """
    observed = (_SPAN - first) / DAY
    events = rng.poisson(rate * observed)
    lifetime = rng.geometric(dropout)
    count = np.minimum(events, lifetime)
    gaps = rng.standard_exponential(int(count.sum()))
    running = np.cumsum(gaps)
    ends = np.cumsum(count)
    before = np.concatenate(([0.0], running))[ends - count]
    local = running - np.repeat(before, count)
    last = np.where(count > 0, np.concatenate(([0.0], local))[ends], 0.0)
    total = last + rng.gamma(events - count + 1)
    fraction = local / np.repeat(total, count)
    times = np.repeat(first, count) + (fraction * np.repeat(_SPAN - first, count)).astype(np.int64)
    return times, count


def _simulate_chunk(
    *, seed: int, chunk: int, first_customer: int, customers: int, first_order: int, width: int
) -> _ChunkOutput:
    rng = np.random.default_rng([seed, chunk])
    assign_rng = np.random.default_rng([seed, chunk, 1])
    b = BEHAVIOUR
    n = customers

    # customers: arrival, latent rate, dropout, spend level, favourite channel, attributes
    first = rng.integers(0, _SPAN, n)
    rate = rng.gamma(b.rate_shape, b.rate_scale, n)
    dropout = rng.beta(b.dropout_a, b.dropout_b, n)
    level = math.log(b.order_median) + b.customer_spread * rng.standard_normal(n)
    favourite = _choice(rng, b.channel_shares, n)
    city = _choice(rng, tuple(w for _, w in _CITIES), n)
    age = _choice(rng, tuple(w for _, w in _AGE_BANDS), n)
    score = np.log(rate) + level + 0.5 * rng.standard_normal(n)
    tier = np.searchsorted(np.quantile(score, _TIER_QUANTILES), score).astype(np.int8)

    # baseline orders: first purchase, then repeats; customer-major, ascending in time
    repeats, count = _repeat_purchase_times(rng, first, rate, dropout)
    per_customer = count + 1
    owner = np.repeat(np.arange(n), per_customer)
    is_first = np.zeros(owner.size, dtype=bool)
    is_first[np.cumsum(per_customer) - per_customer] = True
    ts = np.empty(owner.size, dtype=np.int64)
    ts[is_first] = first
    ts[~is_first] = repeats
    del repeats, is_first
    ts = _shop_hours(ts)
    list_price = _prices(rng, level[owner], b)
    channel = np.where(
        rng.random(owner.size) < b.favourite_channel_share,
        favourite[owner],
        _choice(rng, b.channel_shares, owner.size),
    )
    margin = _margins(rng, list_price, channel, b)
    discount = np.zeros(owner.size)

    # audience: a purchase in the lookback year before the start
    lookback = (ts >= _START - AUDIENCE_LOOKBACK_DAYS * DAY) & (ts < _START)
    audience = np.flatnonzero(np.bincount(owner[lookback], minlength=n) > 0)
    m = audience.size
    position = np.full(n, -1)
    position[audience] = np.arange(m)
    assigned = assign_rng.permutation(np.arange(m) % len(ARMS))

    # baseline orders after the start, shared by every arm's potential outcome
    after = np.flatnonzero((position[owner] >= 0) & (ts > _START))
    who = position[owner[after]]
    offset = ts[after] - _START
    redeem_draw = rng.random(after.size)
    nudges = _draw_nudges(rng, m)

    effect_sums = np.zeros((len(ARMS), len(METRICS), len(config.HORIZONS_DAYS)))
    outcomes = [
        _arm_outcomes(
            arm,
            nudges=nudges,
            level=level[audience],
            relative_rate=rate[audience] / (b.rate_shape * b.rate_scale),
            favourite=favourite[audience],
            who=who,
            offset=offset,
            list_price=list_price[after],
            margin=margin[after],
            redeem_draw=redeem_draw,
            audience=m,
            behaviour=b,
        )
        for arm in ARMS
    ]
    control = outcomes[0].metrics
    for a, outcome in enumerate(outcomes):
        effect_sums[a] = (outcome.metrics - control).sum(axis=2)
    future = np.array([outcome.future_margin() for outcome in outcomes])
    future_sums = future - future[0]

    # store what the assigned arm did: its discounts and its nudged orders
    for a, outcome in enumerate(outcomes):
        mine = assigned[who] == a
        discount[after[mine]] = outcome.base_discount[mine]
    extra = [outcome.nudged_orders(assigned == a) for a, outcome in enumerate(outcomes)]
    extra_who = np.concatenate([e.who for e in extra])
    keep_ts = np.concatenate([e.ts for e in extra])
    order = np.lexsort(
        (np.concatenate([ts, keep_ts]), np.concatenate([owner, audience[extra_who]]))
    )
    owner = np.concatenate([owner, audience[extra_who]])[order]
    ts = np.concatenate([ts, keep_ts])[order]
    list_price = np.concatenate([list_price, *[e.list_price for e in extra]])[order]
    margin = np.concatenate([margin, *[e.margin for e in extra]])[order]
    discount = np.concatenate([discount, *[e.discount for e in extra]])[order]
    channel = np.concatenate([channel, *[e.channel for e in extra]])[order]

    customer_ids = _ids("C", np.arange(first_customer, first_customer + n), width)
    first_seen = _shop_hours(first)  # nudged orders come after the start, never first
    channels = pa.DictionaryArray.from_arrays(pa.array(channel), list(b.channels))
    transactions = pa.table(
        {
            "order_id": _ids("O", np.arange(first_order, first_order + owner.size), 9),
            "customer_id": pc.take(customer_ids, pa.array(owner)),
            "ts": _timestamps(ts),
            "amount": np.round(list_price - discount, 2),
            "margin": margin,
            "channel": channels,
            "discount": discount,
        }
    )
    attribute_names = pa.DictionaryArray.from_arrays(
        pa.array(np.repeat(np.arange(3, dtype=np.int8), n)), ["city", "loyalty_tier", "age_band"]
    )
    vocabulary = [c for c, _ in _CITIES] + list(_TIERS) + [a for a, _ in _AGE_BANDS]
    value_codes = np.concatenate([city, tier + len(_CITIES), age + len(_CITIES) + len(_TIERS)])
    attributes = pa.table(
        {
            "customer_id": pa.concat_arrays([customer_ids] * 3),
            "name": attribute_names,
            "value": pa.DictionaryArray.from_arrays(pa.array(value_codes), vocabulary),
        }
    )
    assignments = pa.table(
        {
            "customer_id": pc.take(customer_ids, pa.array(audience)),
            "arm_id": pa.array(assigned + 1, type=pa.int32()),
            "assigned_at": _timestamps(np.full(m, _START, dtype=np.int64)),
        }
    )
    return _ChunkOutput(
        customers=pa.table({"customer_id": customer_ids, "first_seen": _timestamps(first_seen)}),
        attributes=attributes,
        transactions=transactions,
        assignments=assignments,
        effect_sums=effect_sums,
        audience=m,
        future_sums=future_sums,
    )


def _prices(rng: np.random.Generator, level: np.ndarray, b: _Behaviour) -> np.ndarray:
    """List prices in whole roubles: lognormal around each order's customer level."""
    raw = np.exp(level + b.order_spread * rng.standard_normal(level.size))
    return np.maximum(np.round(raw), b.min_order)


def _margins(
    rng: np.random.Generator, list_price: np.ndarray, channel: np.ndarray, b: _Behaviour
) -> np.ndarray:
    rate = np.asarray(b.margin_rates)[channel] + rng.uniform(
        -b.margin_jitter, b.margin_jitter, list_price.size
    )
    return np.round(list_price * rate, 2)


@dataclass(frozen=True)
class _Nudges:
    """Common random numbers for the nudged orders, shape (_NUDGES, audience) each."""

    response: np.ndarray
    gaps: np.ndarray
    size: np.ndarray
    other_channel: np.ndarray
    use_favourite: np.ndarray
    margin_jitter: np.ndarray
    redeem: np.ndarray


def _draw_nudges(rng: np.random.Generator, m: int) -> _Nudges:
    shape = (_NUDGES, m)
    return _Nudges(
        response=rng.random(shape),
        gaps=rng.standard_exponential(shape),
        size=rng.standard_normal(shape),
        other_channel=_choice(rng, BEHAVIOUR.channel_shares, _NUDGES * m).reshape(shape),
        use_favourite=rng.random(shape),
        margin_jitter=rng.uniform(-1, 1, shape),
        redeem=rng.random(shape),
    )


@dataclass(frozen=True)
class _NudgedOrders:
    who: np.ndarray  # audience position
    ts: np.ndarray
    list_price: np.ndarray
    margin: np.ndarray
    discount: np.ndarray
    channel: np.ndarray


@dataclass(frozen=True)
class _ArmOutcome:
    """One arm's potential outcomes for the whole audience of a chunk.

    Attributes:
        metrics: (metrics, horizons, audience) values of each customer under this arm.
        base_discount: discount on each shared baseline order after the start under this arm.
        occurs, ts, list_price, margin, discount, channel: the nudged orders, (_NUDGES, m).
    """

    metrics: np.ndarray
    base_discount: np.ndarray
    occurs: np.ndarray
    ts: np.ndarray
    list_price: np.ndarray
    margin: np.ndarray
    discount: np.ndarray
    channel: np.ndarray

    def future_margin(self) -> float:
        """Total discounted margin after discounts of the nudged orders in the FUTURE_MONTHS
        months after the data end, each month's at (1 + rate)^-month as `clv.expected_clv`
        discounts. The shared baseline orders are the same under every arm and cancel in the
        difference; so do their discounts, which end with the coupon's validity, before the
        data does (see `_VALIDITY_ENDS_IN_DATA`)."""
        month = clv.DAYS_PER_MONTH * DAY
        months = np.ceil((self.ts - _SPAN) / month)
        future = self.occurs & (self.ts > _SPAN) & (months <= FUTURE_MONTHS)
        factor = (1.0 + config.MONTHLY_DISCOUNT_RATE) ** -np.where(future, months, 0.0)
        return float(((self.margin - self.discount) * factor * future).sum())

    def nudged_orders(self, customers: np.ndarray) -> _NudgedOrders:
        """The nudged orders of the given audience customers (bool mask) inside the data."""
        mask = self.occurs & customers[np.newaxis, :] & (self.ts < _SPAN)
        return _NudgedOrders(
            who=np.nonzero(mask)[1],
            ts=self.ts[mask],
            list_price=self.list_price[mask],
            margin=self.margin[mask],
            discount=self.discount[mask],
            channel=self.channel[mask],
        )


def _arm_outcomes(
    arm: DemoArm,
    *,
    nudges: _Nudges,
    level: np.ndarray,
    relative_rate: np.ndarray,
    favourite: np.ndarray,
    who: np.ndarray,
    offset: np.ndarray,
    list_price: np.ndarray,
    margin: np.ndarray,
    redeem_draw: np.ndarray,
    audience: int,
    behaviour: _Behaviour,
) -> _ArmOutcome:
    b = behaviour
    m = audience

    def discount_on(prices: np.ndarray, since_start: np.ndarray, draw: np.ndarray) -> np.ndarray:
        if arm.discount_pct <= 0:
            return np.zeros(prices.shape)
        valid = (since_start <= arm.validity_days * DAY) & (draw < arm.redemption_share)
        return np.where(valid, np.round(prices * arm.discount_pct / 100, 2), 0.0)

    base_discount = discount_on(list_price, offset, redeem_draw)

    chance = np.full((_NUDGES, m), arm.follow_on)
    chance[0] = np.minimum(arm.response * relative_rate**arm.rate_elasticity, _MAX_RESPONSE)
    occurs = np.logical_and.accumulate(nudges.response < chance, axis=0)
    nudge_ts = _shop_hours(
        _START + np.ceil(np.cumsum(nudges.gaps, axis=0) * arm.response_days * DAY).astype(np.int64)
    )
    nudge_offset = nudge_ts - _START
    nudge_price = np.maximum(
        np.round(np.exp(level + b.order_spread * nudges.size) * arm.basket_multiplier),
        b.min_order,
    )
    nudge_channel = np.where(
        nudges.use_favourite < b.favourite_channel_share, favourite, nudges.other_channel
    ).astype(np.int8)
    rate = np.asarray(b.margin_rates)[nudge_channel] + b.margin_jitter * nudges.margin_jitter
    nudge_margin = np.round(nudge_price * rate, 2)
    nudge_discount = discount_on(nudge_price, nudge_offset, nudges.redeem)

    metrics = np.zeros((len(METRICS), len(config.HORIZONS_DAYS), m))
    for h, horizon in enumerate(config.HORIZONS_DAYS):
        window = offset <= horizon * DAY
        in_window = occurs & (nudge_offset > 0) & (nudge_offset <= horizon * DAY)
        orders = np.bincount(who[window], minlength=m) + in_window.sum(axis=0)
        paid = list_price[window] - base_discount[window]
        revenue = np.bincount(who[window], weights=paid, minlength=m) + (
            (nudge_price - nudge_discount) * in_window
        ).sum(axis=0)
        gross = np.bincount(who[window], weights=margin[window], minlength=m) + (
            nudge_margin * in_window
        ).sum(axis=0)
        cost = (
            np.bincount(who[window], weights=base_discount[window], minlength=m)
            + (nudge_discount * in_window).sum(axis=0)
            + arm.cost_per_customer
        )
        metrics[0, h] = orders > 0
        metrics[1, h] = orders
        metrics[2, h] = revenue
        metrics[3, h] = gross - cost
    return _ArmOutcome(
        metrics=metrics,
        base_discount=base_discount,
        occurs=occurs,
        ts=nudge_ts,
        list_price=nudge_price,
        margin=nudge_margin,
        discount=nudge_discount,
        channel=nudge_channel,
    )


def _write_chunk(
    cur: demo_writes.Cursor, output: _ChunkOutput, *, upload_id: int, experiment_id: int
) -> None:
    def with_ids(table: pa.Table, *, experiment: bool = False) -> pa.Table:
        rows = table.num_rows
        table = table.append_column("upload_id", pa.array(np.full(rows, upload_id)))
        if experiment:
            table = table.append_column("experiment_id", pa.array(np.full(rows, experiment_id)))
        return table

    demo_writes.append_batch(cur, "customers", output.customers)
    demo_writes.append_batch(cur, "customer_attributes", with_ids(output.attributes))
    demo_writes.append_batch(cur, "transactions", with_ids(output.transactions))
    demo_writes.append_batch(cur, "assignments", with_ids(output.assignments, experiment=True))
