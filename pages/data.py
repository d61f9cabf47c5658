"""Data: what is in the store, and uploading a marketer's own files into it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from experiments import charts, config, ingest
from experiments.store import StoreError, overview
from pages import _ui

_ui.run_through_app()

_ui.require_editor()
st.title("Data")
st.caption(
    "Everything the experiments are measured on: your transactions, customer attributes and "
    "campaign result files. Upload exports from your shop, CRM or e-mail service."
)

stats = _ui.cached_query(overview.store_stats)
cols = st.columns(5)
cols[0].metric("Customers", _ui.count(stats.customers))
cols[1].metric("Transactions", _ui.count(stats.transactions))
cols[2].metric(
    f"Revenue, {config.CURRENCY}",
    _ui.money_short(stats.revenue),
    help=f"Exactly {_ui.money(stats.revenue)}.",
)
cols[3].metric(
    "Repeat buyers",
    _ui.pct(stats.repeat_share),
    help="Share of buyers who purchased on at least two different days.",
)
cols[4].metric("Experiments", _ui.count(stats.experiments))
if stats.first_ts:
    st.caption(f"Transactions from **{stats.first_ts[:10]}** to **{stats.last_ts[:10]}**.")

monthly = _ui.cached_query(overview.monthly_activity)
if not monthly.empty:
    st.plotly_chart(charts.monthly_activity_figure(monthly), width="stretch")
    st.caption("Look for seasonality and gaps: a missing month usually means a missing export.")

# -- upload --------------------------------------------------------------------------------------
st.header("Upload a file")
KIND_HELP = {
    "transactions": "One row per order: customer, date, amount (order id, margin, channel, "
    "discount optional).",
    "customers": "One row per customer: an id column plus any attributes (city, tier, ...).",
    "results": "A campaign result export: one row per customer with an arm/group column and "
    "outcome columns (e.g. an e-mail service or CRM export). Customer ids are optional.",
}
kind = st.segmented_control(
    "What is in the file?",
    options=list(KIND_HELP),
    default="transactions",
    key="upload_kind",
)
kind = kind or "transactions"
st.caption(KIND_HELP[kind])
uploaded = st.file_uploader(
    "CSV (comma, semicolon or tab; UTF-8 or Windows-1251), XLSX or Parquet",
    type=["csv", "txt", "tsv", "xlsx", "parquet"],
    key="upload_file",
)

path = _ui.upload_copy(uploaded, "data")  # one copy per file, removed when it goes
if uploaded is not None and path is not None:
    inspection = ingest.inspect_file(path, kind, file_name=uploaded.name)
    st.caption(f"Detected: {inspection.format.describe()} · {len(inspection.columns)} columns")
    for problem in inspection.problems:
        (st.error if problem.severity == "error" else st.warning)(_ui.plain(problem.message))
    if inspection.ok:
        st.dataframe(inspection.preview, width="stretch", hide_index=True)

        st.subheader("Columns")
        st.caption(
            "We guessed which column holds what; correct anything that is wrong. "
            "Fields marked * are required."
        )
        mapping: dict[str, str] = {}
        ignore = "(not in this file)"
        field_cols = st.columns(min(4, max(1, len(inspection.fields))))
        for i, field in enumerate(inspection.fields):
            options = [ignore, *inspection.columns]
            guess = next(
                (src for src, f in inspection.guessed_mapping.items() if f == field.name), None
            )
            choice = field_cols[i % len(field_cols)].selectbox(
                f"{field.name}{' *' if field.required else ''}",
                options,
                index=options.index(guess) if guess in options else 0,
                help=field.description,
                key=f"map_{kind}_{field.name}",
            )
            if choice != ignore:
                mapping[choice] = field.name
        experiment = None
        if kind == "results":
            experiment = st.text_input(
                "Experiment name",
                value=Path(uploaded.name).stem,
                help="Results attach to this experiment; it is created if it does not exist.",
            )

        if st.button("Validate and load", type="primary", key="load_button"):
            bar = st.progress(0.0, text="Reading the file...")
            try:
                result = ingest.load_file(
                    _ui.get_store(),
                    kind=kind,
                    path=path,
                    mapping=mapping,
                    experiment=experiment or None,
                    file_name=uploaded.name,
                    progress=_ui.streamlit_progress(bar),
                )
            except (StoreError, MemoryError) as error:  # disk full, out of memory, locked
                bar.empty()
                message = str(error) if isinstance(error, StoreError) else "Out of memory."
                st.session_state["flash"] = ("error", f"Nothing was loaded. {message}")
                st.session_state.pop("last_load", None)
            else:
                bar.empty()
                st.session_state["last_load"] = result
            st.rerun()

flash = st.session_state.pop("flash", None)
if flash:
    (st.success if flash[0] == "success" else st.error)(_ui.plain(flash[1]))
result = st.session_state.get("last_load")
if result is not None:
    (st.success if result.ok else st.error)(_ui.plain(result.summary()))
    if result.problems:
        st.table(  # a static table wraps the messages; a dataframe would cut them off
            pd.DataFrame(
                [
                    {
                        "severity": p.severity,
                        "problem": _ui.plain(p.message),  # st.table renders Markdown
                        "rows affected": p.count,
                        "row numbers (first ones)": ", ".join(map(str, p.rows)),
                    }
                    for p in result.problems
                ]
            ),
            hide_index=True,
        )

# -- history -------------------------------------------------------------------------------------
st.header("Upload history")
history = _ui.cached_query(overview.upload_history)
if history.empty:
    st.info("No uploads yet.")
else:
    st.dataframe(
        history.drop(columns=["sha256"]),
        width="stretch",
        hide_index=True,
        column_config={
            "upload_id": st.column_config.NumberColumn("#", format="%d"),
            "file_name": "file",
            "rows": st.column_config.NumberColumn("rows", format="localized"),
            "loaded_at": st.column_config.DatetimeColumn("loaded", format="YYYY-MM-DD HH:mm"),
        },
    )
    with st.expander("Remove an upload"):
        st.caption("Removes the upload's rows from the store and its entry from this history.")
        labels = {
            int(
                r.upload_id
            ): f"#{r.upload_id} {r.file_name} ({r.rows} rows, {r.loaded_at:%Y-%m-%d})"
            for r in history.itertuples()
        }
        chosen = st.selectbox("Upload", list(labels), format_func=labels.get, key="remove_choice")
        if st.button("Remove upload", key="remove_button"):
            st.session_state.pop("last_load", None)
            try:
                st.session_state["flash"] = (
                    "success",
                    ingest.remove_upload(_ui.get_store(), int(chosen)),
                )
            except StoreError as error:
                st.session_state["flash"] = ("error", str(error))
            st.rerun()
