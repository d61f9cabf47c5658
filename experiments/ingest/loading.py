"""Loading: validate a mapped file and load it all-or-nothing, or remove an upload again.

The heavy lifting is DuckDB's: `experiments.store.uploads` reads the whole file with
`read_csv` / `read_parquet` (a clean transactions CSV straight into the store, anything else
into a staging table) and validates it with set queries; this
module resolves the mapping, hashes (and, when needed, transcodes) the file and words what
the store found (`experiments.ingest.rules`).
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from experiments import config
from experiments.experiment import planned_split
from experiments.i18n.language import DEFAULT_LANGUAGE, Lang
from experiments.i18n.readback import warning_text
from experiments.i18n.text import PerLanguage, Text, numeral
from experiments.ingest import reading, results, transactions
from experiments.ingest.columns import FIELDS, case_duplicates, resolve_mapping
from experiments.ingest.model import IGNORE, KINDS, FileFormat, Kind, Problem, problem
from experiments.ingest.rules import word
from experiments.progress import Progress, monotonic
from experiments.store import Store, StoreError, overview, uploads
from experiments.store.uploads import LoadSpec, StagingSource


def _one_line(text: str) -> str:
    """Runs of ASCII whitespace as one space; a user's no-break space (str.split() took it
    for whitespace) stays as typed."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


@dataclass(frozen=True)
class LoadResult:
    """The outcome of `load_file`.

    Attributes:
        ok: the rows were loaded.
        kind: transactions, customers or results.
        file_name: the name shown in the upload history.
        upload_id: the new upload's id (None when nothing was loaded).
        rows: data rows in the file.
        problems: every error and warning.
        already_loaded_at: the same file (same sha256) was loaded at this time; nothing loaded.
        previous_upload_id: that earlier upload.
        experiment_id: results: the experiment the rows belong to.
        experiment_created: results: that experiment was created by this load.
        format: the detected file format.
        mapping: the mapping used, {file column: field}.
        set_aside: rows not loaded, for download (file row, reason, the mapped cells): rows
            without a customer, totals rows ("Итого"), orders already stored unchanged, and
            with ``load_valid_rows`` the rows with errors. None when every row loaded.
    """

    ok: bool
    kind: Kind
    file_name: str
    upload_id: int | None = None
    rows: int = 0
    problems: tuple[Problem, ...] = ()
    already_loaded_at: dt.datetime | None = None
    previous_upload_id: int | None = None
    experiment_id: int | None = None
    experiment_created: bool = False
    format: FileFormat | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    set_aside: pd.DataFrame | None = None

    @property
    def set_aside_rows(self) -> int:
        """Rows of the file that were not loaded (see `set_aside`)."""
        return 0 if self.set_aside is None else len(self.set_aside)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    def summary(self) -> str:
        """One line: what was loaded (and what was flagged), or why nothing was."""
        if self.already_loaded_at is not None:
            return (
                f"{self.file_name} was already loaded on {self.already_loaded_at:%Y-%m-%d %H:%M}"
                f" (upload {self.previous_upload_id}); nothing loaded."
            )
        if not self.ok:
            first = self.errors[0].message if self.errors else "unknown problem"
            more = len(self.errors) - 1
            extra = f" (+{more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
            return _one_line(f"{self.file_name}: nothing loaded. {first}{extra}")
        text = f"Loaded {self.rows:,} {self.kind} rows from {self.file_name}"
        text += f" as upload {self.upload_id}"
        if self.kind == "results" and self.experiment_id is not None:
            verb = "new experiment" if self.experiment_created else "experiment"
            text += f" ({verb} {self.experiment_id})"
        if self.set_aside_rows:
            text += f", {self.set_aside_rows:,} rows set aside"
        if self.warnings:
            text += "; warnings: " + "; ".join(warning_text(p.code, p.count) for p in self.warnings)
        return _one_line(text + ".")

    def summary_in(self, lang: Lang) -> str:
        """`summary` in a language (the Data page and the command line): English as it always
        read, Russian from the catalogue (``upload.summary.*``) with the formatter's numbers."""
        from experiments.i18n import Formatter, t
        from experiments.i18n.text import message_text

        if lang == DEFAULT_LANGUAGE:
            return self.summary()
        fmt = Formatter(lang)
        if self.already_loaded_at is not None:
            return t(
                "upload.summary.already",
                lang,
                file=self.file_name,
                when=fmt.datetime_short(self.already_loaded_at),
                upload=self.previous_upload_id,
            )
        if not self.ok:
            more = len(self.errors) - 1
            return t(
                "upload.summary.failed",
                lang,
                file=self.file_name,
                first=message_text(self.errors[0].message, lang) if self.errors else "",
                more=t("upload.summary.more", lang, count=more) if more > 0 else "",
            )
        text = t(
            "upload.summary.loaded",
            lang,
            file=self.file_name,
            rows=fmt.count(self.rows, "rows"),
            kind=t(f"upload.kind.{self.kind}", lang),
            upload=self.upload_id,
        )
        if self.kind == "results" and self.experiment_id is not None:
            key = "new_experiment" if self.experiment_created else "experiment"
            text += t(f"upload.summary.{key}", lang, id=self.experiment_id)
        if self.set_aside_rows:
            text += t("upload.summary.set_aside", lang, rows=fmt.number(self.set_aside_rows))
        if self.warnings:
            items = "; ".join(warning_text(p.code, p.count).render(lang) for p in self.warnings)
            text += t("upload.summary.warnings", lang, items=items)
        return text + "."


