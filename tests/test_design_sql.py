"""Design SQL on a fresh store: features, RFM, audiences, planner inputs, lifecycle, export, CLI."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import config, design, experiment
from experiments.__main__ import main as cli
from experiments.design import ArmSpec, AudienceFilter, ExperimentSpec
from experiments.store import Store, StoreError
from experiments.store import design_sql as ds
from tests.rfm_rule import segment_rule

END = datetime(2026, 6, 30, 12, 0)
AS_OF = date(2026, 7, 1)
CONTROL = ArmSpec("control", "control")
GIFT = ArmSpec("gift", "gift", gift_cost=300.0)
DISCOUNT = ArmSpec("10% off", "discount", discount_pct=10.0, redemption_share=0.4)


def synthetic_transactions(customers: int = 1500, seed: int = 1, days: int = 540) -> pd.DataFrame:
    """Customers with gamma-distributed purchase rates over `days` days up to END."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(1.2, 1 / 120, customers)
    counts = rng.poisson(rate * days) + 1
    customer = np.repeat(np.arange(customers), counts)
    offsets = rng.uniform(0, days, customer.size)
    amount = np.round(rng.lognormal(7, 0.5, customer.size) * (1 + 0.3 * (customer % 3)), 2)
    amount[rng.random(customer.size) < 0.02] *= -1  # a few refunds
    return pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(customer.size)],
            "customer_id": [f"c{c:05d}" for c in customer],
            "ts": pd.to_datetime(END) - pd.to_timedelta(offsets, unit="D"),
            "amount": amount,
            "margin": np.where(customer % 5 == 0, np.nan, amount * 0.3),
            "channel": np.where(rng.random(customer.size) < 0.3, "store", "online"),
            "discount": np.where(
                (customer % 7 == 0) & (amount > 0), np.round(amount * 0.1, 2), 0.0
            ),
            "upload_id": 1,
        }
    )


def load(store: Store, frame: pd.DataFrame) -> None:
    with store.transaction() as cur:
        cur.register("src", frame)
        cur.execute("INSERT INTO transactions SELECT * FROM src")
        cur.unregister("src")


@pytest.fixture
def filled(store):
    frame = synthetic_transactions()
    load(store, frame)
    with store.transaction() as cur:
        attrs = pd.DataFrame(
            {
                "customer_id": [f"c{i:05d}" for i in range(0, 1500, 3)],
                "name": "city",
                "value": ["Moscow", "Kazan"] * 250,
                "upload_id": 2,
            }
        )
        cur.register("a", attrs)
        cur.execute("INSERT INTO customer_attributes SELECT * FROM a")
        cur.unregister("a")
    store.frame = frame  # type: ignore[attr-defined]
    return store


def pandas_features(frame: pd.DataFrame, as_of: date, lookback: int) -> pd.DataFrame:
    cutoff = pd.Timestamp(as_of)
    before = frame[frame["ts"] < cutoff]
    window = before[before["ts"] >= cutoff - pd.Timedelta(days=lookback)]
    buys = before[before["amount"] > 0]
    out = pd.DataFrame(
        {
            "last": buys.groupby("customer_id")["ts"].max(),
            "first": buys.groupby("customer_id")["ts"].min(),
        }
    )
    out["recency_days"] = (cutoff - out["last"].dt.normalize()).dt.days
    out["tenure_days"] = (cutoff - out["first"].dt.normalize()).dt.days
    out["frequency"] = window[window["amount"] > 0].groupby("customer_id")["order_id"].nunique()
    out["monetary"] = window.groupby("customer_id")["amount"].sum()
    out["channel"] = buys.sort_values("ts").groupby("customer_id")["channel"].last()
    return out.fillna({"frequency": 0, "monetary": 0.0})


