"""The sign-in form, a report link's refusal and a store that cannot be opened, in a `lang=ru`
session (#12): they were English on every page."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP
from tests.app.test_russian_pages import english_left

SECRET = "test-secret"


def app(secrets: dict[str, dict[str, str]], query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for section, values in secrets.items():
        at.secrets[section] = values
    at.query_params.update(query)
    return at


def test_the_sign_in_form_and_a_wrong_password_are_russian(app_env):
    at = app({"auth": {"editor_password": "pw"}}, {"lang": "ru"})
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Войдите, чтобы вносить изменения"
    assert at.text_input[0].label == "Пароль редактора"
    assert not english_left(at), english_left(at)
    at.text_input[0].input("guess")
    at.button[0].click().run()
    assert at.error[0].value == "Неверный пароль."
    assert not english_left(at), english_left(at)


def test_a_report_behind_the_sign_in_is_russian(app_env):
    at = app({"auth": {"editor_password": "pw"}}, {"lang": "ru", "view": "report"})
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Войдите, чтобы открыть этот отчёт"


def test_a_damaged_report_link_is_refused_in_russian(app_env):
    query = {"lang": "ru", "view": "report", "experiment": "1", "token": "²³.abc"}
    at = app({"share": {"secret": SECRET}}, query)
    at.run()
    assert not at.exception, at.exception
    assert at.error[0].value.startswith("Ссылка на отчёт недействительна")
    assert not english_left(at), english_left(at)


def test_a_store_that_cannot_be_opened_is_said_in_russian(app_env):
    app_env.write_bytes(b"this is not a DuckDB file" * 200)
    at = app({}, {"lang": "ru"})
    at.run()
    said = at.error[0].value
    assert said.startswith("**Базу не удаётся открыть.** Не удаётся открыть базу "), said
    assert "cannot be opened" not in said and "Cannot open" not in said