def load_file(
    store: Store,
    kind: Kind,
    path: str | Path,
    mapping: dict[str, str] | None = None,
    experiment: str | None = None,
    file_name: str | None = None,
    progress: Progress | None = None,
    load_valid_rows: bool = False,
    split: Mapping[str, float] | None = None,
) -> LoadResult:
    """Validate a file and load it all-or-nothing.

    Bad files never raise: they return ``ok=False`` with problems naming rows, and the store
    is untouched. A file whose bytes were loaded before loads nothing and says when.

    Args:
        store: the store to load into.
        kind: transactions, customers or results.
        path: the file on disk.
        mapping: {file column: field} choices; they override the header guesses, and
            ``column: "-"`` leaves a column out. For customers and results any other target
            name renames that column's attribute / result field.
        experiment: results: experiment name to attach to (created when missing; default:
            the file name without extension).
        file_name: the name to record and show (the Data page passes the uploaded name).
        progress: called as ``progress(fraction, text)`` from the calling thread.
        load_valid_rows: instead of refusing a file with row errors, load its valid rows and
            set the others aside (the marketer's explicit choice; `LoadResult.set_aside`).
            Rows without a customer and totals rows are always set aside, never refused.
        split: results: the planned split (arm -> relative weight) of the experiment the file
            creates, for its sample-ratio check; None: equal (`experiment.planned_split`).

    Raises:
        StoreError: the store itself failed (locked, disk full), not the file; or `split`
            does not fit the file's arms, or is given for an existing experiment (nothing
            is loaded then).
    """
    if kind not in KINDS:
        raise StoreError(Text("store.error.upload_kind", kind=repr(kind), kinds=", ".join(KINDS)))
    path = Path(path)
    file_name = file_name or path.name
    if split and kind == "results":  # an existing experiment's plan was made with it
        name = experiment or Path(file_name).stem
        with store.cursor() as cur:
            if overview.experiment_id_named(cur, name) is not None:
                raise StoreError(Text("split.existing", name=name))
    if not path.is_file():
        return LoadResult(
            False,
            kind,
            file_name,
            problems=(problem("no_file", reading.no_file(path)),),
        )
    size = path.stat().st_size
    if size > config.MAX_UPLOAD_MB * 1024 * 1024:
        return LoadResult(
            False,
            kind,
            file_name,
            problems=(
                problem(
                    "too_large",
                    Text(
                        "ingest.file.too_large",
                        file=file_name,
                        size=numeral(round(size / 2**20)),
                        limit=numeral(config.MAX_UPLOAD_MB),
                    ),
                ),
            ),
        )
    if progress:
        progress = monotonic(progress)  # hashing, reading and checking: one bar, forward only
        progress(0.0, Text("progress.reading_head"))
    head = reading.read_head(path, file_name, whole_sheet=True)
    fail = LoadResult(False, kind, file_name, problems=head.problems, format=head.format)
    if not head.columns or any(p.severity == "error" for p in head.problems):
        return fail
    # a result file for an experiment that assigned its customers needs no arm column: each
    # customer's arm is the one the experiment assigned (the file brings the outcomes)
    optional = ("arm",) if kind == "results" and results.arm_optional(store, experiment) else ()
    chosen, problems = resolve_mapping(kind, head.columns, mapping, file_name, optional)
    if optional and not {"arm", "customer_id"} & set(chosen.values()):
        problems.append(results.missing_arm_and_customer(file_name))
    problems += case_duplicates(kind, head.columns, chosen, file_name)
    if problems:
        return LoadResult(False, kind, file_name, problems=tuple(problems), format=head.format)

    encoding = head.format.encoding if head.format.kind == "csv" else None
    hashing: Future[tuple[str, Path | None]] | None = None
    sha256, utf8_copy = "", None
    try:
        if reading.needs_utf8_copy(encoding, head.format.mixed_newlines):
            # DuckDB reads the UTF-8 copy, so it is written (and the bytes hashed) first
            sha256, utf8_copy = reading.hash_and_transcode(
                path, encoding, progress, newlines=head.format.mixed_newlines
            )
            with store.cursor() as cur:
                previous = uploads.find_loaded(cur, sha256)
            if previous is not None:
                return _duplicate(kind, file_name, previous, head.format, chosen)
        else:  # hash while DuckDB reads the file; the store waits for it before any verdict
            hashing = _HASHING.submit(reading.hash_and_transcode, path, encoding, None)
        spec, notes = _spec(kind, head, chosen, sha256, file_name, experiment, path, utf8_copy)
        spec = replace(
            spec, load_valid_rows=load_valid_rows, plan=lambda arms: planned_split(split, arms)
        )
        if hashing is not None:
            spec = replace(spec, digest=lambda: hashing.result()[0])
        outcome = uploads.load(store, spec, progress)
    except (UnicodeDecodeError, reading.NulByte, OSError) as error:
        return LoadResult(
            False,
            kind,
            file_name,
            problems=(_unreadable(error, file_name, head.format),),
            format=head.format,
        )
    finally:
        if hashing is not None:
            wait([hashing])  # never leave the file being read after the load answered
        if utf8_copy is not None:
            utf8_copy.unlink(missing_ok=True)
    if outcome.already_loaded_at is not None:
        return _duplicate(
            kind,
            file_name,
            (outcome.previous_upload_id or 0, outcome.already_loaded_at),
            head.format,
            chosen,
        )
    aside = [f for f in outcome.findings if f.code.startswith("set_aside_")]
    worded = [word(f, chosen, file_name, config.MAX_CELL_CHARS, aside) for f in outcome.findings]
    problems = sorted(worded + notes, key=lambda p: p.severity != "error")
    return LoadResult(
        ok=outcome.upload_id is not None,
        kind=kind,
        file_name=file_name,
        upload_id=outcome.upload_id,
        rows=outcome.rows,
        problems=tuple(problems),
        experiment_id=outcome.experiment_id,
        experiment_created=outcome.experiment_created,
        format=head.format,
        mapping=chosen,
        set_aside=outcome.set_aside,
    )