# -- features and RFM ----------------------------------------------------------------------------
def test_features_equal_a_pandas_computation(filled):
    features = ds.customer_features(filled.cursor(), AS_OF, 365).set_index("customer_id")
    expected = pandas_features(filled.frame, AS_OF, 365)
    assert len(features) == len(expected)
    joined = features.join(expected.add_suffix("_pd"))
    for column in ("recency_days", "tenure_days", "frequency"):
        assert (joined[column] == joined[f"{column}_pd"]).all(), column
    np.testing.assert_allclose(joined["monetary"], joined["monetary_pd"], rtol=1e-9)
    assert (joined["channel"] == joined["channel_pd"]).all()


def test_rfm_scores_and_segments_follow_the_documented_rule(filled):
    f = ds.customer_features(filled.cursor(), AS_OF, 365)
    for column in ("r_score", "f_score", "m_score"):
        assert f[column].between(1, 5).all()
    # R: fewer days since purchase never scores lower
    by_recency = f.sort_values("recency_days")
    assert by_recency["r_score"].is_monotonic_decreasing
    assert f.groupby("r_score").size().min() > 0.1 * len(f)  # quintiles, roughly
    r, fr, m, tenure = f["r_score"], f["f_score"], f["m_score"], f["tenure_days"]
    rule = segment_rule(r, fr, m, tenure, ds.NEW_CUSTOMER_DAYS)
    assert (f["segment"] == rule).all()
    champions = f[f["segment"] == "champions"]["monetary"].mean()
    lost = f[f["segment"] == "lost"]["monetary"].mean()
    assert champions > 2 * lost


def test_rfm_summary_lists_every_segment_and_adds_up(filled):
    summary = ds.rfm_segments(filled.cursor(), AS_OF)
    assert list(summary["segment"]) == list(design.RFM_SEGMENTS)
    features = ds.customer_features(filled.cursor(), AS_OF)
    assert summary["customers"].sum() == len(features)
    assert summary["revenue_share"].sum() == pytest.approx(1.0)
    assert summary["repeat_rate"].between(0, 1).all()
    empty = ds.rfm_segments(Store(Path(filled.path).with_name("empty.duckdb")).cursor(), AS_OF)
    assert empty["customers"].sum() == 0 and not empty.isna().any().any()


# -- audience ------------------------------------------------------------------------------------
FILTERS = [
    (AudienceFilter(recency_max=30), lambda f: f["recency_days"] <= 30),
    (AudienceFilter(recency_min=90, recency_max=180), lambda f: f["recency_days"].between(90, 180)),
    (AudienceFilter(frequency_min=3), lambda f: f["frequency"] >= 3),
    (
        AudienceFilter(monetary_min=5000, monetary_max=20000),
        lambda f: f["monetary"].between(5000, 20000),
    ),
    (AudienceFilter(tenure_min=365), lambda f: f["tenure_days"] >= 365),
    (
        AudienceFilter(segments=("champions", "at risk")),
        lambda f: f["segment"].isin(["champions", "at risk"]),
    ),
    (
        AudienceFilter(r_scores=(5,), f_scores=(4, 5)),
        lambda f: (f["r_score"] == 5) & f["f_score"].isin([4, 5]),
    ),
    (AudienceFilter(m_scores=(1,)), lambda f: f["m_score"] == 1),
    (AudienceFilter(channels=("store",)), lambda f: f["channel"] == "store"),
]


@pytest.mark.parametrize(("filters", "expected"), FILTERS)
def test_audience_size_equals_filtering_the_features(filled, filters, expected):
    cur = filled.cursor()
    features = ds.customer_features(cur, AS_OF, 365)
    summary = ds.audience(cur, filters)
    assert summary.as_of == AS_OF  # the day after the last transaction
    assert summary.customers == int(expected(features).sum()) > 0
    assert summary.histogram["customers"].sum() == summary.customers
    chosen = features[expected(features)]
    assert summary.spend_mean == pytest.approx(chosen["monetary"].mean())


