"""Access through the app (issue 13, items 1-3, 10): reports behind the sign-in, passwords,
malformed links, and names shown literally."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from experiments import config, share
from experiments.store import open_store

from .conftest import APP

SECRET = "test-secret"


def app(secrets: dict[str, dict[str, str]], query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for section, values in secrets.items():
        at.secrets[section] = values
    if query:
        at.query_params.update(query)
    return at


def shows_results(at: AppTest) -> bool:
    return any("Surprise gift" in m.value for m in at.markdown)


# -- 1. a password without a share secret ------------------------------------------------------
@pytest.mark.parametrize(
    "query", [{"view": "report", "experiment": "1"}, {"experiment": "1", "horizon": "60"}]
)
def test_password_alone_keeps_reports_behind_the_sign_in(app_env, query):
    at = app({"auth": {"editor_password": "pw"}}, query)
    at.run()
    if "view" not in query:
        at.switch_page("pages/report.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value.startswith("Sign in")
    assert not shows_results(at)
    at.text_input[0].input("pw")
    at.button[0].click().run()
    assert shows_results(at)


def test_password_and_secret_a_valid_signed_link_opens_without_sign_in(app_env):
    params = {"experiment": "1", "horizon": "60", "view": "report"}
    token = share.sign(params, SECRET, ttl_seconds=600)
    at = app(
        {"auth": {"editor_password": "pw"}, "share": {"secret": SECRET}}, {**params, "token": token}
    )
    at.run()
    assert not at.exception and shows_results(at)
    unsigned = app({"auth": {"editor_password": "pw"}, "share": {"secret": SECRET}}, params)
    unsigned.run()
    assert unsigned.title[0].value.startswith("Sign in") and not shows_results(unsigned)


# -- 3. passwords and malformed links ----------------------------------------------------------
def test_non_ascii_passwords_neither_crash_nor_lock_out(app_env):
    at = app({"auth": {"editor_password": "pw"}})
    at.run()
    at.text_input[0].input("пароль")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert "Wrong password" in at.error[0].value

    cyrillic = app({"auth": {"editor_password": "пароль"}})
    cyrillic.run()
    cyrillic.text_input[0].input("пароль")
    cyrillic.button[0].click().run()
    assert not cyrillic.exception, cyrillic.exception
    assert cyrillic.title[0].value == "Results"


def test_a_wrong_guess_makes_the_next_one_wait(app_env, monkeypatch):
    monkeypatch.setattr(config, "SIGN_IN_DELAY_BASE_SECONDS", 60.0)
    at = app({"auth": {"editor_password": "pw"}})
    at.run()
    at.text_input[0].input("guess")
    at.button[0].click().run()
    assert "Wrong password" in at.error[0].value
    at.text_input[0].input("pw")  # even the right password waits its turn
    at.button[0].click().run()
    assert "Try again in" in at.error[0].value
    assert at.title[0].value == "Sign in to edit"


@pytest.mark.parametrize(
    "token", ["²³.abc", "1." + "é" * 43, "9" * 5000 + ".x"], ids=["superscript", "accents", "huge"]
)
def test_malformed_token_says_the_link_is_invalid(app_env, token):
    at = app({"share": {"secret": SECRET}}, {"view": "report", "experiment": "1", "token": token})
    at.run()
    assert not at.exception, at.exception
    assert at.error and "invalid" in at.error[0].value
    assert not shows_results(at)


# -- 2. links carry ids ------------------------------------------------------------------------
def test_report_link_carries_the_id_and_opens_that_experiment(app_env):
    store = open_store(app_env)
    with store.transaction() as cur:
        cur.execute("UPDATE experiments SET name = '2' WHERE experiment_id = 1")
    at = app({"share": {"secret": SECRET}})
    at.run()
    link = at.code[1].value
    query = dict(p.split("=", 1) for p in link.split("?", 1)[1].split("&"))
    assert query["experiment"] == "1"  # the id, not the name "2"
    again = app({"share": {"secret": SECRET}}, query)
    again.run()
    assert not again.exception and not again.error and shows_results(again)
    assert again.title[0].value == "2"


# -- 10. names are shown literally -------------------------------------------------------------
def test_markdown_in_names_is_shown_as_text(app_env):
    store = open_store(app_env)
    hostile = "![x](http://evil.test/p.png) [Log in](http://evil.test)"
    with store.transaction() as cur:
        cur.execute("UPDATE experiments SET name = ? WHERE experiment_id = 1", [hostile])
        cur.execute(
            "UPDATE arms SET name = ? WHERE experiment_id = 1 AND kind = 'gift'",
            ["[Surprise gift](http://evil.test/claim)"],
        )
    at = app({}, {"view": "report", "experiment": "1"})
    at.run()
    assert not at.exception, at.exception
    rendered = [at.title[0].value, *(m.value for m in at.markdown), *(c.value for c in at.caption)]
    rendered += [w.value for w in at.warning]
    for text in rendered:
        assert not re.search(r"(?<!\\)\]\(", text), text  # no live link or image syntax
        assert "http://" not in text, text  # no autolink either
    assert any("Surprise gift" in m.value for m in at.markdown)
