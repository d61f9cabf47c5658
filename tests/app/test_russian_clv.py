"""The CLV model in Russian and in the store's currency: the Customers page after the fit button
and the Results page's 12-month projection (texts from experiments/i18n/messages_clv.py)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from experiments.store import open_store
from experiments.store import settings as store_settings
from tests.app.test_russian_pages import english_left, latin_words, run


def _headers(at: AppTest) -> list[str]:
    return [str(c) for d in at.dataframe for c in d.value.columns]


def _fit(at: AppTest) -> AppTest:
    at.button(key="fit_clv").click().run()
    assert not at.exception, at.exception
    return at


def _project(at: AppTest) -> AppTest:
    next(b for b in at.button if str(b.key).startswith("projection_")).click().run()
    assert not at.exception, at.exception
    return at


def _euro_store(app_env) -> None:
    store_settings.update_settings(open_store(app_env), {"currency": "EUR"})


def test_the_fitted_clv_model_in_russian_has_no_english(app_env):
    at = _fit(run({"lang": "ru"}, "pages/customers.py"))
    assert any(s.value == "Параметры модели" for s in at.subheader)
    left = english_left(at)
    assert left == [], str(sorted({(kind, word) for kind, word, _ in left}))
    parameters = next(d.value for d in at.dataframe if "параметр" in d.value.columns)
    assert [w for c in parameters.columns for w in latin_words(str(c))] == []
    assert set(parameters["параметр"]) == {"r", "alpha", "a", "b", "p", "q", "v"}


def test_the_clv_projection_in_russian_has_no_english_headers(app_env):
    at = _project(run({"lang": "ru"}))
    table = next(d.value for d in at.dataframe if "разница с контролем" in d.value.columns)
    assert "прогноз CLV на 12 месяцев, ₽" in table.columns  # #12: the symbol, not 'RUB'
    for header in table.columns:
        assert latin_words(str(header)) == [], header
    assert any("Бутстрэп" in c.value for c in at.caption)
    assert "Fitting" not in " ".join(str(getattr(p, "value", "")) for p in at.get("progress"))


def test_the_clv_projection_in_russian_says_its_messages_in_russian(app_env):
    """The warnings of withheld arms and the table's fit column: the messages are `Text`, and
    the page said them by their English str(); the status words were codes ('withheld')."""
    at = _project(run({"lang": "ru"}))
    left = english_left(at)
    assert left == [], str(sorted({(kind, word) for kind, word, _ in left}))
    table = next(d.value for d in at.dataframe if "разница с контролем" in d.value.columns)
    fit = " ".join(str(v) for v in table["качество модели"])
    assert latin_words(fit) == [], fit


def test_clv_headers_name_the_stores_currency(app_env):
    _euro_store(app_env)
    at = _fit(run({}, "pages/customers.py"))
    parameters = next(d.value for d in at.dataframe if "parameter" in d.value.columns)
    meaning = parameters.set_index("parameter").at["v", "meaning"]
    assert meaning == "scale of average spend, €"  # CLDR's symbol (Formatter.currency_symbol)
    assert not any("RUB" in h for h in _headers(at))
    russian = _fit(run({"lang": "ru"}, "pages/customers.py"))
    shown = next(d.value for d in russian.dataframe if "параметр" in d.value.columns)
    assert "€" in shown.set_index("параметр").at["v", "что означает"]  # the symbol
    assert not any("RUB" in h or "₽" in h for h in _headers(russian))

    results = _project(run({}))
    table = next(d.value for d in results.dataframe if "vs control" in d.value.columns)
    assert "projected 12-month CLV, €" in table.columns  # Formatter.currency_symbol
    assert "observed margin per customer, €" in table.columns
    assert not any("RUB" in str(h) for h in table.columns)