def test_attribute_filters_are_bound_values(filled):
    cur = filled.cursor()
    moscow = ds.audience(cur, AudienceFilter(attributes=(("city", ("Moscow",)),)))
    both = ds.audience(cur, AudienceFilter(attributes=(("city", ("Moscow", "Kazan")),)))
    buyers = set(ds.customer_features(cur, AS_OF)["customer_id"])
    city = {f"c{i:05d}": ["Moscow", "Kazan"][k % 2] for k, i in enumerate(range(0, 1500, 3))}
    assert moscow.customers == sum(c in buyers for c, v in city.items() if v == "Moscow") > 200
    assert both.customers == len(buyers & set(city))
    # a second attribute name must also match: nobody has 'tier'
    nobody = ds.audience(
        cur, AudienceFilter(attributes=(("city", ("Moscow",)), ("tier", ("gold",))))
    )
    assert nobody.customers == 0 and nobody.histogram.empty


@pytest.mark.parametrize(
    "evil",
    ["x'; DROP TABLE transactions; --", "' OR 1=1 --", 'online" OR "1"="1'],
)
def test_text_in_filters_is_data_not_sql(filled, evil):
    cur = filled.cursor()
    assert ds.audience(cur, AudienceFilter(channels=(evil,))).customers == 0
    assert ds.audience(cur, AudienceFilter(attributes=((evil, (evil,)),))).customers == 0
    assert cur.execute("SELECT count(*) FROM transactions").fetchone()[0] == len(filled.frame)


def test_empty_store_gives_an_empty_audience_not_an_error(store):
    summary = ds.audience(store.cursor(), AudienceFilter())
    assert summary.customers == 0 and summary.spend_mean == 0
    inputs = ds.planner_inputs(store.cursor(), AudienceFilter())
    assert inputs.status == "insufficient_data"
    assert design.plan(inputs, (CONTROL, GIFT), lift_pp=2).status == "insufficient_data"


# -- planner inputs ------------------------------------------------------------------------------
def test_planner_inputs_backtest_equals_pandas(filled):
    horizon = 60
    filters = AudienceFilter(frequency_min=2)
    inputs = ds.planner_inputs(filled.cursor(), filters, horizon, margin_rate=0.35)
    start = AS_OF - timedelta(days=horizon)
    history = pandas_features(filled.frame, start, 365)
    history = history[history["frequency"] >= 2]
    tx = filled.frame
    after = tx[(tx["ts"] >= pd.Timestamp(start)) & (tx["ts"] < pd.Timestamp(AS_OF))]
    after = after[after["customer_id"].isin(history.index)]
    net = after["margin"].fillna((after["amount"] + after["discount"]) * 0.35) - after["discount"]
    value = net.groupby(after["customer_id"]).sum().reindex(history.index, fill_value=0.0)
    repeated = after[after["amount"] > 0].groupby("customer_id").size().reindex(history.index)
    assert inputs.history_customers == len(history)
    assert inputs.baseline_rate == pytest.approx(float(repeated.notna().mean()))
    assert inputs.value_mean == pytest.approx(float(value.mean()))
    assert inputs.value_variance == pytest.approx(float(value.var(ddof=1)))
    assert inputs.pre_post_correlation == pytest.approx(
        float(np.corrcoef(history["monetary"], value)[0, 1])
    )
    today = pandas_features(tx, AS_OF, 365)
    assert inputs.customers == int((today["frequency"] >= 2).sum())
    earlier = pandas_features(tx, AS_OF - timedelta(days=28), 365)
    new = set(today[today["frequency"] >= 2].index) - set(earlier[earlier["frequency"] >= 2].index)
    assert inputs.weekly_flow == pytest.approx(len(new) / 4)
    assert inputs.status == "ok"
    result = design.plan(inputs, (CONTROL, GIFT, DISCOUNT), lift_pp=5.0, lift_money=100.0)
    assert result.status == "ok" and result.required_total_repeat and result.detectable_lift_pp


