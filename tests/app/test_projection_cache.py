"""The Results page's CLV projection is fitted once per (experiment, bootstrap, store version,
store) and shown to every later session from a process-level cache: the progress bar of the
session that fitted it is never part of a cached value (st.cache_data replaying a closed
session's elements failed with CacheReplayClosureError)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from experiments.clv import projection
from tests.app.test_russian_pages import run


def _project(at: AppTest) -> AppTest:
    next(b for b in at.button if str(b.key).startswith("projection_")).click().run()
    assert not at.exception, at.exception
    return at


def _table(at: AppTest):
    return next(d.value for d in at.dataframe if "vs control" in d.value.columns)


def test_a_second_session_shows_the_projection_without_refitting(app_env, monkeypatch):
    fits: list[int] = []
    real = projection.project_arms  # the page's call; project_arms may call itself

    def counting(*args, **kwargs):
        fits.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr("experiments.clv.project_arms", counting)
    first = _project(run({}))
    shown = _table(first)
    assert len(fits) == 1
    first.run()  # a rerun of the same session after its elements are gone
    assert not first.exception, first.exception
    assert _table(first).equals(shown)
    second = _project(run({}))  # another session, same store and version
    assert not second.exception, second.exception
    assert _table(second).equals(shown)
    assert len(fits) == 1  # neither the rerun nor the second session refitted
