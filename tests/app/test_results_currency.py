"""The Results page says the payback and fading statements in the store's currency.

Before: the charts' captions under the payback and decay charts came from
`report.figure_specs(analysis, lang)` without the currency, so a euro store read
'extra contribution +RUB 39 per customer' under the decay chart while the cards said '+€479'.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from experiments.store import open_store
from experiments.store import settings as store_settings

from .conftest import APP


@pytest.mark.parametrize(("lang", "euro", "never"), [("en", "€", "RUB"), ("ru", "€", "₽")])
def test_the_fading_and_payback_captions_are_in_the_stores_currency(app_env, lang, euro, never):
    store_settings.update_settings(open_store(app_env), {"currency": "EUR"})
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    halves = "extra contribution" if lang == "en" else "дополнительный вклад"
    fading = [c for c in captions if halves in c]
    assert fading, captions
    for caption in fading:
        assert euro in caption and never not in caption, caption
    assert not [c for c in captions if never in c]