# -- assignment and lifecycle --------------------------------------------------------------------
def test_sql_hash_units_equal_python_hash_units(filled):
    units = ds.audience_units(filled.cursor(), AudienceFilter(), "pepper")
    expected = design.hash_units("pepper", units["customer_id"])
    np.testing.assert_array_equal(units["unit"].to_numpy(), expected)


def spec(**changes) -> ExperimentSpec:
    base = {"name": "Gift vs discount", "arms": (CONTROL, GIFT, DISCOUNT), "salt": "fixed-salt"}
    return ExperimentSpec(**{**base, **changes})


def test_start_freezes_the_previewed_assignment(filled):
    design_ = spec(audience=AudienceFilter(frequency_min=1), code_prefix="LL-")
    preview = design.preview_assignment(filled.cursor(), design_)
    assert preview.balance.table["n"].sum() == len(preview.frame)
    experiment_id = design.save_experiment(filled, design_)
    stored = experiment.load(filled.cursor(), experiment_id)
    assert stored is not None and stored.status == "draft" and stored.spec() == design_
    started = datetime(2026, 7, 1, 9, 0)
    design.start_experiment(filled, experiment_id, started_at=started)
    cur = filled.cursor()
    stored = experiment.load(cur, "Gift vs discount")
    assert stored is not None
    assert stored.status == "running" and stored.started_at == started
    written = ds.assignment_list(cur, experiment_id)
    pd.testing.assert_frame_equal(
        written[["customer_id", "arm", "arm_kind"]].reset_index(drop=True),
        preview.frame[["customer_id", "arm", "arm_kind"]].reset_index(drop=True),
    )
    assert written.loc[written["arm_kind"] == "control", "code"].isna().all()
    assert written.loc[written["arm_kind"] != "control", "code"].str.startswith("LL-").all()
    # the stored assignment's balance, recomputed in SQL, equals the preview's
    again = design.balance_check(design.balance_stats(cur, experiment_id), "control")
    pd.testing.assert_frame_equal(again.table, preview.balance.table, check_dtype=False)


def test_same_salt_gives_the_same_list_in_another_store(filled, tmp_path):
    other = Store(tmp_path / "other.duckdb")
    load(other, filled.frame)
    a = design.preview_assignment(filled.cursor(), spec(stratify_by="spend_tier")).frame
    b = design.preview_assignment(other.cursor(), spec(stratify_by="spend_tier")).frame
    pd.testing.assert_frame_equal(a, b)
    c = design.preview_assignment(other.cursor(), spec(stratify_by="spend_tier", salt="new")).frame
    assert (a["arm"] != c["arm"]).mean() > 0.4
    other.close()


@pytest.mark.parametrize("stratify_by", ["rfm_segment", "spend_tier"])
def test_stratified_start_is_balanced_within_every_stratum(filled, stratify_by):
    weighted = spec(
        arms=(ArmSpec("control", "control", allocation=2), GIFT, DISCOUNT), stratify_by=stratify_by
    )
    frame = design.preview_assignment(filled.cursor(), weighted).frame
    share = np.array([0.5, 0.25, 0.25])
    assert frame["stratum"].nunique() >= 4
    for stratum, group in frame.groupby("stratum"):
        counts = group["arm"].value_counts().reindex(["control", "gift", "10% off"], fill_value=0)
        assert np.all(np.abs(counts.to_numpy() - len(group) * share) < 1), stratum


