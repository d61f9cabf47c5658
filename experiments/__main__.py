"""Command line: python -m experiments [--db PATH] [--source URL] COMMAND ... (same code paths
as the app)."""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from experiments import config
from experiments.escape import json_finite, quoted
from experiments.i18n.language import DEFAULT_LANGUAGE, LANGUAGES, Lang, supported

if TYPE_CHECKING:  # imported where used: `--help` must not import pandas, scipy and DuckDB
    import pandas as pd

    from experiments import analysis_file, clv, decision, metrics
    from experiments.experiment import Arm, Experiment
    from experiments.i18n import Formatter
    from experiments.sources import Source
    from experiments.store import Store

EXIT_OK = 0
EXIT_USAGE = 2  # bad input, locked store, refused operation: message on stderr, store untouched


class CommandError(Exception):
    """Refusal with a message for the user; the command exits 2."""


LANG_ENV = "LOYALTY_LAB_LANG"  # the command line's language when --lang is not given
_LOCALE_ENV = ("LC_ALL", "LC_MESSAGES", "LANG")  # POSIX precedence: the first one set decides
_lang: Lang = DEFAULT_LANGUAGE  # this run's language: set by main() from `cli_language`
_money: str = config.CURRENCY  # the store's money (`settings.currency`): set by main()


def cli_language(explicit: str | None, environ: Mapping[str, str] | None = None) -> Lang:
    """The language of a run's human messages: --lang > $LOYALTY_LAB_LANG > the system
    locale (ru when the first of $LC_ALL, $LC_MESSAGES, $LANG that is set starts with 'ru')
    > English. `--json` output is the same in every language."""
    env = os.environ if environ is None else environ
    for value in (explicit, env.get(LANG_ENV)):
        chosen = supported(value)
        if chosen is not None:
            return chosen
    for name in _LOCALE_ENV:
        if env.get(name):
            return supported(env[name]) or DEFAULT_LANGUAGE  # 'C.UTF-8' -> English
    return DEFAULT_LANGUAGE


def _say(key: str, **values: object) -> str:
    """A message of the catalogue (`cli.*` in experiments/i18n/messages_cli.py) in this run's
    language."""
    from experiments.i18n import t

    return t(key, _lang, **values)


_OS_REASONS = {  # errno name -> catalogue key of a plain reason (the OS's text is English)
    "ENOENT": "cli.os.no_folder",
    "ENOTDIR": "cli.os.not_a_folder",
    "EACCES": "cli.os.no_permission",
    "EPERM": "cli.os.no_permission",
    "EISDIR": "cli.os.is_folder",
    "ENOSPC": "cli.os.disk_full",
    "EROFS": "cli.os.read_only",
}


def _os_reason(error: OSError, path: str | os.PathLike[str]) -> str:
    """Why a file could not be written, in this run's language ('No such file or directory'
    was the OS's English); the OS's own words for a reason the catalogue does not name."""
    import errno

    key = _OS_REASONS.get(errno.errorcode.get(error.errno or 0, ""))
    if key is None:
        return str(error.strerror or error)
    return _say(key, folder=pathlib.Path(path).parent)


def _fmt() -> Formatter:
    from experiments.i18n import Formatter

    return Formatter(_lang, _money)


def _out_of_memory(error: BaseException) -> str:
    first = str(error).splitlines()[0] if str(error) else type(error).__name__
    return _say("cli.out_of_memory", detail=first)


def _text(message: object) -> str:
    """A domain message in this run's language: a `Text` (or an error carrying one, or a
    SettingError's key) through the catalogue; plain text as it is."""
    from experiments.i18n.text import message_text

    return message_text(message, _lang)


def _store_currency(store: Store) -> str:
    """The store's money (its setting, else RUB), for every amount this run prints."""
    from experiments.store import settings

    with store.cursor() as cur:
        return settings.currency(cur)


def _print_json(value: object) -> None:
    """Always valid JSON: NaN and infinities as null (`escape.json_finite`)."""
    print(
        json.dumps(json_finite(value), ensure_ascii=False, indent=2, default=str, allow_nan=False)
    )


def _experiment(store: Store, key: str) -> Experiment:
    """An experiment by id or name (`experiment.load`'s one rule); CommandError if unknown."""
    from experiments import experiment

    with store.cursor() as cur:
        found = experiment.load(cur, key)
    if found is None:
        raise CommandError(_say("cli.no_experiment", name=quoted(key)))
    return found


def _help(key: str, **values: object) -> str:
    """The help of a command or option (`cli.help.*`) in this run's language."""
    return _say(f"cli.help.{key}", **values)


def _add_source_option(p: argparse.ArgumentParser, default: object = None) -> None:
    p.add_argument("--source", metavar="URL", default=default, help=_help("source"))


def _source(args: argparse.Namespace, store: Store | None = None) -> Source | None:
    """The source of the transactions (`source_engine.configured_source`: --source, else the
    environment, else the secrets); None: the store (also `duckdb:///` naming the store's own
    file). Announced on stderr by its redacted form, so the JSON on stdout stays the analysis."""
    from experiments import source_engine

    source = source_engine.configured_source(getattr(args, "source", None))
    if _is_the_store(source, store):
        return None  # the store itself: read in place (a second connection would clash)
    if source is not None:
        print(_say("cli.source.reading", source=source.redacted()), file=sys.stderr)
    return source


def source_engine_is_remote(source: Source | None) -> bool:
    """`source_engine.is_remote`, imported when a command asks (no engine before that)."""
    from experiments import source_engine

    return source_engine.is_remote(source)


def _is_the_store(source: Source | None, store: Store | None) -> bool:
    """`duckdb:///path` naming the store's own file."""
    if source is None or store is None or source.kind != "duckdb" or not source.path:
        return False
    return pathlib.Path(source.path).resolve() == store.path.resolve()


def _cap(args: argparse.Namespace) -> bool:
    """--cap / --no-cap, else config.DEFAULT_CAP (no capping: effects are money differences)."""
    if args.cap and args.no_cap:
        raise CommandError(_say("cli.cap_both"))
    return True if args.cap else False if args.no_cap else config.DEFAULT_CAP


def _currency(text: str) -> str:
    """--currency as people type it (rub -> RUB); main() refuses one that is not an ISO 4217
    code, in the run's language (argparse's message was English only)."""
    return text.strip().upper()


def _add_cap_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cap", action="store_true", help=_help("cap"))
    p.add_argument("--no-cap", action="store_true", help=_help("no_cap"))


def _rule(found: Experiment) -> decision.DecisionRule:
    """The experiment's verdict rule, fixed at design."""
    from experiments import decision

    return decision.rule_of(found)


