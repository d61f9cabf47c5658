"""The progress callback every long domain operation accepts (loads, the demo, bootstraps).

`progress(fraction, text)`: fraction done in [0, 1] and a short line for the user. The pages
adapt it to an `st.progress` bar (`pages._ui.streamlit_progress`); the CLI prints it; None means
nobody is watching.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Progress"]

Progress = Callable[[float, str], None]
