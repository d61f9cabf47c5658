"""Access on the office network (issue 13, items 2-4): lookup rule, passwords, tokens, secrets."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from experiments import access, config, design, experiment, share
from experiments.design import ArmSpec, ExperimentSpec

ROOT = Path(__file__).resolve().parents[1]


def _draft(store, name: str) -> int:
    arms = (ArmSpec("control", "control", 0.5), ArmSpec("gift", "gift", 0.5, gift_cost=100))
    return design.save_experiment(store, ExperimentSpec(name=name, arms=arms))


@pytest.fixture
def confusable(store):
    """Experiment 1 is named "2"; experiment 2 is named "x"; experiment 3 is named "1"."""
    assert _draft(store, "2") == 1
    assert _draft(store, "x") == 2
    assert _draft(store, "1") == 3
    return store


# -- 2. one lookup rule ------------------------------------------------------------------------
def test_typed_key_is_a_name_first_then_an_id_and_every_lookup_agrees(confusable):
    with confusable.cursor() as cur:
        for typed, expected in (("2", 1), ("x", 2), ("1", 3), ("3", 3), (" 2 ", 1)):
            found = experiment.load(cur, typed)
            stored = experiment.load(cur, typed)  # the Design page's lookup
            assert found is not None and stored is not None, typed
            assert (found.id, stored.id) == (expected, expected), typed
        assert experiment.load(cur, "4") is None
        assert experiment.load(cur, "9" * 5000) is None  # no int() overflow


def test_an_int_and_a_link_value_are_ids(confusable):
    with confusable.cursor() as cur:
        assert experiment.load(cur, 1).name == "2"
        assert experiment.from_link(cur, "1").name == "2"  # a link carries ids
        assert experiment.from_link(cur, "3").name == "1"
        assert experiment.from_link(cur, "x").id == 2  # an old link with a name
        assert experiment.from_link(cur, "9" * 5000) is None
        assert experiment.load(cur, 3).spec().name == "1"


def test_cli_looks_names_up_by_the_same_rule(confusable):
    from experiments.__main__ import _experiment

    assert _experiment(confusable, "1").id == 3  # the experiment named "1", not id 1
    assert _experiment(confusable, "2").id == 1
    assert _experiment(confusable, "3").id == 3


# -- 3. passwords and tokens -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "configured", "ok"),
    [
        ("пароль", "пароль", True),
        ("пароль", "pw", False),
        ("pw", "пароль", False),
        ("pässword", "pa\u0308ssword", True),  # composed vs decomposed umlaut
        ("", "", False),
        ("pw", "pw", True),
    ],
)
def test_passwords_compare_as_bytes(typed, configured, ok):
    assert access.password_matches(typed, configured) is ok


def test_wrong_guesses_make_the_next_one_wait_longer_per_session_and_address(monkeypatch):
    monkeypatch.setattr(config, "SIGN_IN_FREE_GUESSES", 1)
    monkeypatch.setattr(config, "SIGN_IN_DELAY_BASE_SECONDS", 1.0)
    monkeypatch.setattr(config, "SIGN_IN_DELAY_MAX_SECONDS", 300.0)
    throttle = access.SignInThrottle()
    tab = ["session:a", "address:10.0.0.9"]
    assert throttle.wait_seconds(tab, now=0) == 0
    now, guesses = 0.0, 0
    while now < 15:  # a script guessing as fast as it is let through, for 15 s
        wait = throttle.wait_seconds(tab, now=now)
        if wait > 0:
            now += wait
            continue
        throttle.failed(tab, now=now)
        guesses += 1
    assert guesses <= 5  # was 60 in 15 s: 1 + 1 + 2 + 4 + 8 s of waiting
    assert [access.delay_after(n) for n in range(1, 6)] == [1, 2, 4, 8, 16]
    assert access.delay_after(100) == 300
    # a new tab (new session) from the same address still waits; another address does not
    throttle.failed(tab, now=now)
    assert throttle.wait_seconds(["session:b", "address:10.0.0.9"], now=now) > 0
    assert throttle.wait_seconds(["session:c", "address:10.0.0.7"], now=now) == 0
    throttle.succeeded(tab)
    assert throttle.wait_seconds(tab, now=now) == 0


@pytest.mark.parametrize(
    "token",
    ["²³.abc", "1." + "é" * 43, "9" * 5000 + ".x", "12.", "١٢٣." + "a" * 43, "1.a b", "..."],
    ids=["superscript", "accents", "huge", "empty-mac", "arabic-digits", "space", "dots"],
)
def test_malformed_tokens_say_invalid_link(token):
    check = share.verify({"experiment": "1", "token": token}, "secret")
    assert check.status == "malformed" and "invalid" in check.message


# -- 6. JSON output ----------------------------------------------------------------------------
def test_json_output_is_always_valid(capsys):
    from experiments.__main__ import _print_json

    _print_json({"revenue": float("inf"), "rows": [float("nan"), 1.5, -float("inf")], "n": 3})
    document = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(c))
    assert document == {"revenue": None, "rows": [None, 1.5, None], "n": 3}


# -- 4. exposure -------------------------------------------------------------------------------
def test_secrets_file_is_git_ignored():
    checked = subprocess.run(
        ["git", "check-ignore", "-q", ".streamlit/secrets.toml"], cwd=ROOT, check=False
    )
    assert checked.returncode == 0


def test_streamlit_config_closes_what_the_app_can_close():
    import tomllib

    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    server = settings["server"]
    assert server["enableXsrfProtection"] is True and server["enableCORS"] is True
    assert server["enableStaticServing"] is False and server["enableAgentApi"] is False
    assert settings["client"]["showErrorDetails"] == "none"