# One worker: a load hashes its file on it while DuckDB reads the same file on the store's
# threads (hashlib and file reads release the GIL).
_HASHING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="loyalty-lab-hash")


def _unreadable(error: Exception, file_name: str, fmt: FileFormat) -> Problem:
    """What hashing (and transcoding) found wrong with the bytes of the file."""
    if isinstance(error, UnicodeDecodeError):
        message = Text(
            "ingest.file.bad_encoding",
            file=file_name,
            encoding=str(fmt.encoding),
            byte=numeral(error.start),
        )
        return problem("bad_encoding", message)
    if isinstance(error, reading.NulByte):
        message = Text("ingest.file.nul_byte", line=numeral(error.line), file=file_name)
        return problem("nul_byte", message, rows=(error.line,), count=1)
    # the temporary folder for the UTF-8 copy is full or unwritable
    assert isinstance(error, OSError)
    message = Text(
        "ingest.file.temp_full",
        file=file_name,
        folder=tempfile.gettempdir(),
        detail=str(error.strerror or error),
    )
    return problem("temp_full", message)


def _duplicate(
    kind: Kind,
    file_name: str,
    previous: tuple[int, dt.datetime],
    fmt: FileFormat,
    chosen: dict[str, str],
) -> LoadResult:
    upload_id, loaded_at = previous
    message = Text(
        "ingest.file.duplicate",
        file=file_name,
        loaded_at=PerLanguage(f"{loaded_at:%Y-%m-%d %H:%M}", f"{loaded_at:%d.%m.%Y %H:%M}"),
        upload=upload_id,
    )
    return LoadResult(
        False,
        kind,
        file_name,
        problems=(problem("duplicate_upload", message),),
        already_loaded_at=loaded_at,
        previous_upload_id=upload_id,
        format=fmt,
        mapping=chosen,
    )