def _analysis_settings(
    args: argparse.Namespace, rule: decision.DecisionRule | None = None
) -> metrics.AnalysisSettings:
    """The view the options ask for; confidence and correction default to the design rule's,
    so that without options the view is the one the verdict follows."""
    from experiments import metrics

    return metrics.settings_from_options(  # the one parser, shared with the Results page
        horizon=args.horizon,
        cap=_cap(args),
        cuped=False if args.no_covariate else None,
        correction=args.correction,
        confidence=args.confidence,
        rule_confidence=rule.confidence if rule else config.CONFIDENCE,
        rule_correction=rule.correction if rule else config.DEFAULT_CORRECTION,
    )


def _add_analysis_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", metavar="EXPERIMENT", help=_help("experiment"))
    p.add_argument("--horizon", type=int, metavar="DAYS", help=_help("horizon"))
    _add_cap_options(p)
    p.add_argument("--no-covariate", action="store_true", help=_help("no_covariate"))
    p.add_argument(
        "--correction", choices=config.CORRECTIONS, default=None, help=_help("correction")
    )
    p.add_argument(
        "--confidence",
        default=None,  # checked by main() in the run's language: 42 and abc are refused
        metavar="PERCENT",
        help=_help("confidence"),
    )


# -- commands ------------------------------------------------------------------------------------
def cmd_demo(store: Store, args: argparse.Namespace) -> int:
    from experiments import demo
    from experiments.store import overview

    with store.cursor() as cur:
        own = overview.holds_own_data(cur)
    if own and not args.yes:
        raise CommandError(_say("cli.demo_own_data"))
    summary = demo.seed_demo(
        store, customers=args.customers, seed=args.seed, replace=True, progress=_stderr_progress
    )
    print(_text(summary))
    return EXIT_OK


def cmd_stats(store: Store, args: argparse.Namespace) -> int:
    from experiments.store import overview

    with store.cursor() as cur:
        stats = overview.store_stats(cur)
    if args.json:
        _print_json(stats.as_json())
        return EXIT_OK
    labels = {key: _say(f"cli.stats.{key}") for key in stats.as_json()}
    width = max(22, *map(len, labels.values()))
    for key, value in stats.as_json().items():
        print(f"{labels[key]:>{width}}: {_stat_value(key, value)}")
    return EXIT_OK


def _stat_value(key: str, value: object) -> str:
    """A `stats` number as a person reads it: grouped digits, the share as a percentage,
    the revenue in the store's money, moments in the language's figures."""
    import datetime as dt

    fmt = _fmt()
    if value is None:
        return fmt.not_available
    if key == "repeat_share":
        return fmt.percent(float(value))  # type: ignore[arg-type]
    if key == "revenue":
        return fmt.money(float(value))  # type: ignore[arg-type]
    if key in ("first_ts", "last_ts"):
        return fmt.datetime_short(dt.datetime.fromisoformat(str(value)))
    return fmt.number(value)  # type: ignore[arg-type]


def cmd_list(store: Store, args: argparse.Namespace) -> int:
    from experiments import experiment

    with store.cursor() as cur:
        experiments = experiment.list_all(cur)
    if args.json:
        _print_json([e.as_json() for e in experiments])
    else:
        if not experiments:
            print(_say("cli.list.empty"))
        fmt = _fmt()
        for e in experiments:
            arms = ", ".join(f"{a.name} ({_kind(a.kind)}, {_share(a.allocation)})" for a in e.arms)
            marks = "".join(
                f" ({_say(m)})"
                for m, on in [
                    ("cli.mark.demo", e.demo),
                    ("cli.mark.archived", e.archived),
                    ("cli.mark.split_assumed", e.plan_assumed_equal),  # its shares: no plan
                ]
                if on
            )
            status = _say(f"design.status.{e.status}")  # the one word per status
            customers = fmt.count(e.customers, "customers")
            print(f"{e.id:>4}  {e.name}{marks}  [{status}]  {customers}: {arms}")
    return EXIT_OK