def test_running_and_completed_experiments_refuse_edits(filled):
    experiment_id = design.save_experiment(filled, spec())
    design.update_arms(filled, experiment_id, (CONTROL, GIFT))  # a draft may change
    stored = experiment.load(filled.cursor(), experiment_id)
    assert stored is not None and [a.name for a in stored.spec().arms] == ["control", "gift"]
    with pytest.raises(StoreError, match="has not started"):
        design.complete_experiment(filled, experiment_id)
    design.start_experiment(filled, experiment_id)
    version = filled.version()
    with pytest.raises(StoreError, match="running"):
        design.update_arms(filled, experiment_id, (CONTROL, DISCOUNT))
    with pytest.raises(StoreError, match="running"):
        design.save_experiment(filled, spec(name="renamed"), experiment_id)
    with pytest.raises(StoreError, match="already running"):
        design.start_experiment(filled, experiment_id)
    assert filled.version() == version  # refusals write nothing
    design.complete_experiment(filled, experiment_id, ended_at=datetime(2026, 9, 1))
    stored = experiment.load(filled.cursor(), experiment_id)
    assert stored is not None and stored.status == "completed"
    assert stored.ended_at == datetime(2026, 9, 1)
    with pytest.raises(StoreError, match="completed"):
        design.update_arms(filled, experiment_id, (CONTROL, DISCOUNT))


def test_invalid_or_duplicate_designs_are_refused(filled):
    with pytest.raises(StoreError, match="control"):
        design.save_experiment(filled, spec(arms=(GIFT, DISCOUNT)))
    design.save_experiment(filled, spec())
    with pytest.raises(StoreError, match="already exists"):
        design.save_experiment(filled, spec())
    empty = design.save_experiment(
        filled, spec(name="nobody", audience=AudienceFilter(recency_max=-1))
    )
    with pytest.raises(StoreError, match="audience is empty"):
        design.start_experiment(filled, empty)
    stored = experiment.load(filled.cursor(), empty)
    assert stored is not None and stored.status == "draft"


def test_arm_costs_and_settings_survive_the_round_trip(filled):
    outreach = ArmSpec("call", "outreach", allocation=0.5, minutes=12, hourly_cost=900)
    original = spec(
        arms=(CONTROL, GIFT, DISCOUNT, outreach, ArmSpec("sms", "custom", custom_cost=3)),
        secondary_metrics=("net_value_90d", "orders"),
        guardrails=("margin_per_customer",),
        confidence=0.9,
        correction="bh",
        guardrail_margin_pct=2.5,
        stratify_by="rfm_segment",
        hypothesis="A gift beats 10% off for lapsing regulars",
        audience=AudienceFilter(segments=("at risk",), attributes=(("city", ("Kazan",)),)),
    )
    experiment_id = design.save_experiment(filled, original)
    stored = experiment.load(filled.cursor(), experiment_id)
    assert stored is not None and stored.spec() == original
    cost = (
        filled.cursor()
        .execute(
            "SELECT cost_per_customer FROM arms WHERE experiment_id = ? AND name = 'call'",
            [experiment_id],
        )
        .fetchone()
    )
    assert cost == (180.0,)
    # the verdict rule fixed at design is what the analysis reads back
    from experiments import decision

    rule = decision.rule_of(stored)
    assert (rule.confidence, rule.correction) == (0.9, "bh")
    assert rule.guardrails == ("margin_per_customer",)
    assert rule.guardrail_margin_pct == 2.5 and rule.decision_metric == "net_value"


def test_experiments_written_elsewhere_load_with_defaults(store):
    with store.transaction() as cur:
        cur.execute(
            """
            INSERT INTO experiments (experiment_id, name, status, salt, settings, created_at)
            VALUES (7, 'legacy', 'running', 's',
                    '{"audience": "everyone", "stratify_by": 3}', now())
            """
        )
        cur.execute(
            "INSERT INTO arms (experiment_id, arm_id, name, kind, allocation) VALUES "
            "(7, 0, 'A', 'control', 1), (7, 1, 'B', 'custom', 1)"
        )
    stored = experiment.load(store.cursor(), "legacy")
    assert stored is not None and stored.id == 7
    assert stored.spec().audience == AudienceFilter() and stored.spec().stratify_by == "none"
    assert [a.kind for a in stored.spec().arms] == ["control", "custom"]
    assert experiment.load(store.cursor(), "missing") is None


