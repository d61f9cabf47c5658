"""Reproducible randomization: hash units, (stratified) allocation, personal codes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from experiments import design
from experiments.design import ArmSpec, randomize

CONTROL = ArmSpec("control", "control")
GIFT = ArmSpec("gift", "gift", gift_cost=250.0)
DISCOUNT = ArmSpec("10% off", "discount", discount_pct=10, redemption_share=0.4)


def ids(n: int) -> list[str]:
    return [f"cust-{i}" for i in range(n)]


def test_same_salt_gives_identical_assignment_and_another_salt_does_not():
    customers = ids(20_000)
    first = design.assign_arms(design.hash_units("s1", customers), [1, 1, 1])
    again = design.assign_arms(design.hash_units("s1", customers), [1, 1, 1])
    other = design.assign_arms(design.hash_units("s2", customers), [1, 1, 1])
    np.testing.assert_array_equal(first, again)
    # independent salts agree only by chance: about one customer in three
    assert 0.3 < float(np.mean(first == other)) < 0.37


def test_hash_units_are_known_md5_values_in_unit_interval():
    units = design.hash_units("salt", ["c1"])
    # md5("salt:c1") starts with these 13 hex digits; the SQL side must use the same rule
    import hashlib

    expected = int(hashlib.md5(b"salt:c1").hexdigest()[:13], 16) / 2**52
    assert units[0] == expected
    many = design.hash_units("x", ids(10_000))
    assert many.min() >= 0 and many.max() < 1


def test_unstratified_arm_does_not_depend_on_who_else_is_in_the_audience():
    customers = ids(5000)
    full = design.assign_arms(design.hash_units("s", customers), [2, 1])
    half = design.assign_arms(design.hash_units("s", customers[::2]), [2, 1])
    np.testing.assert_array_equal(full[::2], half)


@pytest.mark.parametrize("weights", [[1, 1], [1, 1, 1], [2, 1, 1], [0.1, 0.45, 0.45]])
def test_allocation_of_100k_customers_within_chi_square_tolerance(weights):
    n = 100_000
    arms = design.assign_arms(design.hash_units("alloc", ids(n)), weights)
    counts = np.bincount(arms, minlength=len(weights))
    expected = n * np.array(weights) / sum(weights)
    p = sps.chisquare(counts, expected).pvalue
    assert p > 0.001, (counts, expected)


@pytest.mark.parametrize("weights", [[1, 1], [1, 1, 1], [2, 1, 1], [5, 3, 1, 1]])
def test_stratified_split_matches_weights_within_one_customer_in_every_stratum(weights):
    rng = np.random.default_rng(3)
    n = 30_011
    strata = rng.choice(
        ["champions", "loyal", "lost", "new", "tiny"], n, p=[0.3, 0.3, 0.3, 0.0999, 0.0001]
    )
    arms = design.assign_arms(design.hash_units("st", ids(n)), weights, strata=strata, salt="st")
    share = np.array(weights) / sum(weights)
    for stratum in np.unique(strata):
        inside = arms[strata == stratum]
        counts = np.bincount(inside, minlength=len(weights))
        assert np.all(np.abs(counts - len(inside) * share) < 1), (stratum, counts)
    again = design.assign_arms(design.hash_units("st", ids(n)), weights, strata=strata, salt="st")
    np.testing.assert_array_equal(arms, again)


def test_leftover_customers_of_small_strata_are_not_always_given_to_the_first_arm():
    n = 6000
    strata = [f"s{i}" for i in range(n)]  # every stratum holds one customer
    arms = design.assign_arms(design.hash_units("one", ids(n)), [1, 1, 1], strata=strata, salt="x")
    counts = np.bincount(arms, minlength=3)
    assert sps.chisquare(counts).pvalue > 0.001, counts


def test_zero_weight_is_refused():
    with pytest.raises(design.DesignError):
        design.assign_arms(np.array([0.5]), [1, 0])


def test_personal_codes_are_reproducible_and_distinct():
    customers = ids(50_000)
    codes = design.personal_codes("salt", customers, "LL-")
    assert codes == design.personal_codes("salt", customers, "LL-")
    assert len(set(codes)) == len(codes)
    assert all(c.startswith("LL-") and len(c) == 11 for c in codes[:100])


def test_personal_codes_stay_unique_when_the_hash_collides(monkeypatch):
    """A hash with 4 values forces collisions (at a million real customers some two codes
    coincide about a third of the time): each taken code is drawn again, and who keeps the
    first draw does not depend on the row order."""
    import hashlib

    real = hashlib.blake2b

    def tiny(data: bytes, digest_size: int):
        return _Small(real(data).digest())

    class _Small:
        def __init__(self, digest: bytes):
            self.value = digest[0] % 4

        def hexdigest(self) -> str:
            return f"{self.value:02x}"

    monkeypatch.setattr(randomize.hashlib, "blake2b", tiny)
    customers = [f"c{i}" for i in range(4)]
    codes = design.personal_codes("s", customers, "")
    assert len(set(codes)) == 4
    reordered = design.personal_codes("s", customers[::-1], "")
    assert dict(zip(customers[::-1], reordered, strict=True)) == dict(
        zip(customers, codes, strict=True)
    )