def cmd_load(store: Store, args: argparse.Namespace) -> int:
    from experiments import experiment as record
    from experiments import ingest

    mapping = ingest.parse_mapping(args.map or [])
    split = _parse_allocation(args.split, "--split")
    if split is not None and args.kind != "results":
        raise CommandError(_say("cli.split.results_only", kind=args.kind))
    experiment = args.experiment
    if experiment is not None and args.kind == "results":
        with store.cursor() as cur:  # an existing experiment by id or name: attach to it
            found = record.load(cur, experiment)
        if found is not None:
            experiment = found.name
    result = ingest.load_file(
        store,
        kind=args.kind,
        path=args.file,
        mapping=mapping,
        experiment=experiment,
        progress=_stderr_progress,
        load_valid_rows=args.load_valid_rows,
        split=split,
    )
    if result.set_aside is not None and args.set_aside:  # also when no row was left to load
        try:
            result.set_aside.to_csv(args.set_aside, index=False, encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(
                _say(
                    "cli.cannot_write",
                    path=args.set_aside,
                    reason=_os_reason(error, args.set_aside),
                )
            ) from None
    if not result.ok:
        raise CommandError(result.summary_in(_lang))
    print(result.summary_in(_lang))
    return EXIT_OK


def _arm_values(items: Sequence[str] | None, option: str, number: bool) -> dict[str, str]:
    """['Подарок=300'] -> {'Подарок': '300'}: ARM=VALUE pairs, the last '=' separates."""
    values: dict[str, str] = {}
    for item in items or []:
        arm, sep, value = item.rpartition("=")
        arm, value = arm.strip(), value.strip()
        if not sep or not arm or not value:
            raise CommandError(_say("cli.register.pair", option=option, item=quoted(item)))
        if number:
            try:
                parsed = float(value.replace(",", "."))
            except ValueError:
                raise CommandError(
                    _say(
                        "cli.register.not_number",
                        option=option,
                        item=quoted(item),
                        value=quoted(value),
                    )
                ) from None
            if not parsed >= 0:
                raise CommandError(_say("cli.register.negative", option=option, item=quoted(item)))
            value = str(parsed)
        values[arm] = value
    return values


def cmd_register(store: Store, args: argparse.Namespace) -> int:
    """Register a customer -> arm list randomized elsewhere (the Design page's second tab)."""
    import datetime as dt
    from dataclasses import replace

    from experiments import design, ingest
    from experiments import experiment as record

    try:
        sent_on = dt.date.fromisoformat(args.sent_on)
    except ValueError:
        raise CommandError(_say("cli.register.sent_on_date", value=quoted(args.sent_on))) from None
    if sent_on > dt.date.today():
        raise CommandError(_say("cli.register.sent_on_future", value=sent_on))
    mapping = ingest.parse_mapping(args.map or [])
    kinds = _arm_values(args.arm_kind, "--arm-kind", number=False)
    costs = _arm_values(args.cost, "--cost", number=True)
    percents = _arm_values(args.discount, "--discount", number=True)
    split = _parse_allocation(args.split, "--split")
    parsed = design.read_assignment_file(args.file, mapping, control_arm=args.control)
    if parsed.problems and not parsed.arms:
        problems = " ".join(map(_text, parsed.problems))
        raise CommandError(_say("cli.register.nothing", file=args.file, problems=problems))
    by_name = {a.name: a for a in parsed.arms}
    unknown = sorted({*kinds, *costs, *percents} - set(by_name))
    if unknown:
        raise CommandError(
            _say(
                "cli.register.unknown_arms",
                names=", ".join(map(repr, unknown)),
                file=args.file,
                arms=", ".join(by_name),
            )
        )
    chosen: dict[str, design.ArmSpec] = {}
    for name, arm in by_name.items():
        kind = kinds.get(name, arm.kind)
        if kind not in design.ARM_KINDS:
            kinds_list = ", ".join(design.ARM_KINDS)
            raise CommandError(_say("cli.register.bad_kind", arm=name, kind=kind, kinds=kinds_list))
        if name in percents and kind != "discount":
            raise CommandError(_say("cli.register.not_discount", arm=name, kind=_kind(kind)))
        if name in costs and kind in ("discount", "control"):
            raise CommandError(_say("cli.register.no_fixed_cost", arm=name, kind=_kind(kind)))
        cost = float(costs[name]) if name in costs else None
        arm = replace(arm, kind=kind)  # type: ignore[arg-type]
        if kind == "discount" and name in percents:
            arm = replace(arm, discount_pct=float(percents[name]))
        elif kind == "gift" and cost is not None:
            arm = replace(arm, gift_cost=cost)
        elif kind == "outreach" and cost is not None:  # the cost per contact: one staff hour
            arm = replace(arm, minutes=60.0, hourly_cost=cost)
        elif kind == "custom" and cost is not None:
            arm = replace(arm, custom_cost=cost)
        chosen[name] = arm
    experiment_id = design.create_from_assignment_file(
        store,
        args.file,
        name=args.name,
        hypothesis=args.hypothesis or "",
        primary_metric=args.metric,
        horizon_days=args.horizon,
        started_at=dt.datetime.combine(sent_on, dt.time()),
        control_arm=args.control,
        mapping=mapping,
        arms=chosen,
        split=split,
    )
    with store.cursor() as cur:
        stored = record.load(cur, experiment_id)
    assert stored is not None
    fmt = _fmt()

    def arm_text(a: Arm) -> str:
        extra = ""
        if a.kind == "discount":
            extra += _say("cli.register.discount", percent=_share(a.discount_pct / 100))
        if a.cost_per_customer:
            extra += f", {fmt.money(a.cost_per_customer)}"
        return f"{a.name} ({_kind(a.kind)}{extra})"

    print(
        _say(
            "cli.register.done",
            name=quoted(stored.name),
            id=experiment_id,
            customers=fmt.count(stored.customers, "customers"),
            sent_on=fmt.date_short(sent_on),
            arms=", ".join(map(arm_text, stored.arms)),
        )
    )
    return EXIT_OK


def cmd_delete(store: Store, args: argparse.Namespace) -> int:
    """Delete an experiment and what belongs only to it; asks for --yes first."""
    from experiments.store import design_sql

    found = _experiment(store, args.experiment)
    if not args.yes:
        raise CommandError(_say("cli.delete.confirm", id=found.id, name=quoted(found.name)))
    said = design_sql.delete_experiment(store, found.id)  # the store's words are English
    print(said if _lang == DEFAULT_LANGUAGE else _say("design.deleted", name=found.name))
    return EXIT_OK


def cmd_archive(store: Store, args: argparse.Namespace) -> int:
    """Archive an experiment (kept, out of the way), or bring it back with --undo."""
    from experiments.store import design_sql

    found = _experiment(store, args.experiment)
    design_sql.set_archived(store, found.id, not args.undo)
    key = "cli.archive.restored" if args.undo else "cli.archive.archived"
    print(_say(key, id=found.id, name=quoted(found.name)))
    return EXIT_OK


def cmd_set_split(store: Store, args: argparse.Namespace) -> int:
    """Give an existing results-file or registered experiment its real planned split."""
    from experiments import experiment

    weights = _parse_allocation(args.weights, "set-split")
    found = _experiment(store, args.experiment)
    stored = experiment.set_planned_split(store, found, weights or {})
    fmt = _fmt()
    plan = ", ".join(f"{arm} {fmt.percent(share)}" for arm, share in stored.planned_shares.items())
    print(_say("cli.set_split.done", id=stored.id, name=quoted(stored.name), plan=plan))
    return EXIT_OK


def cmd_uploads(store: Store, args: argparse.Namespace) -> int:
    from experiments.store import overview

    with store.cursor() as cur:
        history = overview.upload_history(cur)
    if args.json:
        _print_json(history.to_dict(orient="records"))
    elif history.empty:
        print(_say("cli.uploads.empty"))
    else:
        print(_uploads_table(history).to_string(index=False))
    return EXIT_OK


def _uploads_table(history: pd.DataFrame) -> pd.DataFrame:
    """The upload history as the Data page shows it: its headers, kinds and statuses in
    words, moments in the language's figures; in Russian the stored English messages and the
    demo's name said again (`i18n.readback`)."""
    from experiments.i18n import readback
    from experiments.i18n.text import upload_kind_word

    fmt = _fmt()
    table = history.drop(columns=["sha256"]).fillna("")
    if _lang != DEFAULT_LANGUAGE:  # the store's English said again (English: as scripts read it)
        stored = list(zip(table["kind"], table["file_name"], table["message"], strict=True))
        table["file_name"] = [readback.upload_file_name(n, str(k), _lang) for k, n, _ in stored]
        table["message"] = [readback.upload_message(m, str(k), _lang) for k, _, m in stored]
        table["kind"] = table["kind"].map(lambda kind: upload_kind_word(str(kind), _lang))
        table["status"] = table["status"].map(lambda status: readback.upload_status(status, _lang))
        table["rows"] = table["rows"].map(lambda n: fmt.number(n) if n != "" else "")
        table["loaded_at"] = table["loaded_at"].map(
            lambda at: fmt.datetime_short(at) if at != "" else ""
        )
    columns = {
        "upload_id": "upload_id",
        "file_name": "file",
        "kind": "kind",
        "rows": "rows",
        "loaded_at": "loaded",
        "status": "status",
        "message": "message",
    }
    if _lang == DEFAULT_LANGUAGE:  # the column names scripts have always read
        return table
    return table.rename(columns={c: _say(f"data.history.{k}") for c, k in columns.items()})


def cmd_remove_upload(store: Store, args: argparse.Namespace) -> int:
    from experiments import ingest

    said = ingest.remove_upload(store, args.upload_id)  # the store's words are English
    if _lang != DEFAULT_LANGUAGE:
        went = "the experiment it created" in said
        experiment = _say("data.removed.experiment") if went else ""
        said = _say("data.removed", upload=args.upload_id, experiment=experiment)
    print(said)
    return EXIT_OK


def _stderr_progress(fraction: float, text: str) -> None:
    fmt = _fmt()
    width = len(fmt.percent(1.0, 0))  # '[ 50%]' / '[ 50 %]': the lines stay aligned
    from experiments.i18n.text import progress_text

    line = progress_text(text, _lang)
    print(f"[{fmt.percent(fraction, 0):>{width}}] {line}", file=sys.stderr, flush=True)


def _parse_allocation(
    items: Sequence[str] | None, option: str = "--allocation"
) -> dict[str, float] | None:
    """['control=1', 'gift=2'] -> {'control': 1.0, 'gift': 2.0}; None when not given.

    `--allocation` of analyze-file and `--split` of load results / register: ARM=WEIGHT, a
    decimal comma allowed ('0,8'); a negative or non-number weight is refused here, an arm
    the file lacks or a zero total by `experiment.planned_split`."""
    if not items:
        return None
    plan: dict[str, float] = {}
    for item in items:
        arm, sep, weight = item.rpartition("=")
        arm = arm.strip()
        try:
            plan[arm] = float(weight.strip().replace(",", "."))
        except ValueError:
            raise CommandError(_say("cli.allocation", option=option, item=quoted(item))) from None
        if not sep or not arm or not plan[arm] >= 0:
            raise CommandError(_say("cli.allocation", option=option, item=quoted(item)))
    return plan


def cmd_analyze_file(store: Store | None, args: argparse.Namespace) -> int:
    """Analyse a standalone results file; needs no store (works while the app holds it)."""
    from experiments import analysis_file

    result = analysis_file.analyze_frame(
        args.file,
        args.arm,
        args.control,
        [analysis_file.parse_metric(m) for m in args.metric],
        covariate=args.covariate,
        correction=args.correction,
        cap=_cap(args),
        alpha=args.alpha,
        allocation=_parse_allocation(args.allocation),
    )
    if args.json:
        _print_json(result.as_json())
        return EXIT_OK
    _print_file_analysis(result)
    return EXIT_OK


def _print_file_analysis(result: analysis_file.FileAnalysis) -> None:

    if not result.ok:
        print(_say("cli.insufficient", note=_text(result.note)))
    if result.cap:
        print(_say("cli.money_effects", label=_estimand(True)))
    print(_srm_line(result.srm))
    for arm in result.arms:
        means = "  ".join(f"{_metric(k)}={_g(v, 6)}" for k, v in arm.means.items())
        print(f"{arm.arm:>24}  n={arm.n}  {means}")
    for e in result.effects:
        names = {"arm": e.arm, "metric": _metric(e.metric), "method": _method(e.method)}
        if e.ok:
            print(
                _say(
                    "cli.file_effect_line",
                    **names,
                    diff=_g(e.diff, 6),
                    low=_g(e.ci_low, 6),
                    high=_g(e.ci_high, 6),
                    p=_g(e.p_value, 3),
                    p_adjusted=_g(e.p_adjusted, 3),
                )
            )
        else:
            print(_say("cli.file_effect_missing", **names, note=_text(e.note)))


def _stored_results_analysis(
    store: Store,
    experiment_id: int,
    args: argparse.Namespace,
    rule: decision.DecisionRule | None = None,
    *,
    official: bool = False,
) -> analysis_file.FileAnalysis:
    """An experiment loaded from a campaign result file: the file's fields are the metrics.

    The options' view, or with `official` the design rule's (its confidence and correction,
    the default estimator), which the verdicts follow."""
    from experiments import analysis_file, decision
    from experiments.store import results_sql

    with store.cursor() as cur:
        fields = results_sql.result_fields(cur, experiment_id)
    covariate = None if args.no_covariate else analysis_file.suggest_covariate(fields)
    view = _analysis_settings(args, rule)
    chosen = (
        decision.rule_settings(rule, observed_days=None, status="", base=view)
        if (official and rule)
        else view
    )
    return analysis_file.analyze_stored_results(
        store,
        experiment_id,
        covariate=covariate,
        correction=chosen.correction,
        cap=chosen.cap,
        alpha=chosen.alpha,
    )


def _reads_results_file(store: Store, found: Experiment) -> bool:
    """Made from a campaign result file, or one was attached to it: the file's outcomes are
    analysed (with the experiment's arms and costs)."""
    from experiments.store import results_sql

    if found.from_results_file:
        return True
    with store.cursor() as cur:
        return bool(results_sql.result_uploads(cur, found.id))


def _analyze_results_file(store: Store, found: Experiment, args: argparse.Namespace) -> int:
    from experiments import decision

    experiment_id = found.id
    rule = _rule(found)
    result = _stored_results_analysis(store, experiment_id, args, rule)
    official = _stored_results_analysis(store, experiment_id, args, rule, official=True)
    exploratory = (result.alpha, result.correction, result.cap) != (
        official.alpha,
        official.correction,
        official.cap,
    )
    metric = next(iter(official.metrics), None)
    if metric:  # a result file decides on its first metric (net value when it has money)
        from dataclasses import replace

        rule = replace(rule, decision_metric=metric)

    def decisions(lang: Lang) -> list[decision.FileDecision]:
        """The verdicts worded in `lang`, amounts in the store's currency (`_money`)."""
        if not metric:
            return []
        return decision.decide_file(
            official, metric, rule=rule, exploratory=exploratory, lang=lang, currency=_money
        )

    if args.json:  # the same English text in either --lang, as every --json
        document = result.as_json()
        document["decisions"] = [d.as_json() for d in decisions(DEFAULT_LANGUAGE)]
        document["rule"] = rule.as_json()
        document["exploratory"] = exploratory
        _print_json(document)
    else:
        _print_file_analysis(result)
        _print_decisions(decisions(_lang), _lang)
    return EXIT_OK


def _print_decisions(
    decisions: Sequence[decision.Decision | decision.FileDecision], lang: Lang
) -> None:
    """Each verdict's line, and under a verdict that is not SHIP (or is held by the data)
    its reasons: what holds it, what to do, how many customers it still needs."""
    for d in decisions:
        print(f"{d.label_in(lang).upper():>16}  {d.statement}")
        for reason in d.reasons if d.blocked or d.verdict != "ship" else ():
            print(f"{'':>16}  {reason}")


def _kind(kind: str) -> str:
    """An arm kind in this run's language (ru 'скидка', en 'surprise gift'); a kind the
    catalogue does not name stays as stored."""
    from experiments.i18n import MESSAGES

    key = f"arm_kind.{kind}"
    return _say(key) if key in MESSAGES else kind


def _metric(metric: str) -> str:
    """A metric's name in a diagnostic line: its code in English ('repeat_purchase'), the
    catalogue's name in Russian ('Повторная покупка'); a file's own column as named
    (`export.cell_label`, the rule of the report and the files)."""
    from experiments import export

    return str(export.cell_label("metric", metric, _lang))


def _method(method: str) -> str:
    """An estimator in a diagnostic line: its code ('welch'), 'Welch' in Russian (`export`)."""
    from experiments import export

    return str(export.cell_label("method", method, _lang))


def _share(share: float) -> str:
    """A share as a percentage by the formatter (0.25 -> '25%' / '25 %', 1/3 -> '33.3%')."""
    percent = round(share * 100, 1)
    return _fmt().percent(share, 0 if percent == int(percent) else 1)


def _estimand(cap: bool, percentile: float | None = None) -> str:
    from experiments import report

    return report.estimand_label(
        cap, percentile or config.DEFAULT_CAP_PERCENTILE, _lang, currency=_money
    )


def _srm_line(srm: object) -> str:
    """'SRM p-value: 0.43  (mismatch: False)'; in Russian with a decimal comma and да / нет."""
    p, mismatch = getattr(srm, "p_value", None), getattr(srm, "mismatch", None)
    shown = _g(p) if isinstance(p, float) else p
    return _say("cli.srm", p=shown, mismatch=_say("cli.yes" if mismatch else "cli.no"))


def _g(value: float | None, digits: int = 4) -> str:
    """A diagnostic number to `digits` significant digits (Formatter.significant): en
    '0.4704' as f'{value:.4g}' always wrote it, ru '0,4704'; from 1000 up ru groups the
    digits ('4 583'), en keeps '4583' (its group comma would read as a list's in 'CI=[a, b]')."""
    return _fmt().significant(value, digits, grouped=_lang == "ru")


def cmd_analyze(store: Store, args: argparse.Namespace) -> int:
    """Analyse an experiment from the store (same code path as the Results page)."""
    from experiments import decision, metrics, report

    found = _experiment(store, args.experiment)
    if _reads_results_file(store, found):
        return _analyze_results_file(store, found, args)
    rule = _rule(found)
    source = _source(args, store)
    analysis = metrics.analyze_experiment(
        store, found.id, _analysis_settings(args, rule), source=source
    )
    official, differences = decision.official_analysis(store, analysis, source=source)
    if args.json:  # in English, as --json always is: the same text in every language
        decisions = decision.decide(official, exploratory=bool(differences), currency=_money)
        pairs = decision.head_to_head(
            official, currency=_money
        )  # the verdicts and the head to head as the Results page shows them
        document = analysis.as_json(currency=_money)
        if source is not None:  # added only for a source: the store's output is unchanged
            document["source"] = source.redacted()
        document["decisions"] = [d.as_json() for d in decisions]
        document["head_to_head"] = [m.as_json() for m in pairs]
        document["rule"] = rule.as_json()
        document["exploratory"] = bool(differences)
        document["exploratory_differences"] = differences
        document["verdict_horizon_days"] = official.horizon_days
        _print_json(document)
        return EXIT_OK
    lang = _lang  # the verdicts, the head to head and the differences in the run's language
    decisions = decision.decide(official, exploratory=bool(differences), lang=lang, currency=_money)
    pairs = decision.head_to_head(official, lang=lang, currency=_money)
    differences = decision.exploratory_differences(analysis.settings, official.settings, lang)
    print(
        _say(
            "cli.analyze.header",
            name=found.name,
            count=analysis.horizon_days,
            last=_day(analysis.last_ts),
        )
    )
    print(_say("cli.analyze.status", status=report.status_word(analysis, lang)))
    print(report.money_basis(analysis, lang=lang))
    print(_say("cli.analyze.rule", rule=rule.describe(lang).rstrip(".")))
    if differences:
        print(
            _say(
                "cli.analyze.exploratory",
                differences="; ".join(differences),
                count=official.horizon_days,
            )
        )
    if analysis.settings.cap:
        print(_say("cli.money_effects", label=_estimand(True, analysis.settings.cap_percentile)))
    _print_decisions(decisions, lang)
    for m in pairs:
        print(f"{'':>16}  {m.sentence}")
    print(_srm_line(analysis.srm))
    for arm in analysis.arms:
        means = "  ".join(f"{_metric(k)}={_g(v)}" for k, v in arm.means.items() if v is not None)
        print(_say("cli.arm_line", arm=arm.arm, n=arm.n, observed=arm.n_observed, means=means))
    for e in analysis.effects:
        names = {"arm": e.arm, "metric": _metric(e.metric), "method": _method(e.method)}
        if e.ok:
            print(
                _say(
                    "cli.effect_line",
                    **names,
                    diff=_g(e.diff),
                    low=_g(e.ci_low),
                    high=_g(e.ci_high),
                    p=_g(e.p_adjusted, 3),
                )
            )
        else:
            print(_say("cli.effect_missing", **names, note=_text(e.note)))
    for w in analysis.warnings:
        print(_say("cli.warning", kind=_warning_kind(w.kind), message=w.text(_lang)))
    return EXIT_OK


def _day(moment: object) -> str:
    """The day of a timestamp in the language's figures (en '2026-10-31', ru '31.10.2026')."""
    import datetime as dt

    if not moment:
        return _fmt().not_available
    return _fmt().date_short(dt.date.fromisoformat(str(moment)[:10]))


def _warning_kind(kind: str) -> str:
    """What a data warning is about: its code in English (as always), words in Russian."""
    from experiments.i18n import MESSAGES

    key = f"cli.warning_kind.{kind}"
    return _say(key) if key in MESSAGES else kind


def cmd_assignments(store: Store, args: argparse.Namespace) -> int:
    """Export an experiment's customer -> arm list (the same file as the Design page's download)."""
    from pathlib import Path

    from experiments import design
    from experiments.store import design_sql

    found = _experiment(store, args.experiment)
    with store.cursor() as cur:
        frame = design_sql.assignment_list(cur, found.id)
    if frame.empty:
        raise CommandError(
            _say("cli.assignments.none", name=quoted(found.name), status=found.status)
        )
    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        data = design.assignments_xlsx(frame)
    elif suffix == ".csv":
        data = design.assignments_csv(frame, sep=args.sep)
    else:
        raise CommandError(_say("cli.assignments.out", name=quoted(out.name)))
    out.write_bytes(data)
    customers = _fmt().count(len(frame), "customers")
    print(_say("cli.assignments.written", customers=customers, name=quoted(found.name), path=out))
    return EXIT_OK


def cmd_clv(store: Store, args: argparse.Namespace) -> int:
    """Fit BG/NBD + Gamma-Gamma on the store (calibration to --until), or project an experiment."""
    import datetime as dt

    from experiments import clv

    try:
        until = dt.date.fromisoformat(args.until) if args.until else None
    except ValueError:
        raise CommandError(_say("cli.until_date", value=quoted(args.until))) from None
    source = _source(args, store)
    with store.cursor() as cur:
        if args.experiment is not None:
            found = _experiment(store, args.experiment)
            projection = clv.project_arms(
                cur,
                found.id,
                args.months,
                args.bootstrap,
                args.seed,
                until=until,
                source=source,
            )
            document = clv.projection_json(projection)
            if args.json:
                _print_json(document)
            else:
                _print_projection(projection)
            if projection.status != "ok":
                raise CommandError(_text(projection.message))
            return EXIT_OK
        if source is not None and source_engine_is_remote(source):  # nearly a row per repeater
            print(_say("source.cli_cells", source=source.redacted()), file=sys.stderr)
        fitted = clv.fit_store(cur, until=until, months=args.months, source=source)
    document = fitted.as_json()
    if source is not None:
        document["source"] = source.redacted()
    if args.json:
        _print_json(document)
    else:
        _print_store_fit(document)
    if not fitted.model.converged:
        raise CommandError(_text(fitted.model.message))
    return EXIT_OK


def _print_projection(projection: clv.ProjectionResult) -> None:
    """The per-arm projection as lines: the basis, one line per arm (and its check), the rule."""
    fmt = _fmt()

    def money(value: float | None) -> str:
        return fmt.money(value)  # n/a for None

    print(_text(projection.basis))
    for arm in projection.arms:
        print(
            _say(
                "cli.clv.arm",
                arm=arm.name,
                kind=_kind(arm.kind),
                n=fmt.number(arm.customers),
                observed=money(arm.observed_margin),
                months=projection.months,
                projected=money(arm.projected_clv),
                difference=money(arm.difference),
                low=money(arm.ci_lower),
                high=money(arm.ci_upper),
                message=_text(arm.message),
            ).rstrip()
        )
        check = arm.check
        if check is not None and check.predicted_difference is not None:
            print(
                _say(
                    "cli.clv.check",
                    indent="",
                    days=check.holdout_days,
                    predicted=money(check.predicted_difference),
                    actual=money(check.actual_difference),
                    low=money(check.ci_lower),
                    high=money(check.ci_upper),
                    outcome=_say("cli.clv.passed" if check.passed else "cli.clv.failed"),
                )
            )
    if projection.check_rule:
        print(_text(projection.check_rule))


def _print_store_fit(document: dict[str, object]) -> None:
    """The store-wide fit as labelled lines: the data, both models' parameters, the CLV."""
    from experiments.i18n import MESSAGES

    fmt = _fmt()
    lines: list[tuple[str, str]] = [
        (_say("cli.clv.until"), _day(document["until"])),
        (_say("cli.clv.time_unit"), _say(f"cli.clv.unit.{document['time_unit']}")),
        (_say("cli.clv.customers"), fmt.number(document["customers"])),  # type: ignore[arg-type]
        (_say("cli.clv.repeat_customers"), fmt.number(document["repeat_customers"])),  # type: ignore[arg-type]
        (_say("cli.clv.converged"), _say("cli.yes" if document["converged"] else "cli.no")),
    ]
    for model, names in (("bgnbd", ("r", "alpha", "a", "b")), ("gamma_gamma", ("p", "q", "v"))):
        fit: dict[str, object] = document[model]  # type: ignore[assignment]
        params = _say("cli.clv.params_sep").join(
            f"{name}={_g(fit.get(name))}"  # type: ignore[arg-type]
            for name in names
        )
        key = f"clv.fit.status.{fit.get('status')}"
        status = _say(key) if key in MESSAGES else str(fit.get("status"))
        lines.append((_say(f"cli.clv.{model}"), f"{params} ({status})"))
    summary: dict[str, float | None] = document["clv"]  # type: ignore[assignment]
    months = summary.get("months")
    for key, shown in (
        ("mean", fmt.money(summary.get("mean"))),
        ("median", fmt.money(summary.get("median"))),
        ("p90", fmt.money(summary.get("p90"))),
        ("total", fmt.money(summary.get("total"))),
        ("purchases", fmt.number(summary.get("expected_purchases_mean"), 2)),
        ("alive", fmt.percent(summary.get("probability_alive_mean"))),
        ("margin_rate", fmt.percent(summary.get("margin_rate"))),
    ):
        values = {"months": months} if key == "mean" else {}
        lines.append((_say(f"cli.clv.{key}", **values), shown))
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        print(f"{label:>{width}}: {value}")


def cmd_report(store: Store, args: argparse.Namespace) -> int:
    """Write the self-contained HTML report (the Results page's download) for an experiment."""
    from pathlib import Path

    from experiments import decision, metrics, report

    found = _experiment(store, args.experiment)
    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise CommandError(_say("cli.report.out", name=quoted(out.name)))
    experiment_id = found.id
    if args.currency is None:  # the store's setting: the one home of the currency
        from experiments.store import settings

        with store.cursor() as cur:
            args.currency = settings.currency(cur)
    base_url = report.configured_base_url(args.base_url)
    link = report.live_view_link(base_url, experiment_id, args.lang)
    if _reads_results_file(store, found):
        file_result = _stored_results_analysis(
            store, experiment_id, args, _rule(found), official=True
        )
        page = report.html_file_report(
            found, file_result, link=link, lang=args.lang, currency=args.currency
        )
        horizon = _say("cli.report.file_horizon")
    else:
        source = _source(args, store)
        analysis = metrics.analyze_experiment(
            store, experiment_id, _analysis_settings(args, _rule(found)), source=source
        )
        official, differences = decision.official_analysis(store, analysis, source=source)
        # the live view opens on the report's numbers: its settings travel in the link
        link = report.live_view_link(base_url, experiment_id, args.lang, analysis.settings)
        # the same differences, in the report's language
        differences = decision.exploratory_differences(
            analysis.settings, official.settings, args.lang
        )
        page = report.html_report(
            analysis,
            official=official,
            differences=differences,
            link=link,
            lang=args.lang,
            currency=args.currency,
        )
        days = analysis.horizon_days
        horizon = _say("cli.report.horizon", count=days)
    try:
        out.write_text(page, encoding="utf-8")
    except OSError as error:
        reason = _os_reason(error, out)
        raise CommandError(_say("cli.cannot_write", path=out, reason=reason)) from None
    print(_say("cli.report.written", name=quoted(found.name), horizon=horizon, path=out))
    return EXIT_OK


def cmd_settings(store: Store, args: argparse.Namespace) -> int:
    """Show the store's settings, or set them (the Data page's "Store settings")."""
    from experiments.store import settings

    changes: dict[str, object | None] = {}
    if args.margin_rate is not None:
        changes["margin_rate"] = args.margin_rate
    if args.reset_margin_rate:
        if args.margin_rate is not None:
            raise CommandError(
                _say("cli.settings.both", option="--margin-rate", reset="--reset-margin-rate")
            )
        changes["margin_rate"] = None
    if args.currency is not None:
        changes["currency"] = args.currency
    if args.reset_currency:
        if args.currency is not None:
            raise CommandError(
                _say("cli.settings.both", option="--currency", reset="--reset-currency")
            )
        changes["currency"] = None
    if changes:
        current = settings.update_settings(store, changes)  # SettingError: exit 2, unchanged
    else:
        with store.cursor() as cur:
            current = settings.read_settings(cur)
    document = current.as_json()
    if args.json:
        _print_json(document)
        return EXIT_OK
    fmt = _fmt()
    for key, entry in document.items():
        value = entry["value"]  # type: ignore[index]
        shown = (
            f"{fmt.significant(value)} ({fmt.percent(value)})"
            if isinstance(value, float)
            else str(value)
        )
        stored = entry["source"] == "store"  # type: ignore[index]
        where = _say("cli.settings.store" if stored else "cli.settings.default")
        print(f"{_say(f'cli.settings.{key}')}: {shown} [{where}]")
    return EXIT_OK


# -- parser --------------------------------------------------------------------------------------
Handler = Callable[["Store", argparse.Namespace], int]


def build_parser(lang: Lang | None = None) -> argparse.ArgumentParser:
    """The command line's parser, its help in `lang` (default: this run's language)."""
    global _lang
    if lang is not None:
        _lang = lang
    h = _help
    parser = argparse.ArgumentParser(prog="python -m experiments", description=h("description"))
    parser.add_argument("--db", help=h("db", env=config.DB_ENV_VAR, path=config.DEFAULT_DB_PATH))
    _add_source_option(parser)
    parser.add_argument("--lang", choices=LANGUAGES, default=None, help=h("lang"))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    json_help = h("json")

    p = sub.add_parser("demo", help=h("demo"), description=h("demo"))
    p.add_argument(
        "--customers",
        type=int,
        default=config.DEMO_CUSTOMERS,
        help=h("demo.customers", default=config.DEMO_CUSTOMERS),
    )
    p.add_argument(
        "--seed", type=int, default=config.DEMO_SEED, help=h("seed", default=config.DEMO_SEED)
    )
    p.add_argument("--yes", action="store_true", help=h("demo.yes"))
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("load", help=h("load"), description=h("load"))
    p.add_argument("kind", choices=["transactions", "customers", "results"], help=h("load.kind"))
    p.add_argument("file", help=h("file"))
    p.add_argument("--map", action="append", metavar="SOURCE=FIELD", help=h("load.map"))
    p.add_argument("--experiment", metavar="NAME_OR_ID", help=h("load.experiment"))
    p.add_argument("--load-valid-rows", action="store_true", help=h("load.valid_rows"))
    p.add_argument("--set-aside", metavar="FILE.csv", help=h("load.set_aside"))
    p.add_argument("--split", action="append", metavar="ARM=WEIGHT", help=h("split"))
    p.set_defaults(handler=cmd_load)

    p = sub.add_parser("register", help=h("register"), description=h("register"))
    p.add_argument("file", help=h("register.file"))
    p.add_argument("--name", required=True, help=h("register.name"))
    p.add_argument("--sent-on", required=True, metavar="YYYY-MM-DD", help=h("register.sent_on"))
    p.add_argument("--map", action="append", metavar="SRC=FIELD", help=h("register.map"))
    p.add_argument(
        "--arm-kind",
        action="append",
        metavar="ARM=discount|gift|outreach|custom",
        help=h("register.arm_kind"),
    )
    p.add_argument("--cost", action="append", metavar="ARM=AMOUNT", help=h("register.cost"))
    p.add_argument(
        "--discount", action="append", metavar="ARM=PERCENT", help=h("register.discount")
    )
    p.add_argument("--control", metavar="ARM", help=h("register.control"))
    p.add_argument("--split", action="append", metavar="ARM=WEIGHT", help=h("split"))
    p.add_argument(
        "--metric",
        choices=["repeat_purchase", "net_value"],
        default="repeat_purchase",
        help=h("register.metric", default="repeat_purchase"),
    )
    p.add_argument(
        "--horizon",
        type=int,
        default=config.DEFAULT_HORIZON_DAYS,
        metavar="DAYS",
        help=h("register.horizon", default=config.DEFAULT_HORIZON_DAYS),
    )
    p.add_argument("--hypothesis", help=h("register.hypothesis"))
    p.set_defaults(handler=cmd_register)

    p = sub.add_parser("delete", help=h("delete"), description=h("delete"))
    p.add_argument("experiment", metavar="EXPERIMENT", help=h("experiment_id_or_name"))
    p.add_argument("--yes", action="store_true", help=h("delete.yes"))
    p.set_defaults(handler=cmd_delete)

    p = sub.add_parser("archive", help=h("archive"), description=h("archive"))
    p.add_argument("experiment", metavar="EXPERIMENT", help=h("experiment_id_or_name"))
    p.add_argument("--undo", action="store_true", help=h("archive.undo"))
    p.set_defaults(handler=cmd_archive)

    p = sub.add_parser("set-split", help=h("set_split"), description=h("set_split"))
    p.add_argument("experiment", metavar="EXPERIMENT", help=h("experiment_id_or_name"))
    p.add_argument("weights", nargs="+", metavar="ARM=WEIGHT", help=h("set_split.weights"))
    p.set_defaults(handler=cmd_set_split)

    for name, handler in (("stats", cmd_stats), ("list", cmd_list), ("uploads", cmd_uploads)):
        p = sub.add_parser(name, help=h(name), description=h(name))
        p.add_argument("--json", action="store_true", help=json_help)
        p.set_defaults(handler=handler)

    p = sub.add_parser("remove-upload", help=h("remove_upload"), description=h("remove_upload"))
    p.add_argument("upload_id", type=int, help=h("remove_upload.id"))
    p.set_defaults(handler=cmd_remove_upload)

    p = sub.add_parser("analyze-file", help=h("analyze_file"), description=h("analyze_file"))
    p.add_argument("file", help=h("analyze_file.file"))
    p.add_argument("--arm", required=True, metavar="COLUMN", help=h("analyze_file.arm"))
    p.add_argument("--control", required=True, metavar="LABEL", help=h("analyze_file.control"))
    p.add_argument(
        "--metric",
        required=True,
        action="append",
        metavar="COLUMN[:binary|:money]",
        help=h("analyze_file.metric"),
    )
    p.add_argument("--covariate", metavar="COLUMN", help=h("analyze_file.covariate"))
    p.add_argument(
        "--correction",
        choices=config.CORRECTIONS,
        default=config.DEFAULT_CORRECTION,
        help=h("analyze_file.correction", default=config.DEFAULT_CORRECTION),
    )
    _add_cap_options(p)
    p.add_argument(
        "--allocation", action="append", metavar="ARM=WEIGHT", help=h("analyze_file.allocation")
    )
    p.add_argument(
        "--alpha",
        type=float,
        default=config.ALPHA,
        help=h("analyze_file.alpha", default=config.ALPHA),
    )
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(handler=cmd_analyze_file, needs_store=False)

    p = sub.add_parser("analyze", help=h("analyze"), description=h("analyze"))
    _add_analysis_options(p)
    _add_source_option(p, argparse.SUPPRESS)  # after the command too
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(handler=cmd_analyze)

    p = sub.add_parser("assignments", help=h("assignments"), description=h("assignments"))
    p.add_argument("experiment", metavar="EXPERIMENT", help=h("experiment"))
    p.add_argument("--out", required=True, metavar="FILE", help=h("assignments.out"))
    p.add_argument("--sep", choices=[",", ";"], default=",", help=h("assignments.sep"))
    p.set_defaults(handler=cmd_assignments)

    p = sub.add_parser("clv", help=h("clv"), description=h("clv"))
    p.add_argument("--until", metavar="DATE", help=h("clv.until"))
    p.add_argument("--months", type=int, default=12, help=h("clv.months"))
    p.add_argument("--experiment", help=h("clv.experiment"))
    _add_source_option(p, argparse.SUPPRESS)
    p.add_argument(
        "--bootstrap",
        type=int,
        default=config.CLV_BOOTSTRAP_REPLICATES,
        help=h("clv.bootstrap"),
    )
    p.add_argument("--seed", type=int, default=0, help=h("seed", default=0))
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(handler=cmd_clv)

    p = sub.add_parser("report", help=h("report"), description=h("report"))
    _add_analysis_options(p)
    _add_source_option(p, argparse.SUPPRESS)  # after the command too
    p.add_argument("--out", required=True, metavar="FILE.html", help=h("report.out"))
    p.add_argument(
        "--currency",
        type=_currency,
        default=None,
        metavar="CODE",
        help=h("report.currency", default=config.CURRENCY),
    )
    p.add_argument("--base-url", metavar="URL", help=h("report.base_url"))
    p.set_defaults(handler=cmd_report)

    p = sub.add_parser("settings", help=h("settings"), description=h("settings"))
    p.add_argument(
        "--margin-rate",
        metavar="RATE",
        help=h("settings.margin_rate", default=f"{config.DEFAULT_MARGIN_RATE:g}"),
    )
    p.add_argument("--reset-margin-rate", action="store_true", help=h("settings.reset_margin_rate"))
    p.add_argument(
        "--currency", metavar="CODE", help=h("settings.currency", default=config.CURRENCY)
    )
    p.add_argument("--reset-currency", action="store_true", help=h("settings.reset_currency"))
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(handler=cmd_settings)

    # more-commands: assignments, analyze, analyze-file, clv, report are added above this line.
    for command in sub.choices.values():  # `analyze --lang ru` as well as `--lang ru analyze`
        command.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS, help=h("lang"))
    return parser