# -- uploaded assignments ------------------------------------------------------------------------
def test_experiment_from_an_uploaded_assignment_file(store, tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text(
        "Клиент;Группа;Промокод\nc1;Контроль;\nc2;Подарок;GIFT-1\nc3;Подарок;GIFT-2\nc4;Контроль;\n",
        encoding="utf-8-sig",
    )
    experiment_id = design.create_from_assignment_file(
        store, path, name="CRM test", started_at=datetime(2026, 5, 1)
    )
    cur = store.cursor()
    stored = experiment.load(cur, experiment_id)
    assert stored is not None
    assert stored.status == "running" and stored.source == "uploaded"
    assert [(a.name, a.kind) for a in stored.spec().arms] == [
        ("Контроль", "control"),
        ("Подарок", "custom"),
    ]
    listed = ds.assignment_list(cur, experiment_id)
    assert list(listed["customer_id"]) == ["c1", "c2", "c3", "c4"]
    assert list(listed["code"].fillna("")) == ["", "GIFT-1", "GIFT-2", ""]
    upload = cur.execute(
        "SELECT kind, rows, experiment_id FROM uploads WHERE file_name = 'crm.csv'"
    ).fetchone()
    assert upload == ("assignments", 4, experiment_id)
    with pytest.raises(StoreError, match="running"):
        design.update_arms(store, experiment_id, (CONTROL, GIFT))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("customer_id,arm\nc1,control\nc1,gift\nc2,gift\n", "in two arms"),
        ("customer_id,arm\nc1,a\nc2,b\n", "control"),
        ("customer,group,kind\nc1,a,control\nc2,b,rocket\n", "rocket"),
        ("name,city\nc1,x\n", "needs a customer id column"),
        ("customer_id,arm\nc1,control\n,gift\n", "no customer id or arm (rows 3)"),
    ],
)
def test_bad_assignment_files_are_refused_and_write_nothing(store, tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StoreError, match=re.escape(message)):
        design.create_from_assignment_file(store, path, name="bad")
    assert store.version() == 0
    assert store.cursor().execute("SELECT count(*) FROM experiments").fetchone() == (0,)


def test_uploaded_xlsx_with_explicit_control(store, tmp_path):
    path = tmp_path / "split.xlsx"
    pd.DataFrame({"customer_id": ["a", "b", "c"], "arm": ["A", "B", "B"]}).to_excel(
        path, index=False
    )
    experiment_id = design.create_from_assignment_file(store, path, name="xl", control_arm="A")
    stored = experiment.load(store.cursor(), experiment_id)
    assert stored is not None
    assert stored.spec().control.name == "A"
    assert stored.spec().arms[1].allocation == pytest.approx(2 / 3)


# -- export and CLI ------------------------------------------------------------------------------
def test_cli_exports_the_same_file_as_the_page(filled, tmp_path, capsys):
    experiment_id = design.save_experiment(filled, spec(code_prefix="LL-"))
    design.start_experiment(filled, experiment_id)
    page_bytes = design.assignments_csv(ds.assignment_list(filled.cursor(), experiment_id), sep=";")
    out = tmp_path / design.export_file_name("Gift vs discount")
    filled.close()  # the CLI opens the store itself
    code = cli(
        [
            "--db",
            str(filled.path),
            "assignments",
            "Gift vs discount",
            "--out",
            str(out),
            "--sep",
            ";",
        ]
    )
    assert code == 0
    assert out.read_bytes() == page_bytes
    xlsx = tmp_path / "x.xlsx"
    assert (
        cli(["--db", str(filled.path), "assignments", str(experiment_id), "--out", str(xlsx)]) == 0
    )
    # customer_id, arm, arm_kind, code and the cost of each kind in it: discount_pct,
    # redemption_share (the discount), gift_cost (the gift)
    assert pd.read_excel(xlsx, dtype=str).shape == (len(page_bytes.splitlines()) - 1, 7)


