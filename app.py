"""Loyalty Lab: page config, the shared store (seeded with demo data on first start), navigation."""

from __future__ import annotations

import streamlit as st

from experiments import demo, share
from pages import _ui

st.set_page_config(page_title="Loyalty Lab", page_icon=":material/loyalty:", layout="wide")

store = _ui.get_store()
if not st.session_state.get("demo_checked") and store.is_empty():
    with st.status("First start: creating the demo store...", expanded=True) as status:
        bar = st.progress(0.0)
        seeded = demo.seed_demo_if_empty(store, progress=_ui.streamlit_progress(bar))
        label = (
            f"First start: created the store {store.path} with the demo data set (synthetic "
            "customers and one experiment; remove it on the Data page once your data is in)"
            if seeded
            else "Store ready"
        )
        status.update(label=label, state="complete", expanded=False)
st.session_state["demo_checked"] = True

report = st.Page("pages/report.py", title="Report", icon=":material/summarize:", url_path="report")

if st.query_params.get(share.VIEW_PARAM) == "report" or (
    _ui.secret("share", "secret") and share.TOKEN_PARAM in st.query_params
):
    # A report link opens only the read-only report: no navigation to editing pages.
    st.navigation(
        [st.Page("pages/report.py", title="Report", default=True)], position="hidden"
    ).run()
else:
    pages = {
        "Experiments": [
            st.Page(
                "pages/results.py",
                title="Results",
                icon=":material/insights:",
                url_path="results",
                default=True,
            ),
            st.Page(
                "pages/design.py", title="Design", icon=":material/science:", url_path="design"
            ),
            st.Page("pages/data.py", title="Data", icon=":material/database:", url_path="data"),
            st.Page(
                "pages/customers.py",
                title="Customers",
                icon=":material/group:",
                url_path="customers",
            ),
        ],
        "Share": [report],
    }
    # Before sign-in the sidebar lists no pages: every page would only ask for the password.
    signed_out = _ui.access_protected() and not _ui.editor_allowed()
    st.navigation(pages, position="hidden" if signed_out else "sidebar").run()
