"""A link whose horizon is 0, negative, text or not offered still opens the experiment at its
default horizon, and the page says so (it was replaced silently)."""

from __future__ import annotations

import pytest

from experiments import escape
from tests.app.test_results_page import run


def _warnings(at) -> list[str]:
    return [w.value for w in at.warning]


@pytest.mark.parametrize("value", ["0", "-5", "abc", "²", "٣", "99999999999"])
def test_a_links_bad_horizon_falls_back_to_the_default_and_says_so(app_env, value):
    at = run({"experiment": "1", "horizon": value})
    said = [w for w in _warnings(at) if "horizon" in w]
    shown = escape.markdown(value)
    expected = f"The link's horizon ('{shown}') is not a whole number of days above 0: showing"
    assert said == [f"{expected} 60 days instead."], _warnings(at)
    assert any("horizon **60 days**" in c.value for c in at.caption)
    at.run()  # the notice is about the link: once the page shows its own horizon, it goes
    assert not [w for w in _warnings(at) if "horizon" in w]


def test_a_horizon_the_experiment_does_not_offer_says_which_it_does(app_env):
    at = run({"experiment": "1", "horizon": "45"})
    said = [w for w in _warnings(at) if "45 days" in w]
    assert said and "30, 60, 90, 180" in said[0] and "showing 60 days" in said[0], said


def test_an_offered_horizon_opens_without_a_notice(app_env):
    at = run({"experiment": "1", "horizon": "90"})
    assert not [w for w in _warnings(at) if "horizon" in w]
    assert any("horizon **90 days**" in c.value for c in at.caption)


def test_the_report_link_falls_back_and_says_so_too(app_env):
    at = run({"view": "report", "experiment": "1", "horizon": "-5"})
    assert any("('\\-5') is not a whole number of days above 0" in w for w in _warnings(at))
    assert any("horizon 60 days" in c.value for c in at.caption)


def test_the_russian_notice(app_env):
    at = run({"experiment": "1", "horizon": "0", "lang": "ru"})
    assert any("не целое число дней больше 0" in w and "60 дней" in w for w in _warnings(at))


@pytest.mark.parametrize("view", ["results", "report"])
def test_a_horizon_not_offered_shows_the_same_default_on_both_views(app_env, view):
    """One shared link, one horizon: the report view showed 45 days where Results showed 60."""
    query = {"experiment": "1", "horizon": "45"} | ({"view": "report"} if view == "report" else {})
    at = run(query)
    assert not at.exception
    assert any("45 days" in w and "showing 60 days" in w for w in _warnings(at)), _warnings(at)
    assert any("60 days" in c.value for c in at.caption)
    assert not any("45 days" in c.value for c in at.caption)


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("confidence", "42", "The link's confidence ('42') is not one the page offers (90, 95, "
         "99): showing 95% instead."),
        ("confidence", "abc", "The link's confidence ('abc') is not one the page offers"),
        ("confidence", "²", "The link's confidence ('²') is not one the page offers"),
        ("correction", "sidak", "The link's correction ('sidak') is not one the page offers "
         "(holm, bh, none): showing 'Holm correction' instead."),
        ("cap", "maybe", "The link's cap ('maybe') is not one the page offers (on, off): "
         "showing off instead."),
        ("cuped", "2", "The link's cuped ('2') is not one the page offers (on, off): "
         "showing on instead."),
    ],
)  # fmt: skip
@pytest.mark.parametrize("view", ["results", "report"])
def test_a_links_bad_setting_falls_back_to_the_rule_and_says_so(app_env, view, name, value, said):
    """confidence=42 or cap=maybe was silently replaced by the design rule's (or the default)."""
    query = {"experiment": "1", name: value} | ({"view": "report"} if view == "report" else {})
    at = run(query)
    notices = [w for w in _warnings(at) if "link's" in w]
    assert len(notices) == 1 and notices[0].startswith(said), _warnings(at)
    if view == "results":  # the report view has no pickers: it shows the link as it is
        at.run()  # the notice is about the link: once the page shows its own settings, it goes
        assert not [w for w in _warnings(at) if "link's" in w]


def test_good_link_settings_open_without_a_notice(app_env):
    at = run({"experiment": "1", "confidence": "90", "correction": "bh", "cap": "on"})
    assert not [w for w in _warnings(at) if "link's" in w], _warnings(at)


def test_the_russian_settings_notice(app_env):
    at = run({"experiment": "1", "confidence": "42", "lang": "ru"})
    said = [w for w in _warnings(at) if "Уровня доверия «42» из ссылки нет" in w]
    assert said and "95" in said[0] and "%" in said[0], _warnings(at)
