"""Data: what is in the store, and uploading a marketer's own files into it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from experiments import charts, config, ingest
from experiments import experiment as experiment_record
from experiments.i18n import t
from experiments.store import StoreError, overview
from experiments.store import settings as store_settings
from pages import _ui

_ui.run_through_app()

_ui.require_editor()
lang = _ui.lang()
st.title(t("page.data", lang))
st.caption(t("data.intro", lang))

stats = _ui.cached_query(overview.store_stats)
cols = st.columns(5)
cols[0].metric(t("data.customers", lang), _ui.count(stats.customers))
cols[1].metric(t("data.transactions", lang), _ui.count(stats.transactions))
cols[2].metric(
    t("data.revenue", lang, currency=config.CURRENCY),
    _ui.money_short(stats.revenue),
    help=t("data.revenue.help", lang, amount=_ui.money(stats.revenue)),
)
cols[3].metric(
    t("data.repeat_buyers", lang),
    _ui.pct(stats.repeat_share),
    help=t("data.repeat_buyers.help", lang),
)
cols[4].metric(t("data.experiments", lang), _ui.count(stats.experiments))
if stats.first_ts:
    st.caption(
        t("data.span", lang, first=stats.first_ts[:10], last=(stats.last_ts or "")[:10])
        if lang == "en"
        else t(
            "data.span",
            lang,
            first=_ui.fmt().date_short(pd.Timestamp(stats.first_ts).date()),
            last=_ui.fmt().date_short(pd.Timestamp(stats.last_ts).date()),
        )
    )

monthly = _ui.cached_query(overview.monthly_activity)
if not monthly.empty:
    st.plotly_chart(charts.monthly_activity_figure(monthly), width="stretch")
    st.caption(t("data.monthly_caption", lang))

# -- store settings ------------------------------------------------------------------------------
st.header(t("data.settings", lang))
current = _ui.cached_query(store_settings.read_settings)
rate_now = float(current.value("margin_rate"))
st.caption(
    f"Margin rate **{rate_now:.1%}** "
    + ("(set for this store)" if current.margin_rate is not None else "(the default)")
    + f". {store_settings.SETTINGS['margin_rate'].help}"
)
with st.form("store_settings", border=False):
    typed = st.text_input(
        "Margin rate",
        value=f"{rate_now * 100:.4g}%",
        key="margin_rate_input",
        help="A share between 0 and 1: 0.35, 0,35 or 35%.",
        width=240,
    )
    if st.form_submit_button("Save store settings", key="save_settings"):
        try:
            saved = store_settings.update_settings(_ui.get_store(), {"margin_rate": typed})
            st.session_state["settings_flash"] = (
                "success",
                f"Margin rate set to {float(saved.value('margin_rate')):.1%}: every net value "
                "and report uses it from now on.",
            )
        except StoreError as error:
            st.session_state["settings_flash"] = ("error", str(error))
        st.rerun()
settings_flash = st.session_state.pop("settings_flash", None)
if settings_flash:
    (st.success if settings_flash[0] == "success" else st.error)(settings_flash[1])

# -- upload --------------------------------------------------------------------------------------
st.header(t("data.upload", lang))
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


def _load(args: tuple[Any, ...], file_name: str, *, load_valid_rows: bool) -> None:
    """Load a file (all-or-nothing, or its valid rows when asked) with a progress bar; a store
    failure (disk full, out of memory, locked) is a message, not a traceback."""
    kind_, path_, mapping_, experiment_ = args
    bar = st.progress(0.0, text="Reading the file...")
    try:
        result = ingest.load_file(
            _ui.get_store(),
            kind=kind_,
            path=path_,
            mapping=mapping_,
            experiment=experiment_ or None,
            file_name=file_name,
            progress=_ui.streamlit_progress(bar),
            load_valid_rows=load_valid_rows,
        )
    except (StoreError, MemoryError) as error:
        message = str(error) if isinstance(error, StoreError) else "Out of memory."
        st.session_state["flash"] = ("error", f"Nothing was loaded. {message}")
        st.session_state.pop("last_load", None)
    else:
        st.session_state["last_load"] = result
        st.session_state["last_load_args"] = args
    finally:
        bar.empty()


path = _ui.upload_copy(uploaded, "data")  # one copy per file, removed when it goes
if uploaded is not None and path is not None:
    inspection = ingest.inspect_file(path, kind, file_name=uploaded.name)
    st.caption(f"Detected: {inspection.format.describe()} · {len(inspection.columns)} columns")
    for problem in inspection.problems:
        (st.error if problem.severity == "error" else st.warning)(_ui.plain(problem.message))
    if inspection.ok:
        st.dataframe(inspection.preview, width="stretch", hide_index=True)

        st.subheader("Columns")
        mapping = _ui.mapping_form(inspection, f"map_{kind}")
        experiment = None
        if kind == "results":
            existing = [e.name for e in _ui.cached_query(experiment_record.list_all)]
            stem = Path(uploaded.name).stem
            experiment = st.selectbox(
                "Experiment",
                [stem, *[n for n in existing if n != stem]],
                accept_new_options=True,
                key="results_experiment",
                help="Results attach to this experiment: pick one designed or registered here "
                "(its arms and costs apply), or type a new name to create one from the file.",
            )

        if st.button("Validate and load", type="primary", key="load_button"):
            _load((kind, str(path), mapping, experiment), uploaded.name, load_valid_rows=False)
            st.rerun()

flash = st.session_state.pop("flash", None)
if flash:
    (st.success if flash[0] == "success" else st.error)(_ui.plain(flash[1]))
result = st.session_state.get("last_load")
if result is not None:
    (st.success if result.ok else st.error)(_ui.plain(result.summary()))
    if result.set_aside is not None:
        st.download_button(
            f"Download the {_ui.count(result.set_aside_rows)} rows set aside (CSV)",
            data=result.set_aside.to_csv(index=False).encode("utf-8-sig"),
            file_name=f"{Path(result.file_name).stem}-set-aside.csv",
            mime="text/csv",
            icon=":material/download:",
            key="set_aside_download",
            on_click="ignore",
        )
    row_errors = [p for p in result.errors if p.rows]
    args = st.session_state.get("last_load_args")
    if not result.ok and row_errors and args is not None:
        st.caption(
            "Loading is all-or-nothing. If the rows named below are not worth fixing, load the "
            "others and download these to look at later."
        )
        if st.button(
            "Load the valid rows, download the rest",
            icon=":material/rule:",
            key="load_valid_button",
        ):
            _load(args, result.file_name, load_valid_rows=True)
            st.rerun()
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
st.header(t("data.history", lang))
history = _ui.cached_query(overview.upload_history)
if history.empty:
    st.info(t("data.no_uploads", lang))
else:
    demo_rows = history[history["kind"] == "demo"]
    if not demo_rows.empty:
        st.info(
            f"Upload #{int(demo_rows['upload_id'].iloc[0])} is the **demo data set** (synthetic "
            "customers and the demo experiment), not your data. Remove it below, with its "
            "experiment, once you have loaded your own.",
            icon=":material/science:",
        )
    history = history.assign(
        kind=history["kind"].where(history["kind"] != "demo", "demo (synthetic)")
    )
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
    with st.expander(t("data.remove", lang)):
        st.caption(t("data.remove.caption", lang))
        labels = {
            int(
                r.upload_id
            ): f"#{r.upload_id} {r.file_name} ({r.rows} rows, {r.loaded_at:%Y-%m-%d})"
            for r in history.itertuples()
        }
        chosen = st.selectbox("Upload", list(labels), format_func=labels.get, key="remove_choice")
        if st.button("Remove upload", key="remove_button"):
            st.session_state["remove_pending"] = int(chosen)
        if st.session_state.get("remove_pending") == chosen:
            demo = next((r for r in history.itertuples() if r.upload_id == chosen), None)
            what = (
                " It is the demo data set: its experiment goes with it."
                if demo is not None and str(demo.kind).startswith("demo")
                else ""
            )
            st.warning(
                f"Remove {labels[chosen]}? Its rows leave the store for good.{what}",
                icon=":material/warning:",
            )
            yes, no = st.columns(2)
            if yes.button("Yes, remove it", type="primary", key="remove_confirm"):
                st.session_state.pop("last_load", None)
                st.session_state.pop("remove_pending", None)
                try:
                    st.session_state["flash"] = (
                        "success",
                        ingest.remove_upload(_ui.get_store(), int(chosen)),
                    )
                except StoreError as error:
                    st.session_state["flash"] = ("error", str(error))
                st.rerun()
            if no.button("Cancel", key="remove_cancel"):
                st.session_state.pop("remove_pending", None)
                st.rerun()
