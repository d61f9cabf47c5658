"""Loyalty Lab: page config, the shared store (seeded with demo data on first start), navigation."""

from __future__ import annotations

import streamlit as st

from experiments import demo
from pages import _ui

st.set_page_config(page_title="Loyalty Lab", page_icon=":material/loyalty:", layout="wide")

store = _ui.get_store()
if store.is_empty() and not st.session_state.get("demo_checked"):
    with st.status("First start: creating the demo store...", expanded=True) as status:
        bar = st.progress(0.0)
        seeded = demo.seed_demo_if_empty(store, progress=_ui.streamlit_progress(bar))
        status.update(label="Demo data ready" if seeded else "Store ready", state="complete")
st.session_state["demo_checked"] = True

pages = [
    st.Page("pages/data.py", title="Data", icon=":material/database:", url_path="data", default=True),
]
st.navigation(pages).run()