def _spec(
    kind: Kind,
    head: reading.Head,
    chosen: dict[str, str],
    sha256: str,
    file_name: str,
    experiment: str | None,
    path: Path,
    utf8_copy: Path | None,
) -> tuple[LoadSpec, list[Problem]]:
    notes: list[Problem] = []
    position = {column: i for i, column in enumerate(head.columns)}
    known = {f.name for f in FIELDS[kind]}
    fields = {target: position[source] for source, target in chosen.items() if target in known}
    extras: tuple[tuple[int, str], ...] = ()
    if kind != "transactions":
        extras = tuple(
            (i, chosen.get(column, column))
            for i, column in enumerate(head.columns)
            if chosen.get(column) not in known and chosen.get(column) != IGNORE
        )
    date_formats: tuple[str, ...] = ()
    if "ts" in fields:
        date_formats, notes = transactions.date_formats(head, head.columns[fields["ts"]])
    fmt = head.format
    if fmt.kind == "csv":
        source = StagingSource(
            "csv",
            len(head.columns),
            path=utf8_copy or path,
            delimiter=fmt.delimiter or ",",
        )
    elif fmt.kind == "parquet":
        source = StagingSource("parquet", len(head.columns), path=path, first_row_number=1)
    else:
        source = StagingSource("frame", len(head.columns), frame=head.frame)
    spec = LoadSpec(
        kind=kind,  # type: ignore[arg-type]  # load_file accepts only KINDS
        file_name=file_name,
        sha256=sha256,
        source=source,
        fields=fields,
        extras=extras,
        decimal_comma=fmt.decimal == ",",
        date_formats=date_formats,
        experiment=experiment,
        future_limit=dt.datetime.now() + dt.timedelta(days=config.FUTURE_TOLERANCE_DAYS),
        max_cell_chars=config.MAX_CELL_CHARS,
        rows_shown=config.PROBLEM_ROWS_SHOWN,
        max_abs_amount=config.MAX_ABS_AMOUNT,
        max_abs_result_value=config.MAX_ABS_RESULT_VALUE,
    )
    return spec, notes


def remove_upload(store: Store, upload_id: int) -> str:
    """Remove an upload's rows and audit entry in one transaction; returns a one-line message.

    Customers that only this upload referenced are dropped and first-seen dates recomputed.
    Raises StoreError for an unknown id.
    """
    return uploads.remove(store, int(upload_id))
