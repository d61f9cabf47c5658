"""Streamlit glue the pages share: the cached store, version-keyed caching, formatting."""

from __future__ import annotations

import math
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from experiments import access, config, escape, export, share, source_engine
from experiments.i18n import (
    LANG_PARAM,
    LANGUAGES,
    MESSAGES,
    Formatter,
    Lang,
    resolve_language,
    t,
)
from experiments.sources import Source, SourceError
from experiments.store import Cursor, Store, StoreError, open_store

LANG_WIDGET = "_lang_pick"  # the sidebar selector's key; the URL's `lang=` is the record


def lang() -> Lang:
    """This browser session's language, on every run: the link's or the sidebar's `lang=`,
    else the browser's locale, else English. Nothing is kept per process."""
    return resolve_language(st.query_params.get(LANG_PARAM), st.context.locale)


def currency() -> str:
    """The store's currency (its setting on the Data page, else RUB): `settings.currency`.

    Read once per script run (every amount on a page asks for it; a store-version check per
    amount would add up on the Results page): the run's context keeps it next to the dict
    Streamlit replaces at the start of every run, so a new run reads it again.
    """
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    from experiments.store import settings

    ctx = get_script_run_ctx()
    run = getattr(ctx, "cursors", None)  # a private attribute: without it, no memo (just slower)
    memo = getattr(ctx, "_loyalty_currency", None)
    if run is not None and memo is not None and memo[0] is run:
        return str(memo[1])
    code = str(cached_query(settings.currency))
    if run is not None:
        ctx._loyalty_currency = (run, code)  # type: ignore[union-attr]
    return code


def fmt() -> Formatter:
    """The one formatter of this run: the session's language, the store's currency."""
    return Formatter(lang(), currency())


def say(message: object) -> str:
    """A domain message in the session's language: a `Text` (or an error carrying one, or a
    SettingError's key) through the catalogue; plain text as it is. Not escaped."""
    from experiments.i18n.text import message_text

    return message_text(message, lang())


def _remember_language() -> None:
    st.query_params[LANG_PARAM] = str(st.session_state[LANG_WIDGET])


def language_picker() -> Lang:
    """The sidebar's "Язык / Language" selector. A choice is written to the URL's `lang=`, so
    every link copied from the address bar or built by a page opens in the same language."""
    current = lang()
    if st.session_state.get(LANG_WIDGET) != current:  # a link or the browser decided
        st.session_state[LANG_WIDGET] = current
    st.sidebar.selectbox(
        "Язык / Language",
        LANGUAGES,
        key=LANG_WIDGET,
        format_func=lambda code: t(f"lang.{code}", code),
        on_change=_remember_language,
    )
    return current


EXCEL_ENCODING_WIDGET = "_excel_encoding"  # the sidebar's "CSV for Excel" encoding, per session


def excel_encoding() -> export.Encoding:
    """The encoding this session's "CSV for Excel" files are written in: the sidebar's choice,
    else UTF-8 with a BOM (the report view has no sidebar, so it always writes UTF-8)."""
    chosen = st.session_state.get(EXCEL_ENCODING_WIDGET)
    return chosen if chosen in export.ENCODINGS else export.DEFAULT_ENCODING


def excel_encoding_picker() -> None:
    """The sidebar's "CSV for Excel" encoding: UTF-8 with a BOM (Excel 2016 and later) or
    Windows-1251 (older Excel, 1C); every table's "CSV for Excel" button writes in it."""
    current = lang()
    st.sidebar.selectbox(
        t("export.encoding", current),
        export.ENCODINGS,
        key=EXCEL_ENCODING_WIDGET,
        format_func=lambda code, words=current: t(f"export.encoding.{code}", words),
        help=t("export.encoding.help", current),
    )


def _shown_headers(frame: Any, column_config: Mapping[str, Any] | None) -> Any:
    """The table as the page shows it: a Styler's data, headers renamed by the column
    config's labels (a str, or a column's ``label``), so the file reads like the screen."""
    data = getattr(frame, "data", frame) if not isinstance(frame, pd.DataFrame) else frame
    if not isinstance(data, pd.DataFrame):
        data = pd.DataFrame(data)
    names: dict[str, str] = {}
    for column, config_ in (column_config or {}).items():
        label = config_ if isinstance(config_, str) else (config_ or {}).get("label")
        if label and column in data.columns:
            names[column] = str(label)
    return data.rename(columns=names) if names else data


