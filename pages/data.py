"""Data: what is in the store, and uploading a marketer's own files into it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from experiments import charts, ingest
from experiments import experiment as experiment_record
from experiments.i18n import readback, t
from experiments.store import StoreError, overview
from experiments.store import settings as store_settings
from pages import _ui

_ui.run_through_app()

_ui.require_editor()
lang = _ui.lang()
formatter = _ui.fmt()
st.title(t("page.data", lang))
st.caption(t("data.intro", lang))

stats = _ui.cached_query(overview.store_stats)
cols = st.columns(5)
cols[0].metric(t("data.customers", lang), _ui.count(stats.customers))
cols[1].metric(t("data.transactions", lang), _ui.count(stats.transactions))
cols[2].metric(
    t("data.revenue", lang, currency=_ui.fmt().currency_symbol),  # ru '₽', en 'RUB'
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
            first=formatter.date(pd.Timestamp(stats.first_ts).date()),
            last=formatter.date(pd.Timestamp(stats.last_ts).date()),
        )
    )

monthly = _ui.cached_query(overview.monthly_activity)
if not monthly.empty:
    st.plotly_chart(charts.monthly_activity_figure(monthly), width="stretch")
    st.caption(t("data.monthly_caption", lang))

# -- store settings ------------------------------------------------------------------------------
st.header(t("data.settings", lang))
current = _ui.cached_query(store_settings.read_settings)
rate_now = float(current.value("margin_rate"))  # type: ignore[arg-type]
currency_now = str(current.value("currency"))


def _source(stored: object) -> str:
    return t("store.source.default" if stored is None else "store.source.store", lang)


st.caption(
    t(
        "store.margin_rate.caption",
        lang,
        rate=formatter.percent(rate_now),  # en '35.0%', ru '35,0 %'
        source=_source(current.margin_rate),
    )
)
st.caption(
    t("store.currency.caption", lang, currency=currency_now, source=_source(current.currency))
)
CURRENCIES = ("RUB", "EUR", "USD", "KZT", "BYN", "UZS", "AMD", "GEL", "KGS", "AZN", "CNY", "TRY")
with st.form("store_settings", border=False):
    setting_cols = st.columns([1, 1, 2])
    typed = setting_cols[0].text_input(
        t("store.margin_rate", lang),
        value=f"{rate_now * 100:.4g}%",
        key="margin_rate_input",
        help=t("store.margin_rate.help", lang),
    )
    currency_options = list(dict.fromkeys((currency_now, *CURRENCIES)))
    chosen_currency = setting_cols[1].selectbox(
        t("store.currency", lang),
        currency_options,
        index=0,
        key="currency_input",
        accept_new_options=True,  # any ISO 4217 code; the store checks it
        help=t("store.currency.help", lang),
    )
    if st.form_submit_button(t("store.save", lang), key="save_settings"):
        try:
            saved = store_settings.update_settings(
                _ui.get_store(), {"margin_rate": typed, "currency": chosen_currency}
            )
            rate = float(saved.value("margin_rate"))  # type: ignore[arg-type]
            st.session_state["settings_flash"] = (
                "success",
                t(
                    "store.saved",
                    lang,
                    rate=formatter.percent(rate),
                    currency=str(saved.value("currency")),
                ),
            )
        except StoreError as error:
            st.session_state["settings_flash"] = ("error", _ui.plain(_ui.say(error)))
        st.rerun()
settings_flash = st.session_state.pop("settings_flash", None)
if settings_flash:
    (st.success if settings_flash[0] == "success" else st.error)(settings_flash[1])

# -- upload --------------------------------------------------------------------------------------
st.header(t("data.upload", lang))
KINDS = ("transactions", "customers", "results")
kind = st.segmented_control(
    t("upload.kind", lang),
    options=list(KINDS),
    format_func=lambda k: t(f"upload.kind.{k}", lang),
    default="transactions",
    key="upload_kind",
)
kind = kind or "transactions"
st.caption(t(f"upload.kind.{kind}.help", lang))
uploaded = st.file_uploader(
    t("upload.file", lang),
    type=["csv", "txt", "tsv", "xlsx", "parquet"],
    key="upload_file",
)


def _summary(result: Any) -> str:
    """The load's one line (`LoadResult.summary_in`) in the page's language."""
    return str(result.summary_in(lang))


def _load(args: tuple[Any, ...], file_name: str, *, load_valid_rows: bool) -> None:
    """Load a file (all-or-nothing, or its valid rows when asked) with a progress bar; a store
    failure (disk full, out of memory, locked) is a message, not a traceback."""
    kind_, path_, mapping_, experiment_ = args
    bar = st.progress(0.0, text=t("upload.reading", lang))
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
        message = (
            _ui.say(error) if isinstance(error, StoreError) else t("upload.out_of_memory", lang)
        )
        st.session_state["flash"] = ("error", t("upload.nothing_loaded", lang, reason=message))
        st.session_state.pop("last_load", None)
    else:
        st.session_state["last_load"] = result
        st.session_state["last_load_args"] = args
    finally:
        bar.empty()


path = _ui.upload_copy(uploaded, "data")  # one copy per file, removed when it goes
if uploaded is not None and path is not None:
    inspection = ingest.inspect_file(path, kind, file_name=uploaded.name)
    _ui.detected_caption(inspection)
    for problem in inspection.problems:
        (st.error if problem.severity == "error" else st.warning)(
            _ui.plain(_ui.say(problem.message))
        )
    if inspection.ok:
        st.dataframe(inspection.preview, width="stretch", hide_index=True)

        st.subheader(t("upload.columns", lang))
        mapping = _ui.mapping_form(inspection, f"map_{kind}")
        experiment = None
        if kind == "results":
            existing = [e.name for e in _ui.cached_query(experiment_record.list_all)]
            stem = Path(uploaded.name).stem
            experiment = st.selectbox(
                t("upload.experiment", lang),
                [stem, *[n for n in existing if n != stem]],
                accept_new_options=True,
                key="results_experiment",
                help=t("upload.experiment.help", lang),
            )

        if st.button(t("upload.load", lang), type="primary", key="load_button"):
            _load((kind, str(path), mapping, experiment), uploaded.name, load_valid_rows=False)
            st.rerun()

flash = st.session_state.pop("flash", None)
if flash:
    (st.success if flash[0] == "success" else st.error)(_ui.plain(flash[1]))
result = st.session_state.get("last_load")
if result is not None:
    (st.success if result.ok else st.error)(_ui.plain(_summary(result)))
    if result.ok and result.experiment_created and result.experiment_id is not None:
        # the arms are known now: the real planned split, else equal is assumed
        created = _ui.cached_query(experiment_record.load, int(result.experiment_id))
        if created is not None:
            _ui.split_editor(created, f"data_split_{created.id}")
    if result.set_aside is not None:
        st.download_button(
            t("upload.set_aside_download", lang, rows=_ui.count(result.set_aside_rows)),
            data=result.set_aside.to_csv(index=False).encode("utf-8-sig"),
            file_name=f"{Path(result.file_name).stem}-set-aside.csv",
            mime="text/csv",
            icon=":material/download:",
            key="set_aside_download",
            on_click="ignore",
        )
        _ui.excel_download(  # the same rows for a Russian Excel: ';', decimal comma
            result.set_aside, f"{Path(result.file_name).stem}-set-aside", "set_aside_excel"
        )
    row_errors = [p for p in result.errors if p.rows]
    args = st.session_state.get("last_load_args")
    if not result.ok and row_errors and args is not None:
        st.caption(t("upload.all_or_nothing", lang))
        if st.button(
            t("upload.load_valid", lang),
            icon=":material/rule:",
            key="load_valid_button",
        ):
            _load(args, result.file_name, load_valid_rows=True)
            st.rerun()
    if result.problems:
        problem = t("upload.problems.problem", lang)
        problems = pd.DataFrame(
            [
                {
                    t("upload.problems.severity", lang): t(f"upload.severity.{p.severity}", lang),
                    problem: _ui.say(p.message),
                    t("upload.problems.count", lang): p.count,
                    t("upload.problems.rows", lang): ", ".join(map(str, p.rows)),
                }
                for p in result.problems
            ]
        )
        st.table(  # a static table wraps the messages; a dataframe would cut them off
            problems.assign(**{problem: problems[problem].map(_ui.plain)}),  # it renders Markdown
            hide_index=True,
        )
        _ui.excel_download(problems, f"{Path(result.file_name).stem}-problems", "problems_excel")

# -- history -------------------------------------------------------------------------------------
st.header(t("data.history", lang))
history = _ui.cached_query(overview.upload_history)
if history.empty:
    st.info(t("data.no_uploads", lang))
else:
    demo_rows = history[history["kind"] == "demo"]
    if not demo_rows.empty:
        st.info(
            t("data.demo_upload", lang, upload=int(demo_rows["upload_id"].iloc[0])),
            icon=":material/science:",
        )
    kind_words = {k: t(f"upload.kind.{k}", lang) for k in KINDS}
    kind_words["demo"] = t("data.kind.demo", lang)
    if lang == "en":  # the stored kinds, as the page always showed them
        kind_words = {"demo": kind_words["demo"]}
    stored = list(zip(history["kind"], history["file_name"], history["message"], strict=True))
    history = history.assign(  # the store's English, said again in the page's language
        file_name=[readback.upload_file_name(name, str(k), lang) for k, name, _ in stored],
        message=[readback.upload_message(text, str(k), lang) for k, _, text in stored],
        status=history["status"].map(lambda status: readback.upload_status(status, lang)),
        kind=history["kind"].map(lambda k: kind_words.get(k, k)),
    )
    _ui.table(
        history.drop(columns=["sha256"]),
        file_stem="uploads",
        excel_key="history_excel",
        width="stretch",
        hide_index=True,
        column_config={
            "upload_id": st.column_config.NumberColumn(
                t("data.history.upload_id", lang), format="%d"
            ),
            "file_name": t("data.history.file", lang),
            "kind": t("data.history.kind", lang),
            "status": t("data.history.status", lang),
            "message": t("data.history.message", lang),
            "rows": st.column_config.NumberColumn(t("data.history.rows", lang), format="localized"),
            "loaded_at": st.column_config.DatetimeColumn(
                t("data.history.loaded", lang),
                format="YYYY-MM-DD HH:mm" if lang == "en" else "DD.MM.YYYY HH:mm",
            ),
        },
    )
    with st.expander(t("data.remove", lang)):
        st.caption(t("data.remove.caption", lang))
        labels = {
            int(r.upload_id): t(
                "data.remove.label",
                lang,
                upload=r.upload_id,
                file=r.file_name,
                rows=r.rows if lang == "en" else formatter.count(r.rows, "rows"),
                date=formatter.date_short(r.loaded_at),  # en ISO, ru DD.MM.YYYY
            )
            for r in history.itertuples()
        }
        chosen = st.selectbox(
            t("data.remove.choice", lang),
            list(labels),
            format_func=labels.get,
            key="remove_choice",
        )
        if st.button(t("data.remove.button", lang), key="remove_button"):
            st.session_state["remove_pending"] = int(chosen)
        if st.session_state.get("remove_pending") == chosen:
            demo = next((r for r in history.itertuples() if r.upload_id == chosen), None)
            is_demo = demo is not None and str(demo.kind) == kind_words["demo"]
            st.warning(
                t(
                    "data.remove.confirm",
                    lang,
                    upload=labels[chosen],
                    what=t("data.remove.demo_note", lang) if is_demo else "",
                ),
                icon=":material/warning:",
            )
            yes, no = st.columns(2)
            if yes.button(t("data.remove.yes", lang), type="primary", key="remove_confirm"):
                st.session_state.pop("last_load", None)
                st.session_state.pop("remove_pending", None)
                try:
                    removed = ingest.remove_upload(_ui.get_store(), int(chosen))
                    if lang != "en":  # the store's sentence is English; say it in Russian
                        went = "the experiment it created" in removed
                        removed = t(
                            "data.removed",
                            lang,
                            upload=labels[chosen],
                            experiment=t("data.removed.experiment", lang) if went else "",
                        )
                    st.session_state["flash"] = ("success", removed)
                except StoreError as error:
                    st.session_state["flash"] = ("error", _ui.say(error))
                st.rerun()
            if no.button(t("data.remove.cancel", lang), key="remove_cancel"):
                st.session_state.pop("remove_pending", None)
                st.rerun()
