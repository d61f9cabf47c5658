"""BG/NBD + Gamma-Gamma: published CDNOW values from raw transactions, independent likelihoods,
recovery of known parameters, non-convergence, CLV arithmetic, the per-arm projection, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special, stats

from experiments import clv, config
from experiments.__main__ import main
from experiments.store import Store
from experiments.store import customers as sql
from tests.test_customers_sql import CALIBRATION_END, insert_transactions, read_cdnow_sample

# Fader, Hardie & Lee (2005), CDNOW 1/10 sample, weeks; Fader & Hardie (2013) Gamma-Gamma note.
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_LL = -9582.4
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}


def same_to_2_significant_digits(value: float, published: float) -> bool:
    return float(f"{value:.2g}") == float(f"{published:.2g}")


@pytest.fixture(scope="module")
def cdnow_summary(tmp_path_factory, datasets: Path) -> pd.DataFrame:
    """The calibration summary built by the store's SQL from the raw CDNOW transactions."""
    store = Store(tmp_path_factory.mktemp("cdnow") / "cdnow.duckdb")
    try:
        insert_transactions(store, read_cdnow_sample(datasets))
        with store.cursor() as cur:
            return sql.rfm_summary(cur, until=CALIBRATION_END, time_unit="weeks")
    finally:
        store.close()


@pytest.fixture(scope="module")
def cdnow_fits(cdnow_summary):
    s = cdnow_summary
    return (
        clv.fit_bgnbd(s["frequency"], s["recency"], s["T"]),
        clv.fit_gamma_gamma(s["frequency"], s["monetary"]),
    )


# -- published values ------------------------------------------------------------------------------
def test_bgnbd_on_raw_cdnow_matches_fader_hardie_lee(cdnow_fits):
    bg, _ = cdnow_fits
    assert bg.status == "ok" and bg.converged and bg.message == ""
    assert bg.customers == 2357 and bg.repeat_customers == 946
    for name, published in PUBLISHED_BGNBD.items():
        value = getattr(bg.params, name)
        assert same_to_2_significant_digits(value, published), (name, value)
        assert value == pytest.approx(published, abs=0.0015)  # in fact to 3 decimals
    assert bg.log_likelihood == pytest.approx(PUBLISHED_LL, abs=0.05)
    assert bg.standard_errors is not None
    assert all(0 < se < getattr(bg.params, n) for n, se in bg.standard_errors.items())


def test_gamma_gamma_on_raw_cdnow_matches_fader_hardie(cdnow_fits):
    _, gg = cdnow_fits
    assert gg.status == "ok" and gg.customers == 946
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        value = getattr(gg.params, name)
        assert same_to_2_significant_digits(value, published), (name, value)
        assert value == pytest.approx(published, abs=0.006)
    # Fader & Hardie report a weak frequency-spend correlation (0.11) for these customers.
    assert gg.frequency_spend_correlation == pytest.approx(0.11, abs=0.01)


# -- independent likelihoods -----------------------------------------------------------------------
def bgnbd_likelihood_by_beta_functions(params, x, t_x, T):
    """FHL 2005 eq. (4) before taking logs, written with beta functions."""
    r, alpha, a, b = params
    common = np.exp(
        special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    )  # Gamma(r+x) alpha^r / Gamma(r)
    survive = np.exp(special.betaln(a, b + x) - special.betaln(a, b)) / (alpha + T) ** (r + x)
    drop = np.where(
        x > 0,
        np.exp(special.betaln(a + 1, b + np.maximum(x, 1) - 1) - special.betaln(a, b))
        / (alpha + t_x) ** (r + x),
        0.0,
    )
    return common * (survive + drop)


def bgnbd_likelihood_by_integration(params, x, t_x, T):
    """The individual likelihood integrated numerically over lambda ~ Gamma and p ~ Beta.

    Given (lambda, p): (1-p)^x lambda^x e^(-lambda T) + [x>0] p (1-p)^(x-1) lambda^x
    e^(-lambda t_x); each term is a product of a lambda part and a p part, so the double
    integral is a sum of products of one-dimensional integrals.
    """
    r, alpha, a, b = params

    def over_lambda(until):
        value, _ = integrate.quad(
            lambda lam: lam**x * math.exp(-lam * until) * stats.gamma.pdf(lam, r, scale=1 / alpha),
            0,
            np.inf,
            epsabs=1e-15,
            limit=200,
        )
        return value

    def over_p(function):
        value, _ = integrate.quad(
            lambda p: function(p) * stats.beta.pdf(p, a, b), 0, 1, epsabs=1e-15, limit=200
        )
        return value

    value = over_lambda(T) * over_p(lambda p: (1 - p) ** x)
    if x > 0:
        value += over_lambda(t_x) * over_p(lambda p: p * (1 - p) ** (x - 1))
    return value


