"""The progress callback every long domain operation accepts (loads, the demo, bootstraps).

`progress(fraction, text)`: fraction done in [0, 1] and a short line for the user. The pages
adapt it to an `st.progress` bar (`pages._ui.streamlit_progress`); the CLI prints it; None means
nobody is watching.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Progress", "monotonic"]

Progress = Callable[[float, str], None]


def monotonic(progress: Progress) -> Progress:
    """`progress` that never goes back: each fraction is clamped to [0, 1] and to at least
    the largest one reported before, so a job of several steps, each with its own scale (a
    file hashed, then read, or read again when the fast path gives way), moves one way only;
    the text still changes with the step."""
    reached = 0.0

    def report(fraction: float, text: str) -> None:
        nonlocal reached
        reached = max(reached, min(max(float(fraction), 0.0), 1.0))
        progress(reached, text)

    return report