def excel_download(
    frame: Any,
    file_stem: str,
    key: str,
    *,
    column_config: Mapping[str, Any] | None = None,
    container: Any = None,
) -> None:
    """A table's "CSV for Excel" button (';', decimal comma, the session's encoding), the
    headers as shown. `frame`: the table (a frame, a Styler, rows) or a function building it
    on click. In Windows-1251 the table is checked now (`export.check_cp1251`), so a
    character it lacks is said here, with UTF-8 suggested, instead of failing on the click."""
    where = container if container is not None else st
    encoding = excel_encoding()
    build = frame if callable(frame) else (lambda: frame)
    data: Any = lambda: export.excel_csv(_shown_headers(build(), column_config), encoding)  # noqa: E731
    if encoding == "cp1251":
        shown = _shown_headers(build(), column_config)
        try:
            export.check_cp1251(shown)
        except export.Cp1251Unencodable as refused:
            where.error(refused.message(lang()), icon=":material/grid_off:")
            return
        data = lambda: export.excel_csv(shown, encoding)  # noqa: E731
    where.download_button(
        t("export.csv_excel", lang()),
        data=data,
        file_name=f"{file_stem}-excel.csv",
        mime="text/csv",
        icon=":material/grid_on:",
        key=key,
        on_click="ignore",
    )


def table(
    frame: Any,
    *,
    file_stem: str,
    excel_key: str,
    column_config: Mapping[str, Any] | None = None,
    **dataframe: Any,
) -> None:
    """A table (``st.dataframe(frame, column_config=..., **dataframe)``) and its "CSV for
    Excel" button below it: every table a person reads can go to a Russian Excel."""
    st.dataframe(frame, column_config=column_config, **dataframe)
    excel_download(frame, file_stem, excel_key, column_config=column_config)


@st.cache_resource(show_spinner=False)
def _store_for(path: str) -> Store:
    return open_store(path)


def get_store() -> Store:
    """The process-wide store (one DuckDB connection per process, cursors per script run)."""
    path = str(config.db_path())
    if config.db_path_given() and not Path(path).exists():
        # a mistyped LOYALTY_LAB_DB must not become a new demo store that hides the real one
        st.error(
            t(
                "app.store.missing",
                lang(),
                path=path,
                variable=config.DB_ENV_VAR,
                default=config.DEFAULT_DB_PATH,
            ),
            icon=":material/folder_off:",
        )
        st.stop()
    try:
        return _store_for(path)
    except StoreError as error:
        st.error(t("app.store.cannot_open", lang(), reason=plain(say(error))))
        st.stop()
        raise  # unreachable: st.stop() raises


@contextmanager
def cursor() -> Iterator[Cursor]:
    """A cursor for this script run; closed when the block ends."""
    cur = get_store().cursor()
    try:
        yield cur
    finally:
        cur.close()


def store_version() -> int:
    return get_store().version()


