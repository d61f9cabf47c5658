"""Loyalty Lab: page config, the shared store (seeded with demo data on first start), navigation."""

from __future__ import annotations

import streamlit as st

from experiments import demo, share
from experiments.i18n import t
from pages import _ui

st.set_page_config(page_title="Loyalty Lab", page_icon=":material/loyalty:", layout="wide")

lang = _ui.lang()  # per session, on every run: the URL's lang=, else the browser's
store = _ui.get_store()
if not st.session_state.get("demo_checked") and store.is_empty():
    with st.status(t("app.first_start", lang), expanded=True) as status:
        bar = st.progress(0.0)
        seeded = demo.seed_demo_if_empty(store, progress=_ui.streamlit_progress(bar))
        label = (
            t("app.first_start_done", lang, path=store.path)
            if seeded
            else t("app.store_ready", lang)
        )
        status.update(label=label, state="complete", expanded=False)
st.session_state["demo_checked"] = True

report = st.Page(
    "pages/report.py", title=t("page.report", lang), icon=":material/summarize:", url_path="report"
)

if st.query_params.get(share.VIEW_PARAM) == "report" or (
    _ui.secret("share", "secret") and share.TOKEN_PARAM in st.query_params
):
    # A report link opens only the read-only report: no navigation to editing pages.
    st.navigation(
        [st.Page("pages/report.py", title=t("page.report", lang), default=True)], position="hidden"
    ).run()
else:
    # the report view is read-only (no widgets): its language is the link's or the browser's
    lang = _ui.language_picker()
    _ui.excel_encoding_picker()  # what every "CSV for Excel" button writes in
    pages = {
        t("nav.experiments", lang): [
            st.Page(
                "pages/results.py",
                title=t("page.results", lang),
                icon=":material/insights:",
                url_path="results",
                default=True,
            ),
            st.Page(
                "pages/design.py",
                title=t("page.design", lang),
                icon=":material/science:",
                url_path="design",
            ),
            st.Page(
                "pages/data.py",
                title=t("page.data", lang),
                icon=":material/database:",
                url_path="data",
            ),
            st.Page(
                "pages/customers.py",
                title=t("page.customers", lang),
                icon=":material/group:",
                url_path="customers",
            ),
        ],
        t("nav.share", lang): [report],
    }
    # Before sign-in the sidebar lists no pages: every page would only ask for the password.
    signed_out = _ui.access_protected() and not _ui.editor_allowed()
    st.navigation(pages, position="hidden" if signed_out else "sidebar").run()