def test_bgnbd_log_likelihood_equals_independent_computations(cdnow_summary, cdnow_fits):
    bg, _ = cdnow_fits
    s = cdnow_summary
    x, t_x, T = (s[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    params = bg.params.as_array()
    direct = np.log(bgnbd_likelihood_by_beta_functions(params, x, t_x, T)).sum()
    assert clv.bgnbd_log_likelihood(bg.params, x, t_x, T) == pytest.approx(direct, rel=1e-12)
    assert bg.log_likelihood == pytest.approx(direct, rel=1e-10)
    # The fitted point is a maximum: every coordinate step lowers the independent LL.
    for i in range(4):
        for factor in (0.99, 1.01):
            moved = params.copy()
            moved[i] *= factor
            assert np.log(bgnbd_likelihood_by_beta_functions(moved, x, t_x, T)).sum() < direct


@pytest.mark.parametrize(("x", "t_x", "T"), [(0, 0.0, 38.86), (1, 1.71, 38.86), (3, 28.29, 38.71)])
def test_bgnbd_individual_likelihood_equals_numerical_integration(x, t_x, T):
    params = clv.BgNbdParams(0.7, 3.0, 1.4, 2.5)  # shapes > 1 keep the integrands bounded
    numeric = bgnbd_likelihood_by_integration(params.as_array(), x, t_x, T)
    ours = clv.bgnbd_individual_log_likelihood(params, [x], [t_x], [T])[0]
    assert ours == pytest.approx(math.log(numeric), abs=1e-6)


def test_gamma_gamma_likelihood_equals_numerical_integration():
    params = clv.GammaGammaParams(6.25, 3.74, 15.44)
    for x, zbar in [(1, 11.77), (2, 22.35), (7, 73.74)]:
        # zbar | nu ~ Gamma(p x, rate x nu); nu ~ Gamma(q, rate v).
        def density(nu, x=x, zbar=zbar):
            return stats.gamma.pdf(zbar, params.p * x, scale=1 / (x * nu)) * stats.gamma.pdf(
                nu, params.q, scale=1 / params.v
            )

        numeric, _ = integrate.quad(density, 0, np.inf, epsabs=1e-14, limit=200)
        ours = clv.gamma_gamma_log_likelihood(params, [x], [zbar])
        assert ours == pytest.approx(math.log(numeric), abs=1e-6)


# -- predictions -----------------------------------------------------------------------------------
def test_predictions_reproduce_the_published_example(cdnow_fits):
    bg, _ = cdnow_fits
    # FHL 2005: a customer with x=2, t_x=30.43, T=38.86 is expected to make 1.226 purchases in
    # the next 39 weeks.
    expected = clv.expected_purchases(bg.params, 39, [2], [30.43], [38.86])[0]
    assert expected == pytest.approx(1.226, abs=0.001)
    alive = clv.probability_alive(bg.params, [0, 2, 2], [0, 30.43, 5.0], [38.86] * 3)
    assert alive[0] == 1.0  # BG/NBD: no repeat purchase, no chance to drop out yet
    assert 0 < alive[2] < alive[1] < 1


def expected_purchases_by_quadrature(params, t, x, t_x, T):
    r, alpha, a, b = params.as_array()
    alive = clv.probability_alive(params, [x], [t_x], [T])[0]

    def given_p(p):
        ratio = (alpha + T) / (alpha + T + p * t)
        return -math.expm1((r + x) * math.log(ratio)) / p * stats.beta.pdf(p, a, b + x)

    value, _ = integrate.quad(given_p, 0, 1, limit=200, epsabs=1e-12)
    return alive * value


@pytest.mark.parametrize(
    "params",
    [
        clv.BgNbdParams(0.243, 4.414, 0.793, 2.426),
        clv.BgNbdParams(2.0, 10.0, 1.5, 0.9),
        clv.BgNbdParams(0.5, 4.0, 1.0 + 1e-9, 3.0),  # a ~ 1: the closed form is 0/0
        clv.BgNbdParams(0.5, 4.0, 1.0, 3.0),
    ],
)
def test_expected_purchases_equal_an_integral_over_the_dropout_posterior(params):
    cases = [(0, 0.0, 30.0), (1, 10.0, 20.0), (5, 30.0, 38.0), (20, 50.0, 52.0)]
    x, t_x, T = (np.array(v, dtype=float) for v in zip(*cases, strict=True))
    ours = clv.expected_purchases(params, 52.0, x, t_x, T)
    for value, case in zip(ours, cases, strict=True):
        assert value == pytest.approx(
            expected_purchases_by_quadrature(params, 52.0, *case), rel=1e-6
        )


def test_a_new_customer_is_the_zero_history_case():
    params = clv.BgNbdParams(0.243, 4.414, 0.793, 2.426)
    for t in (4.0, 39.0, 78.0):
        new = clv.expected_purchases_new_customer(params, t)
        assert new == pytest.approx(clv.expected_purchases(params, t, [0], [0], [0])[0], rel=1e-9)
    assert clv.expected_purchases_new_customer(params, 0) == 0


def test_expected_spend_shrinks_toward_the_population_mean():
    params = clv.GammaGammaParams(6.25, 3.74, 15.44)
    population = params.mean_spend
    spend = clv.expected_spend(params, [0, 1, 10, 10], [0, 100.0, 100.0, 10.0])
    assert spend[0] == pytest.approx(population)
    assert population < spend[1] < spend[2] < 100  # more purchases, more weight on own mean
    assert spend[3] < population
    with pytest.raises(clv.ClvFitError):
        clv.expected_spend(clv.GammaGammaParams(1, 0.9, 1), [1], [1])


def test_expected_clv_is_discounted_expected_purchases_times_spend_times_margin():
    bg = clv.BgNbdParams(0.243, 4.414, 0.793, 2.426)
    gg = clv.GammaGammaParams(6.25, 3.74, 15.44)
    x, t_x, T, z = [0, 2, 7], [0, 30.43, 29.43], [38.86] * 3, [0, 22.35, 73.74]
    undiscounted = clv.expected_clv(bg, gg, x, t_x, T, z, monthly_discount_rate=0, margin_rate=0.3)
    year = 12 * clv.DAYS_PER_MONTH / 7
    direct = clv.expected_purchases(bg, year, x, t_x, T) * clv.expected_spend(gg, x, z) * 0.3
    np.testing.assert_allclose(undiscounted, direct, rtol=1e-12)
    discounted = clv.expected_clv(bg, gg, x, t_x, T, z, monthly_discount_rate=0.01, margin_rate=0.3)
    assert np.all(discounted < undiscounted) and np.all(discounted > undiscounted / 1.01**12)
    in_days = clv.expected_clv(
        clv.BgNbdParams(bg.r, bg.alpha * 7, bg.a, bg.b),
        gg,
        x,
        np.array(t_x) * 7,
        np.array(T) * 7,
        z,
        margin_rate=0.3,
        time_unit="days",
    )
    np.testing.assert_allclose(in_days, discounted, rtol=1e-9)


def test_fit_clv_predicts_every_customer(cdnow_summary):
    model = clv.fit_clv(cdnow_summary, margin_rate=0.3)
    assert model.converged and model.message == ""
    assert len(model.predictions) == len(cdnow_summary)
    assert model.predictions["customer_id"].tolist() == cdnow_summary["customer_id"].tolist()
    assert (model.predictions["expected_clv"] > 0).all()
    summary = model.clv_summary()
    assert summary["customers"] == 2357
    assert summary["total"] == pytest.approx(model.predictions["expected_clv"].sum())


# -- simulation with known truth -------------------------------------------------------------------
@pytest.mark.slow
def test_fits_recover_known_parameters_from_simulated_customers():
    truth_bg = clv.BgNbdParams(0.5, 6.0, 0.7, 3.0)
    truth_gg = clv.GammaGammaParams(4.0, 5.0, 30.0)
    rng = np.random.default_rng(2024)
    simulated = clv.simulate_customers(truth_bg, truth_gg, rng.uniform(26, 78, 30_000), rng)
    bg = clv.fit_bgnbd(simulated.frequency, simulated.recency, simulated.T)
    gg = clv.fit_gamma_gamma(simulated.frequency, simulated.monetary)
    assert bg.converged and gg.converged
    assert bg.standard_errors is not None and gg.standard_errors is not None
    for fit, truth in ((bg, truth_bg), (gg, truth_gg)):
        for name, true_value in vars(truth).items():
            estimate = getattr(fit.params, name)
            error = fit.standard_errors[name]  # type: ignore[index]
            assert abs(estimate - true_value) < 4 * error, (name, estimate, true_value, error)
            assert estimate == pytest.approx(true_value, rel=0.2), name
    # The model's own prediction of repeat purchases matches the simulated average.
    rate = np.mean([clv.expected_purchases_new_customer(bg.params, T) for T in simulated.T[:2000]])
    assert rate == pytest.approx(simulated.frequency[:2000].mean(), rel=0.1)


def test_weights_equal_repeated_rows():
    rng = np.random.default_rng(5)
    sim = clv.simulate_customers(
        clv.BgNbdParams(0.5, 6.0, 0.7, 3.0), clv.GammaGammaParams(4, 5, 30), np.full(400, 52.0), rng
    )
    weights = rng.integers(0, 4, 400)
    repeated = np.repeat(np.arange(400), weights)
    weighted = clv.fit_bgnbd(sim.frequency, sim.recency, sim.T, weights=weights)
    expanded = clv.fit_bgnbd(sim.frequency[repeated], sim.recency[repeated], sim.T[repeated])
    np.testing.assert_allclose(weighted.params.as_array(), expanded.params.as_array(), rtol=1e-4)
    assert weighted.log_likelihood == pytest.approx(expanded.log_likelihood, rel=1e-9)


def test_large_day_granular_summaries_fit_like_the_full_data():
    """Big summaries are fitted on merged identical rows; the likelihood must be unchanged."""
    rng = np.random.default_rng(8)
    T_days = rng.integers(100, 400, 30_000).astype(float)
    sim = clv.simulate_customers(
        clv.BgNbdParams(0.5, 40.0, 0.7, 3.0), clv.GammaGammaParams(4, 5, 30), T_days, rng
    )
    x, t_x, T = sim.frequency, np.floor(sim.recency) / 7, T_days / 7
    fit = clv.fit_bgnbd(x, t_x, T)
    assert fit.converged and fit.customers == 30_000
    assert fit.log_likelihood == pytest.approx(clv.bgnbd_log_likelihood(fit.params, x, t_x, T))
    half = clv.fit_bgnbd(x[:9_000], t_x[:9_000], T[:9_000])  # below the grouping threshold
    doubled = clv.fit_bgnbd(np.tile(x[:9_000], 2), np.tile(t_x[:9_000], 2), np.tile(T[:9_000], 2))
    np.testing.assert_allclose(doubled.params.as_array(), half.params.as_array(), rtol=1e-4)
    assert doubled.log_likelihood == pytest.approx(2 * half.log_likelihood, rel=1e-9)


# -- degenerate data -------------------------------------------------------------------------------
def test_no_repeat_purchases_is_insufficient_data_with_a_message():
    fit = clv.fit_bgnbd(np.zeros(100), np.zeros(100), np.full(100, 10.0))
    assert fit.status == "insufficient_data" and not fit.converged and fit.params is None
    assert "no customer made a repeat purchase" in fit.message
    with pytest.raises(clv.ClvFitError, match="repeat purchase"):
        fit.require()
    spend = clv.fit_gamma_gamma(np.zeros(100), np.zeros(100))
    assert spend.status == "insufficient_data" and "repeat customers" in spend.message


@pytest.mark.parametrize(
    "summary",
    [
        ([], [], []),
        ([1, 2], [1.0, 2.0], [3.0, 3.0]),  # too few customers
        ([1, 2, 1, 0, 1, 3], [1.0, 5.0, 1.0, 0, 2, 4], [3.0] * 6),  # recency > T
        ([1.5] * 6, [1.0] * 6, [3.0] * 6),  # fractional frequency
        ([1, np.nan, 1, 1, 1, 1], [1.0] * 6, [3.0] * 6),
    ],
)
def test_bad_summaries_are_insufficient_data(summary):
    fit = clv.fit_bgnbd(*summary)
    assert fit.status == "insufficient_data" and fit.message


def test_unidentified_models_report_non_convergence():
    # Everyone buys steadily up to the cutoff: no sign of drop-out, the drop-out mixing runs
    # off to a boundary.
    x = np.full(500, 10.0)
    bg = clv.fit_bgnbd(x, np.full(500, 39.0), np.full(500, 39.0))
    assert bg.status == "not_converged" and not bg.converged
    assert "identify" in bg.message and "not usable for CLV" in bg.message
    with pytest.raises(clv.ClvFitError, match="BG/NBD"):
        bg.require()
    # Everyone spends exactly the same: the spend heterogeneity has no finite estimate.
    gg = clv.fit_gamma_gamma(x, np.full(500, 20.0))
    assert gg.status == "not_converged" and "spends about the same" in gg.message
    model = clv.fit_clv(
        pd.DataFrame({"frequency": x, "recency": 39.0, "T": 39.0, "monetary": 20.0})
    )
    assert not model.converged and model.predictions.empty
    assert "BG/NBD" in model.message and "Gamma-Gamma" in model.message


# -- per-arm projection ----------------------------------------------------------------------------
ARM_TRUTH = {
    0: ("Control", "control", clv.BgNbdParams(0.6, 40.0, 0.8, 3.0)),
    1: ("Gift", "gift", clv.BgNbdParams(0.6, 25.0, 0.8, 3.0)),  # buys ~60% more often
    2: ("Outreach", "outreach", clv.BgNbdParams(0.6, 40.0, 0.8, 3.0)),  # same as control
}


def seed_experiment(store: Store, customers_per_arm: int, seed: int = 11) -> None:
    """An experiment whose arms have known BG/NBD parameters (time in days since assignment)."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-01-06 09:00")
    spend = clv.GammaGammaParams(5.0, 4.0, 60.0)
    frames, assignments = [], []
    for arm_id, (_, _, params) in ARM_TRUTH.items():
        assigned = start + pd.to_timedelta(rng.integers(0, 14, customers_per_arm), unit="D")
        observed = (pd.Timestamp("2025-07-31") - assigned.normalize()).days.to_numpy(dtype=float)
        sim = clv.simulate_customers(params, spend, observed, rng)
        ids = np.array([f"{arm_id}-{i}" for i in range(customers_per_arm)])
        # assignment happens with a purchase-like contact at time 0; repeat purchases after it
        when = assigned[sim.purchase_customer].normalize() + pd.to_timedelta(
            np.ceil(sim.purchase_time), unit="D"
        )
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": ids[sim.purchase_customer],
                    "ts": when + pd.Timedelta(hours=12),
                    "amount": sim.purchase_spend,
                }
            )
        )
        assignments.append(
            pd.DataFrame(
                {
                    "experiment_id": 3,
                    "customer_id": ids,
                    "arm_id": arm_id,
                    "assigned_at": assigned,
                }
            )
        )
    transactions = pd.concat(frames)
    transactions = transactions[transactions["ts"] <= pd.Timestamp("2025-07-31 23:00")]
    insert_transactions(store, transactions)
    rows = pd.concat(assignments)
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO experiments (experiment_id, name, status, salt, created_at) "
            "VALUES (3, 'levers', 'running', 's', now())"
        )
        for arm_id, (name, kind, _) in ARM_TRUTH.items():
            cur.execute(
                "INSERT INTO arms (experiment_id, arm_id, name, kind, allocation) "
                "VALUES (3, ?, ?, ?, 1)",
                [arm_id, name, kind],
            )
        cur.register("incoming", rows)
        cur.execute(
            "INSERT INTO assignments (experiment_id, customer_id, arm_id, assigned_at) "
            "SELECT * FROM incoming"
        )
        cur.unregister("incoming")


@pytest.mark.slow
def test_project_arms_finds_the_arm_that_buys_more_and_labels_it_a_projection(store):
    seed_experiment(store, customers_per_arm=2500)
    steps: list[tuple[float, str]] = []
    result = clv.project_arms(
        store,
        3,
        months=12,
        bootstrap=60,
        seed=1,
        method="per_arm",
        progress=lambda f, t: steps.append((f, t)),
    )
    assert result.status == "ok", result.message
    assert (
        len(steps) == 60
        and steps[0][0] == 0
        and steps[-1] == (59 / 60, "Bootstrap replicate 60/60")
    )
    assert "Model-based projection" in result.basis and result.method == "per_arm"
    assert result.until == dt.date(2025, 7, 31)
    arms = {arm.name: arm for arm in result.arms}
    assert [a.kind for a in result.arms] == ["control", "gift", "outreach"]
    control, gift, outreach = arms["Control"], arms["Gift"], arms["Outreach"]
    assert control.difference is None and control.projected_clv is not None
    assert all(arm.customers == 2500 and arm.status == "ok" for arm in result.arms)
    assert gift.difference == pytest.approx(gift.projected_clv - control.projected_clv)
    # the faster-buying arm is projected to be worth more (the bootstrap interval; the shown
    # one is wider by what the held-back check cannot rule out over 12 months)
    assert gift.bootstrap_ci_lower > 0 and gift.check.passed
    assert gift.ci_lower <= gift.bootstrap_ci_lower and gift.ci_upper >= gift.bootstrap_ci_upper
    assert gift.observed_margin > control.observed_margin
    assert outreach.ci_lower < 0 < outreach.ci_upper  # no real difference
    assert gift.ci_lower < gift.difference < gift.ci_upper
    assert result.failed_replicates == 0
    # Per-arm fits recover the purchase-rate difference: r/alpha (per week) is ~60% higher.
    rate = {a.name: a.bgnbd.r / a.bgnbd.alpha for a in result.arms}
    assert rate["Gift"] / rate["Control"] == pytest.approx(40 / 25, rel=0.25)

    pooled = clv.project_arms(store, 3, months=12, bootstrap=60, seed=1)  # the default
    assert pooled.method == "pooled"
    assert pooled.status == "ok" and "fitted once on all arms" in pooled.basis
    assert {a.bgnbd for a in pooled.arms if a.bgnbd} == {pooled.arms[0].bgnbd}
    pooled_gift = next(a for a in pooled.arms if a.name == "Gift")
    assert pooled_gift.bootstrap_ci_lower > 0


def test_project_arms_without_control_or_data_is_insufficient(store):
    seed_experiment(store, customers_per_arm=300)
    with store.transaction() as cur:
        cur.execute("UPDATE arms SET kind = 'custom' WHERE experiment_id = 3 AND arm_id = 0")
        cur.execute(
            "INSERT INTO arms (experiment_id, arm_id, name, kind, allocation) "
            "VALUES (3, 9, 'Empty', 'discount', 1)"
        )
    result = clv.project_arms(store, 3, bootstrap=0)
    assert result.status == "insufficient_data"
    assert "no control arm" in result.message
    empty = next(a for a in result.arms if a.name == "Empty")
    assert empty.status == "insufficient_data" and empty.projected_clv is None
    assert all(a.difference is None for a in result.arms)
    json.dumps(clv.projection_json(result), default=str)  # JSON-ready

    missing = clv.project_arms(store, 99, bootstrap=0)
    assert missing.status == "insufficient_data" and missing.arms == ()


# -- command line ----------------------------------------------------------------------------------
def test_cli_clv_json_on_raw_cdnow(tmp_path, datasets, capsys):
    path = tmp_path / "cli.duckdb"
    store = Store(path)
    insert_transactions(store, read_cdnow_sample(datasets))
    store.close()
    code = main(["--db", str(path), "clv", "--json", "--until", CALIBRATION_END.isoformat()])
    output = capsys.readouterr().out
    assert code == 0
    document = json.loads(output)
    assert document["customers"] == 2357 and document["converged"] is True
    assert document["until"] == "1997-09-30" and document["time_unit"] == "weeks"
    for name, published in PUBLISHED_BGNBD.items():
        assert same_to_2_significant_digits(document["bgnbd"][name], published)
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert same_to_2_significant_digits(document["gamma_gamma"][name], published)
    assert document["log_likelihood"] == pytest.approx(PUBLISHED_LL, abs=0.05)
    assert document["clv"]["months"] == 12
    assert document["clv"]["margin_rate"] == pytest.approx(config.DEFAULT_MARGIN_RATE)
    assert document["clv"]["mean"] > 0 and document["clv"]["customers"] == 2357


def test_cli_clv_on_an_empty_store_explains_and_exits_2(tmp_path, capsys):
    code = main(["--db", str(tmp_path / "empty.duckdb"), "clv", "--json"])
    captured = capsys.readouterr()
    assert code == 2
    assert json.loads(captured.out)["status"] == "insufficient_data"
    assert "BG/NBD" in captured.err and "customers" in captured.err
    assert main(["--db", str(tmp_path / "empty.duckdb"), "clv", "--until", "last week"]) == 2
    assert "not a date" in capsys.readouterr().err