def test_the_apps_own_export_registers_again_with_its_kinds_and_costs(filled, tmp_path):
    """Issue 14.3: the exported list was refused ('discount must be between 0 and 100')."""
    experiment_id = design.save_experiment(filled, spec(code_prefix="LL-"))
    design.start_experiment(filled, experiment_id)
    with filled.cursor() as cur:
        original = experiment.load(cur, experiment_id)
        frame = ds.assignment_list(cur, experiment_id)
    assert original is not None
    for sep, data in ((",", design.assignments_csv(frame)), (";", None)):
        path = tmp_path / f"export{sep == ';'}.csv"
        path.write_bytes(data or design.assignments_csv(frame, sep=sep))
        again = design.create_from_assignment_file(filled, path, name=f"re-import {sep}")
        with filled.cursor() as cur:
            stored = experiment.load(cur, again)
            relisted = ds.assignment_list(cur, again)
        assert stored is not None
        costs = {(a.name, a.kind, a.discount_pct, a.redemption_share, a.cost_per_customer)
                 for a in stored.spec().arms}  # fmt: skip
        assert costs == {(a.name, a.kind, a.discount_pct, a.redemption_share, a.cost_per_customer)
                         for a in original.spec().arms}  # fmt: skip
        assert list(relisted["code"]) == list(frame["code"])
    xlsx = tmp_path / "export.xlsx"
    xlsx.write_bytes(design.assignments_xlsx(frame))
    again = design.create_from_assignment_file(filled, xlsx, name="re-import xlsx")
    with filled.cursor() as cur:
        kinds = {a.name: a.kind for a in experiment.load(cur, again).spec().arms}
    assert kinds == {a.name: a.kind for a in original.spec().arms}


CP1251_LIST = (
    "Карта клиента;Группа;Стоимость подарка\r\n"
    + "".join(
        f"{cid};{arm};{cost}\r\n"
        for cid, arm, cost in [
            ("0001 2345", "Контроль", ""),
            ("0001 2346", "Подарок", "1 250,50"),
            ("0001 2347", "Подарок", "1 250,50"),
            ("0001 2348", "Контроль", ""),
            ("0001 2349", "Скидка 10%", ""),
        ]
    )
).encode("cp1251")


def test_a_cp1251_list_with_russian_headers_registers_with_costs_chosen(store, tmp_path):
    """Issue 14.3: a cp1251 list crashed the Design page; Russian headers were not found."""
    path = tmp_path / "список.csv"
    path.write_bytes(CP1251_LIST)
    parsed = design.read_assignment_file(path)
    assert not parsed.problems or "discount" not in " ".join(parsed.problems)
    assert [a.name for a in parsed.arms] == ["Контроль", "Подарок", "Скидка 10%"]
    assert parsed.arms[0].kind == "control"
    chosen = {
        "Подарок": design.ArmSpec("Подарок", "gift", gift_cost=1250.5),
        "Скидка 10%": design.ArmSpec(
            "Скидка 10%", "discount", discount_pct=10, redemption_share=0.5
        ),
    }
    experiment_id = design.create_from_assignment_file(
        store, path, name="cp1251", arms=chosen, mapping={"Стоимость подарка": "-"}
    )
    stored = experiment.load(store.cursor(), experiment_id)
    assert stored is not None and stored.customers == 5
    arms = {a.name: a for a in stored.spec().arms}
    assert arms["Подарок"].cost_per_customer == 1250.5 and arms["Подарок"].kind == "gift"
    assert arms["Скидка 10%"].discount_pct == 10 and arms["Скидка 10%"].allocation == 0.2
    listed = ds.assignment_list(store.cursor(), experiment_id)
    assert "0001 2346" in set(listed["customer_id"])