def cached_query(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a store query function `fn(cursor, *args)`, cached on (function, args, store version).

    Every write bumps the store version, so cached frames never outlive the data they show.
    """
    return _cached(fn.__module__, fn.__qualname__, store_version(), str(config.db_path()), args)


@st.cache_data(show_spinner=False, max_entries=256)
def _cached(module: str, qualname: str, version: int, db: str, args: tuple[Any, ...]) -> Any:
    import importlib

    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    with cursor() as cur:
        return target(cur, *args)


def plain(text: str) -> str:
    """User-supplied text shown literally in Markdown: the one helper, `escape.markdown`."""
    return escape.markdown(text)


NBSP = "\u00a0"


def money(value: float | None, *, signed: bool = False, digits: int = 0) -> str:
    """An amount in the store's currency, by the Formatter in both languages: ru '12 345 ₽',
    en 'RUB 12,345' (CLDR's English pattern, the same as the report and the CLI)."""
    return fmt().money(value, signed=signed, digits=digits)


def money_short(value: float | None) -> str:
    """Amounts for narrow metric tiles (the currency goes in the label): 641,0 млн / 641.0 M."""
    formatter = fmt()
    if value is None:
        return formatter.not_available
    for size, unit, digits in ((1e9, "unit.billion", 2), (1e6, "unit.million", 1)):
        if abs(value) >= size:
            number = formatter.number(value / size, digits)
            return f"{number}{NBSP}{t(unit, formatter.lang)}"
    return count(value)


def count(value: int | float) -> str:
    """A plain count by the Formatter: ru '1 577', en '1,577'."""
    return fmt().number(value)


def pct(value: float | None, digits: int = 1) -> str:
    """A share as a percentage: ru '12,3 %', en '12.3%' (the Formatter's)."""
    return fmt().percent(value, digits)


def save_upload(uploaded: Any) -> Path:
    """Write an uploaded file to a temporary path (DuckDB's readers work on files).

    Raises:
        OSError: the temporary folder is full or not writable (the partial copy is removed).
    """
    suffix = Path(uploaded.name).suffix
    with tempfile.NamedTemporaryFile(delete=False, suffix=suffix, prefix="upload-") as handle:
        try:
            handle.write(uploaded.getbuffer())
        except BaseException:
            handle.close()
            Path(handle.name).unlink(missing_ok=True)
            raise
        return Path(handle.name)


NOT_IN_FILE = "(not in this file)"


def mapping_form(inspection: Any, key_prefix: str) -> dict[str, str]:
    """The column mapping form of every file intake (Data and Design): one select per field,
    pre-set from the header guesses; returns {file column: field}.

    Args:
        inspection: an `ingest.Inspection`.
        key_prefix: widget keys are ``{key_prefix}_{field}``.
    """
    language = lang()
    st.caption(t("mapping.caption", language))
    mapping: dict[str, str] = {}
    field_cols = st.columns(min(4, max(1, len(inspection.fields))))
    options = [NOT_IN_FILE, *inspection.columns]
    for i, field in enumerate(inspection.fields):
        guessed = inspection.guessed_mapping.items()
        guess = next((src for src, f in guessed if f == field.name), None)
        # English keeps the field's own name (what its docs and the command line call it);
        # Russian shows the catalogue's, as people say them ("Клиент", "Дата и время", "Сумма")
        named = language != "en" and f"field.{field.name}" in MESSAGES
        choice = field_cols[i % len(field_cols)].selectbox(
            f"{t(f'field.{field.name}', language) if named else field.name}"
            f"{' *' if field.required else ''}",
            options,
            index=options.index(guess) if guess in options else 0,
            format_func=lambda option: (
                t("mapping.not_in_file", language) if option == NOT_IN_FILE else option
            ),
            help=t(f"field.{field.name}.help", language) if named else field.description,
            key=f"{key_prefix}_{field.name}",
        )
        if choice != NOT_IN_FILE:
            mapping[choice] = field.name
    return mapping


def detected_caption(inspection: Any) -> None:
    """What an uploaded file was read as (Data and Design): 'Detected: CSV, cp1251,
    semicolon-separated, decimal comma · 5 columns' / 'Распознано: CSV, cp1251, ...'."""
    language = lang()
    columns = len(inspection.columns)
    described = say(inspection.format.describe())  # a CSV's is a catalogue Text
    counted = t("upload.columns_count", language, count=columns)
    st.caption(t("upload.detected", language, format=described, columns=counted))


def upload_copy(uploaded: Any | None, slot: str) -> Path | None:
    """One temporary copy per uploaded file, kept across reruns and removed when the file is
    replaced or cleared (every rerun wrote another copy: a 645 MB upload left 1.85 GB behind).

    Stops the page with a message when the temporary folder is full.
    """
    key = f"_upload_copy_{slot}"
    held: tuple[str, str] | None = st.session_state.get(key)
    file_id = str(getattr(uploaded, "file_id", "")) if uploaded is not None else None
    if held is not None and (file_id != held[0] or not Path(held[1]).exists()):
        Path(held[1]).unlink(missing_ok=True)
        st.session_state.pop(key, None)
        held = None
    if uploaded is None or file_id is None:
        return None
    if held is None:
        try:
            path = save_upload(uploaded)
        except OSError as error:
            st.error(
                t(
                    "upload.temp_full",
                    lang(),
                    file=plain(uploaded.name),
                    folder=plain(tempfile.gettempdir()),
                    reason=plain(error.strerror or str(error)),
                )
            )
            st.stop()
            raise  # unreachable: st.stop() raises
        held = (file_id, str(path))
        st.session_state[key] = held
    return Path(held[1])


def streamlit_progress(bar: Any) -> Callable[[float, str], None]:
    """Adapt an st.progress bar to the domain's `progress(fraction, text)` callback."""

    from experiments.i18n.text import progress_text

    def update(fraction: float, text: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=progress_text(text, lang()))

    return update


def secret(section: str, key: str) -> str | None:
    """A value from .streamlit/secrets.toml, or None when there is no such file or key."""
    try:
        value = st.secrets.get(section, {}).get(key)
    except (FileNotFoundError, KeyError, AttributeError):
        return None
    except Exception:  # StreamlitSecretNotFoundError when no secrets.toml exists
        return None
    return None if value in (None, "") else str(value)


def source() -> Source | None:
    """The configured source of the transactions: `[source]` in .streamlit/secrets.toml (url,
    password, table, `[source.columns]`), else $LOYALTY_LAB_SOURCE; None: the store itself
    (`source_engine.configured_source`, the CLI's rule). A bad setting stops the page with
    the reason (never the password)."""
    try:
        section = st.secrets.get("source", {})
        settings = {k: section[k] for k in section}
    except Exception:  # StreamlitSecretNotFoundError when no secrets.toml exists
        settings = {}
    if isinstance(settings.get("columns"), Mapping):
        settings["columns"] = dict(settings["columns"])
    try:
        return source_engine.configured_source(None, settings)
    except SourceError as error:
        st.error(t("source.error", lang(), message=plain(say(error))))
        st.stop()
        raise  # st.stop() raises; for the type checker


def source_key(source: Source | None) -> str:
    """What a cached result of a source is keyed on (the password stays out of the key); ""
    for the store itself."""
    if source is None:
        return ""
    return repr((source.redacted(), source.table, sorted(source.columns.items())))


def base_url() -> str:
    """Where colleagues reach this app: [share] base_url, $LOYALTY_LAB_BASE_URL, else this URL."""
    import os
    from urllib.parse import urlsplit

    configured = secret("share", "base_url") or os.environ.get("LOYALTY_LAB_BASE_URL")
    if configured:
        return configured.rstrip("/")
    here = st.context.url or "http://localhost:8501"
    parts = urlsplit(here)
    return f"{parts.scheme}://{parts.netloc}"


def _oidc_configured() -> bool:
    return bool(secret("auth", "client_id") or secret("auth", "redirect_uri"))


def access_protected() -> bool:
    """True when secrets.toml configures a sign-in: an editor password or an OIDC login."""
    return _oidc_configured() or bool(secret("auth", "editor_password"))


def editor_allowed() -> bool:
    """Editing pages are open unless a password or an OIDC login is configured in secrets.toml."""
    if _oidc_configured():
        return bool(getattr(st.user, "is_logged_in", False))
    if secret("auth", "editor_password"):
        return bool(st.session_state.get("editor_ok"))
    return True


@st.cache_resource(show_spinner=False)
def _sign_in_throttle() -> access.SignInThrottle:
    return access.SignInThrottle()  # one per server process: every session and address


def _throttle_keys() -> list[str]:
    session = st.session_state.setdefault("sign_in_session", uuid.uuid4().hex)
    keys = [f"session:{session}"]
    try:
        address = st.context.ip_address
    except Exception:  # no request context (bare script runs)
        address = None
    if address:
        keys.append(f"address:{address}")
    return keys


def require_editor(title_key: str = "access.sign_in_to_edit") -> None:
    """Stop the page with a login form when editing is protected and the user is not in.

    Wrong passwords make the next guess wait, growing per browser session and per client
    address (experiments.access), so a script cannot try passwords at the page's speed.
    """
    if editor_allowed():
        return
    language = lang()
    st.title(t(title_key, language))
    if _oidc_configured():
        st.caption(t("access.colleagues_only", language))
        st.button(t("access.sign_in", language), on_click=st.login, type="primary")
        st.stop()

    throttle = _sign_in_throttle()
    keys = _throttle_keys()
    with st.form("editor_login"):
        typed = st.text_input(t("access.password", language), type="password")
        if st.form_submit_button(t("access.sign_in", language), type="primary"):
            wait = throttle.wait_seconds(keys)
            if wait > 0:
                seconds = Formatter(language).number(math.ceil(wait))
                st.error(t("access.wait", language, seconds=seconds))
            elif access.password_matches(typed, secret("auth", "editor_password") or ""):
                throttle.succeeded(keys)
                st.session_state["editor_ok"] = True
                st.rerun()
            else:
                throttle.failed(keys)
                st.error(t("access.wrong_password", language))
    st.stop()


def require_report_access(params: dict[str, str]) -> None:
    """Let a report open only for whom it is meant; stop the page otherwise.

    - a valid signed link (`[share] secret` set) opens exactly the report it was made for;
    - with a sign-in configured (editor password or OIDC), a signed-in colleague opens any
      report, everybody else gets the sign-in form: a password alone no longer leaves every
      report public;
    - with neither (local use) reports are open.
    """
    link_secret = secret("share", "secret")
    token = params.get(share.TOKEN_PARAM)
    if link_secret and token:
        check = share.verify(params, link_secret)
        if check.ok:
            return
        st.error(say(check.message), icon=":material/lock:")
        st.stop()
    if access_protected():
        require_editor("access.sign_in_to_read")
        return
    if link_secret:
        st.error(say(share.verify(params, link_secret).message), icon=":material/lock:")
        st.stop()


def run_through_app() -> None:
    """Make sure a page runs inside app.py's navigation, also when a deep link comes first.

    Streamlit keeps a legacy mode for apps with a `pages/` folder: until the entry script has
    called `st.navigation` once in this server process, a first request for /data or /report
    runs that page file on its own - without app.py's page config, demo seeding, access checks
    or sections. The flag is process-wide; we clear it and rerun, so the request goes through
    app.py like every other. Call this first in every page.

    AppTest resets the flag before each of its runs and replays a click only once, so a rerun
    there would swallow form submits; under AppTest pages are reached through switch_page and
    tests/e2e covers the deep link in a real server.
    """
    import sys

    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory and "streamlit.testing.v1.app_test" not in sys.modules:
        PagesManager.uses_pages_directory = False
        st.rerun()


# -- the planned split of a results file or a registered list ------------------------------------
def split_weight_inputs(names: Sequence[str], key: str) -> tuple[dict[str, float], str | None]:
    """A weight per arm, 1 each (the equal split) until changed; (weights, the refusal in
    words or None). The check is `experiment.planned_split`'s, the one `--split` has."""
    from experiments import experiment as experiment_record

    language = lang()
    columns = st.columns(min(len(names), 4) or 1)
    weights: dict[str, float] = {}
    for i, name in enumerate(names):
        weights[name] = float(
            columns[i % len(columns)].number_input(
                t("split.page.weight", language, arm=plain(name)),
                min_value=0.0,
                value=1.0,
                step=1.0,
                key=f"{key}_{i}",
            )
        )
    try:
        shares, _ = experiment_record.planned_split(weights, list(names), refusals="split.page")
    except StoreError as error:
        return weights, say(error)
    plan = ", ".join(f"{plain(arm)} {pct(share)}" for arm, share in shares.items())
    st.caption(t("split.page.shares", language, plan=plan))
    return weights, None


def split_editor(stored: Any, key: str, *, offered: bool = True) -> None:
    """For an editor: set the real planned split of a results-file or registered experiment
    (`experiment.set_planned_split`, the command line's `set-split`) while its plan is the
    assumed equal one and `offered`; nothing for a design, whose split was fixed at launch,
    or for a reader. The saved split is said on the next run, form or not."""
    from experiments import experiment as experiment_record

    language = lang()
    saved = st.session_state.pop(f"{key}_saved", None)
    if saved:
        st.success(saved, icon=":material/check:")
    if not experiment_record.split_settable(stored) or not editor_allowed():
        return
    if not (offered and stored.plan_assumed_equal):
        return
    with st.form(key, border=True):
        st.markdown(f"**{t('split.page.title', language)}**")
        st.caption(t("split.page.caption", language))
        weights, problem = split_weight_inputs([a.name for a in stored.arms], f"{key}_weight")
        submitted = st.form_submit_button(
            t("split.page.save", language), icon=":material/save:", type="primary"
        )
    if not submitted:
        return
    if problem is not None:  # the form's values are read on submit: said then
        st.error(plain(problem), icon=":material/error:")
        return
    try:
        changed = experiment_record.set_planned_split(get_store(), stored, weights)
    except StoreError as error:
        st.error(plain(say(error)), icon=":material/error:")
        return
    plan = ", ".join(f"{arm} {pct(share)}" for arm, share in changed.planned_shares.items())
    st.session_state[f"{key}_saved"] = plain(
        t("split.page.saved", language, name=changed.name, plan=plan)
    )
    st.rerun()