def _explicit_language(argv: Sequence[str]) -> str | None:
    """The --lang value of a command line before it is parsed (the help is in it)."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


@contextmanager
def _argparse_words(lang: Lang) -> Iterator[None]:
    """argparse's own words ('usage:', 'options', its errors) in `lang` while a command line
    is parsed: argparse looks them up through its module's gettext `_`, by their English text
    (`cli.argparse.*`)."""
    from experiments.i18n import MESSAGES, t

    words = {t(key, "en"): t(key, lang) for key in MESSAGES if key.startswith("cli.argparse.")}
    english = argparse._  # type: ignore[attr-defined]
    argparse._ = lambda text: words.get(text, english(text))  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = english  # type: ignore[attr-defined]


def _refused_option(args: argparse.Namespace) -> str | None:
    """Why an option's value is refused (--confidence 42, --currency XYZ), in the run's
    language; None when none is. Checked before the store opens, which stays untouched."""
    confidence = getattr(args, "confidence", None)
    if confidence is not None:
        from experiments import metrics

        if metrics.unrecognised_options(confidence=confidence):
            offered = ", ".join(f"{c * 100:.0f}" for c in config.CONFIDENCE_CHOICES)
            return _say("cli.confidence_invalid", value=confidence, offered=offered)
    currency = getattr(args, "currency", None)  # report --currency, settings --currency
    if currency is not None:
        from experiments.store import settings

        try:
            settings.parse_currency(currency)  # the one check, the Data page's too
        except settings.SettingError:
            return _say("cli.currency_invalid", value=currency)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    global _lang, _money
    line = list(sys.argv[1:] if argv is None else argv)
    _lang = cli_language(_explicit_language(line))
    with _argparse_words(_lang):
        parser = build_parser()
        args = parser.parse_args(line)  # --help ends here, before pandas, scipy or DuckDB load
    from experiments.sources import SourceError

    _lang = args.lang = cli_language(args.lang)
    _money = config.CURRENCY  # until a store is open: its setting
    if getattr(args, "horizon", None) is not None:  # analyze, report, register...: before
        from experiments import metrics  # the store opens, which a refusal leaves untouched

        try:
            metrics.parse_horizon(args.horizon)
        except metrics.InvalidHorizon:
            refused = _say("cli.horizon_invalid", value=args.horizon, most=config.MAX_HORIZON_DAYS)
            print(_say("cli.error", message=refused), file=sys.stderr)
            return EXIT_USAGE
    bad_option = _refused_option(args)
    if bad_option is not None:
        print(_say("cli.error", message=bad_option), file=sys.stderr)
        return EXIT_USAGE
    import duckdb

    from experiments.store import StoreError, open_store

    try:
        if not getattr(args, "needs_store", True):
            return int(args.handler(None, args))
        path = config.db_path(args.db)
        missing = config.db_path_given(args.db) and not path.exists()
        store = open_store(args.db)
        _money = _store_currency(store)
        if missing:  # a mistyped --db / LOYALTY_LAB_DB: say where the new store is
            print(_say("cli.new_store", path=path), file=sys.stderr)
        handler: Handler = args.handler
        return handler(store, args)
    except (StoreError, CommandError, SourceError) as error:
        message = _text(error)
        if isinstance(error, SourceError):  # what failed, in the run's language; the details
            message = _say("source.error", message=message)  # name the URL as it was typed
        print(_say("cli.error", message=message), file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silences the flush at exit
        return EXIT_OK
    except KeyboardInterrupt:
        print(_say("cli.interrupted"), file=sys.stderr)
        return 130
    except duckdb.OutOfMemoryException as error:  # a message with what to do, no traceback
        print(_say("cli.error", message=_out_of_memory(error)), file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