def test_a_discount_arm_from_a_file_needs_its_percent(store, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("customer_id,arm,arm_kind\nc1,control,control\nc2,sale,discount\n")
    with pytest.raises(StoreError, match="discount must be between 0 and 100"):
        design.create_from_assignment_file(store, path, name="x")
    assert store.version() == 0


def test_costs_of_a_registered_list_are_editable_until_results_are_attached(store, tmp_path):
    """Issue 14.2: 'Edit arms' always refused for a list registered from a file."""
    path = tmp_path / "список.csv"
    path.write_bytes(CP1251_LIST)
    experiment_id = design.create_from_assignment_file(
        store, path, name="edit me", mapping={"Стоимость подарка": "-"}
    )
    stored = experiment.load(store.cursor(), experiment_id)
    assert design.costs_editable(store.cursor(), experiment_id) is None
    new_arms = tuple(
        design.ArmSpec(a.name, "gift", gift_cost=300.0) if a.name == "Подарок" else a
        for a in stored.spec().arms
    )
    design.update_arm_costs(store, experiment_id, new_arms)
    arms = {a.name: a for a in experiment.load(store.cursor(), experiment_id).spec().arms}
    assert arms["Подарок"].kind == "gift" and arms["Подарок"].cost_per_customer == 300.0
    assert arms["Подарок"].allocation == pytest.approx(0.4)  # the observed share stays
    with pytest.raises(StoreError, match="only kinds and costs"):
        design.update_arm_costs(store, experiment_id, new_arms[:2])
    store.cursor().execute(
        "INSERT INTO campaign_results (upload_id, experiment_id, row_no, customer_id, arm, field,"
        " value) VALUES (99, ?, 1, '0001 2345', 'Контроль', 'purchase', 1)",
        [experiment_id],
    )
    assert "Results are attached" in design.costs_editable(store.cursor(), experiment_id)
    with pytest.raises(StoreError, match="Results are attached"):
        design.update_arm_costs(store, experiment_id, new_arms)


def test_cli_unknown_experiment_exits_2(filled, tmp_path, capsys):
    filled.close()
    out = tmp_path / "x.csv"
    code = cli(["--db", str(filled.path), "assignments", "nope", "--out", str(out)])
    assert code == 2
    assert "no experiment with id or name 'nope'" in capsys.readouterr().err
    assert not out.exists()


def test_defaults_come_from_config():
    assert ExperimentSpec("x", (CONTROL, GIFT)).horizon_days == config.DEFAULT_HORIZON_DAYS
    assert AudienceFilter().lookback_days == config.DEFAULT_LOOKBACK_DAYS


def test_escaped_cells_of_the_export_read_back_as_they_were(store, tmp_path):
    frame = pd.DataFrame(
        {
            "customer_id": ["+79161234567", "-17", "c3", "c4"],
            "arm": ["control", "=gift", "=gift", "control"],
            "arm_kind": ["control", "gift", "gift", "control"],
            "gift_cost": [None, 250.0, 250.0, None],
        }
    )
    path = tmp_path / "export.csv"
    path.write_bytes(design.assignments_csv(frame, sep=";"))
    assert b"'+79161234567" in path.read_bytes()  # escaped for spreadsheets
    experiment_id = design.create_from_assignment_file(store, path, name="escaped")
    listed = ds.assignment_list(store.cursor(), experiment_id)
    assert sorted(listed["customer_id"]) == sorted(frame["customer_id"])
    assert set(listed["arm"]) == {"control", "=gift"}


def test_the_demo_experiment_reads_back_at_the_costs_the_analysis_charges(tmp_path):
    """The demo's surprise gift is stored at 250 RUB (the gift and its delivery) and charged
    so; the domain record read 180, which the Design page showed and copies carried (#15)."""
    from experiments import demo
    from experiments.store import Store

    store = Store(tmp_path / "demo.duckdb")
    demo.seed_demo(store, customers=300, seed=7)
    with store.cursor() as cur:
        query = "SELECT name, cost_per_customer FROM arms WHERE experiment_id = 1"
        stored = dict(cur.execute(query).fetchall())
        spec = experiment.load(cur, 1).spec()
    assert {a.name: a.cost_per_customer for a in spec.arms} == stored
    store.close()
