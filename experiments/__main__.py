"""Command line: python -m experiments [--db PATH] [--source URL] COMMAND ... (same code paths
as the app)."""

from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from experiments import config
from experiments.i18n.language import DEFAULT_LANGUAGE, LANGUAGES, Lang, supported

if TYPE_CHECKING:  # imported where used: `--help` must not import pandas, scipy and DuckDB
    from experiments import analysis_file, decision, metrics
    from experiments.experiment import Experiment
    from experiments.i18n import Formatter
    from experiments.sources import Source
    from experiments.store import Store

EXIT_OK = 0
EXIT_USAGE = 2  # bad input, locked store, refused operation: message on stderr, store untouched


class CommandError(Exception):
    """Refusal with a message for the user; the command exits 2."""


EXPERIMENT_HELP = "experiment name, or its id when no experiment has that name"

LANG_ENV = "LOYALTY_LAB_LANG"  # the command line's language when --lang is not given
_LOCALE_ENV = ("LC_ALL", "LC_MESSAGES", "LANG")  # POSIX precedence: the first one set decides
LANG_HELP = (
    "language of the human messages and the report: ru or en (default: $LOYALTY_LAB_LANG, "
    "then the system locale $LC_ALL / $LC_MESSAGES / $LANG, then English); --json is the same "
    "in both"
)
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


def _fmt() -> Formatter:
    from experiments.i18n import Formatter

    return Formatter(_lang, _money)


def _out_of_memory(error: BaseException) -> str:
    first = str(error).splitlines()[0] if str(error) else type(error).__name__
    return (
        f"DuckDB ran out of memory ({first}). Raise or remove the limit: "
        f"LOYALTY_LAB_DUCKDB_MEMORY=4GB (or empty for DuckDB's default, 80% of the RAM)."
    )


def _store_currency(store: Store) -> str:
    """The store's money (its setting, else RUB), for every amount this run prints."""
    from experiments.store import settings

    with store.cursor() as cur:
        return settings.currency(cur)


def _finite(value: object) -> object:
    """The value with every NaN / infinity replaced by null: JSON has no such numbers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _print_json(value: object) -> None:
    """Always valid JSON (`Infinity` / `NaN` would break every JSON reader): see `_finite`."""
    print(json.dumps(_finite(value), ensure_ascii=False, indent=2, default=str, allow_nan=False))


def _experiment(store: Store, key: str) -> Experiment:
    """An experiment by id or name (`experiment.load`'s one rule); CommandError if unknown."""
    from experiments import experiment

    with store.cursor() as cur:
        found = experiment.load(cur, key)
    if found is None:
        raise CommandError(_say("cli.no_experiment", name=repr(key)))
    return found


SOURCE_HELP = (
    "read the transactions from URL: duckdb:///FILE, spark://HOST:PORT, spark+local://N, "
    "clickhouse://USER@HOST:PORT/DB (password in $LOYALTY_LAB_SOURCE_PASSWORD or [source] "
    "password in .streamlit/secrets.toml), chdb:///DIR (default: $LOYALTY_LAB_SOURCE, else "
    "[source] url in .streamlit/secrets.toml, else the store itself)"
)


def _add_source_option(p: argparse.ArgumentParser, default: object = None) -> None:
    p.add_argument("--source", metavar="URL", default=default, help=SOURCE_HELP)


def _source(args: argparse.Namespace, store: Store | None = None) -> Source | None:
    """The source of the transactions (`source_engine.configured_source`: --source, else the
    environment, else the secrets); None: the store (also `duckdb:///` naming the store's own
    file). Announced on stderr by its redacted form, so the JSON on stdout stays the analysis."""
    from experiments import source_engine

    source = source_engine.configured_source(getattr(args, "source", None))
    if _is_the_store(source, store):
        return None  # the store itself: read in place (a second connection would clash)
    if source is not None:
        print(f"reading transactions from {source.redacted()}", file=sys.stderr)
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
    """--currency: an ISO 4217 code (rub -> RUB); argparse says so when it is not one."""
    from babel.numbers import is_currency

    code = text.strip().upper()
    if not is_currency(code):
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 4217 currency code (RUB, EUR)")
    return code


def _add_cap_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--cap",
        action="store_true",
        help="winsorise money metrics at the pooled 99th percentile: estimates the winsorised "
        "mean difference, not the money difference (default: off)",
    )
    p.add_argument("--no-cap", action="store_true", help="do not cap money metrics (default)")


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
    p.add_argument("experiment", metavar="EXPERIMENT", help=EXPERIMENT_HELP)
    p.add_argument("--horizon", type=int, metavar="DAYS", help="default: the experiment's")
    _add_cap_options(p)
    p.add_argument("--no-covariate", action="store_true", help="no CUPED rows")
    p.add_argument(
        "--correction",
        choices=config.CORRECTIONS,
        default=None,
        help="default: the design rule's (holm unless the design chose otherwise)",
    )
    p.add_argument(
        "--confidence",
        type=int,
        choices=[round(c * 100) for c in config.CONFIDENCE_CHOICES],
        default=None,
        metavar="PERCENT",
        help="confidence level of the intervals, 90, 95 or 99 (default: the design rule's)",
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
    print(summary)
    return EXIT_OK


def cmd_stats(store: Store, args: argparse.Namespace) -> int:
    from experiments.store import overview

    with store.cursor() as cur:
        stats = overview.store_stats(cur)
    if args.json:
        _print_json(stats.as_json())
    else:
        for key, value in stats.as_json().items():
            print(f"{key:>22}: {value}")
    return EXIT_OK


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
            arms = ", ".join(f"{a.name} ({_kind(a.kind)}, {a.allocation:g})" for a in e.arms)
            marks = "".join(
                f" ({_say(m)})"
                for m, on in [("cli.mark.demo", e.demo), ("cli.mark.archived", e.archived)]
                if on
            )
            status = _say(f"cli.status.{e.status}")
            customers = (
                f"{e.customers} customers" if _lang == "en" else fmt.count(e.customers, "customers")
            )
            print(f"{e.id:>4}  {e.name}{marks}  [{status}]  {customers}: {arms}")
    return EXIT_OK


def cmd_load(store: Store, args: argparse.Namespace) -> int:
    from experiments import experiment as record
    from experiments import ingest

    mapping = ingest.parse_mapping(args.map or [])
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
    )
    if not result.ok:
        raise CommandError(result.summary())
    if result.set_aside is not None and args.set_aside:
        try:
            result.set_aside.to_csv(args.set_aside, index=False, encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(
                _say("cli.cannot_write", path=args.set_aside, reason=error.strerror)
            ) from None
    print(result.summary())
    return EXIT_OK


def _arm_values(items: Sequence[str] | None, option: str, number: bool) -> dict[str, str]:
    """['Подарок=300'] -> {'Подарок': '300'}: ARM=VALUE pairs, the last '=' separates."""
    values: dict[str, str] = {}
    for item in items or []:
        arm, sep, value = item.rpartition("=")
        arm, value = arm.strip(), value.strip()
        if not sep or not arm or not value:
            raise CommandError(f"{option} wants ARM=VALUE, got {item!r}")
        if number:
            try:
                parsed = float(value.replace(",", "."))
            except ValueError:
                raise CommandError(f"{option} {item!r}: {value!r} is not a number") from None
            if not parsed >= 0:
                raise CommandError(f"{option} {item!r}: the value cannot be negative")
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
        raise CommandError(f"--sent-on {args.sent_on!r} is not a date (YYYY-MM-DD)") from None
    if sent_on > dt.date.today():
        raise CommandError(f"--sent-on {sent_on} is in the future")
    mapping = ingest.parse_mapping(args.map or [])
    kinds = _arm_values(args.arm_kind, "--arm-kind", number=False)
    costs = _arm_values(args.cost, "--cost", number=True)
    percents = _arm_values(args.discount, "--discount", number=True)
    parsed = design.read_assignment_file(args.file, mapping, control_arm=args.control)
    if parsed.problems and not parsed.arms:
        raise CommandError(f"{args.file}: nothing registered. " + " ".join(parsed.problems))
    by_name = {a.name: a for a in parsed.arms}
    unknown = sorted({*kinds, *costs, *percents} - set(by_name))
    if unknown:
        raise CommandError(
            f"no arm {', '.join(map(repr, unknown))} in {args.file}; its arms are: "
            f"{', '.join(by_name)}"
        )
    chosen: dict[str, design.ArmSpec] = {}
    for name, arm in by_name.items():
        kind = kinds.get(name, arm.kind)
        if kind not in design.ARM_KINDS:
            raise CommandError(f"--arm-kind {name}={kind}: kinds are {', '.join(design.ARM_KINDS)}")
        if name in percents and kind != "discount":
            raise CommandError(f"--discount {name}: the arm is {kind}, not a discount")
        if name in costs and kind in ("discount", "control"):
            raise CommandError(
                f"--cost {name}: a {kind} arm has no fixed cost per customer "
                "(a discount's cost is the percent off: use --discount)"
            )
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
    )
    with store.cursor() as cur:
        stored = record.load(cur, experiment_id)
    assert stored is not None
    arms = ", ".join(
        f"{a.name} ({a.kind}"
        + (f", {a.discount_pct:g}% off" if a.kind == "discount" else "")
        + (f", {a.cost_per_customer:,.2f} {_money}" if a.cost_per_customer else "")
        + ")"
        for a in stored.arms
    )
    print(
        f"Registered '{stored.name}' (experiment {experiment_id}): {stored.customers:,} "
        f"customers sent on {sent_on}, arms {arms}."
    )
    return EXIT_OK


def cmd_delete(store: Store, args: argparse.Namespace) -> int:
    """Delete an experiment and what belongs only to it; asks for --yes first."""
    from experiments.store import design_sql

    found = _experiment(store, args.experiment)
    if not args.yes:
        raise CommandError(_say("cli.delete.confirm", id=found.id, name=repr(found.name)))
    print(design_sql.delete_experiment(store, found.id))
    return EXIT_OK


def cmd_archive(store: Store, args: argparse.Namespace) -> int:
    """Archive an experiment (kept, out of the way), or bring it back with --undo."""
    from experiments.store import design_sql

    found = _experiment(store, args.experiment)
    design_sql.set_archived(store, found.id, not args.undo)
    key = "cli.archive.restored" if args.undo else "cli.archive.archived"
    print(_say(key, id=found.id, name=repr(found.name)))
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
        print(history.drop(columns=["sha256"]).fillna("").to_string(index=False))
    return EXIT_OK


def cmd_remove_upload(store: Store, args: argparse.Namespace) -> int:
    from experiments import ingest

    print(ingest.remove_upload(store, args.upload_id))
    return EXIT_OK


def _stderr_progress(fraction: float, text: str) -> None:
    print(f"[{fraction:4.0%}] {text}", file=sys.stderr, flush=True)


def _parse_allocation(items: Sequence[str] | None) -> dict[str, float] | None:
    """['control=1', 'gift=2'] -> {'control': 1.0, 'gift': 2.0}; None when not given."""
    if not items:
        return None
    plan: dict[str, float] = {}
    for item in items:
        arm, sep, weight = item.rpartition("=")
        try:
            plan[arm] = float(weight)
        except ValueError:
            raise CommandError(f"--allocation wants ARM=WEIGHT, got {item!r}") from None
        if not sep or not arm or plan[arm] < 0:
            raise CommandError(f"--allocation wants ARM=WEIGHT, got {item!r}")
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
        print(_say("cli.insufficient", note=result.note))
    if result.cap:
        print(_say("cli.money_effects", label=_estimand(True)))
    print(_srm_line(result.srm))
    for arm in result.arms:
        print(f"{arm.arm:>24}  n={arm.n}  " + "  ".join(f"{k}={v}" for k, v in arm.means.items()))
    for e in result.effects:
        if e.ok:
            print(
                f"{e.arm:>24} {e.metric:>14} {e.method:>6}  diff={e.diff:.6g}"
                f"  CI=[{e.ci_low:.6g}, {e.ci_high:.6g}]"
                f"  p={e.p_value:.3g}  p_adj={e.p_adjusted:.3g}"
            )
        else:
            print(f"{e.arm:>24} {e.metric:>14} {e.method:>6}  insufficient data: {e.note}")


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
    decisions = (
        decision.decide_file(official, metric, rule=rule, exploratory=exploratory) if metric else []
    )
    if args.json:
        document = result.as_json()
        document["decisions"] = [d.as_json() for d in decisions]  # each names its metric
        document["rule"] = rule.as_json()
        document["exploratory"] = exploratory
        _print_json(document)
    else:
        _print_file_analysis(result)
        for d in decisions:
            print(f"{d.label_in(_lang).upper():>16}  {d.statement}")
    return EXIT_OK


def _kind(kind: str) -> str:
    """An arm kind in this run's language (ru 'скидка'); English keeps the code."""
    return kind if _lang == "en" else _say(f"arm_kind.{kind}")


def _estimand(cap: bool, percentile: float | None = None) -> str:
    from experiments import report, stats

    if _lang == "en":
        return stats.money_estimand_label(cap, percentile or config.DEFAULT_CAP_PERCENTILE)
    return report.estimand_label(cap, percentile or config.DEFAULT_CAP_PERCENTILE, _lang)


def _srm_line(srm: object) -> str:
    """'SRM p-value: 0.43  (mismatch: False)'; in Russian with a decimal comma and да / нет."""
    p, mismatch = getattr(srm, "p_value", None), getattr(srm, "mismatch", None)
    if _lang == "en":
        return _say("cli.srm", p=p, mismatch=mismatch)
    shown = _fmt().significant(p) if isinstance(p, float) else p
    return _say("cli.srm", p=shown, mismatch=_say("cli.yes" if mismatch else "cli.no"))


def _g(value: float | None, digits: int = 4) -> str:
    """A diagnostic number: f'{value:.4g}' in English (as always), the decimal comma in
    Russian (Formatter.significant)."""
    if _lang == "en":
        return format(value, f".{digits}g")
    return _fmt().significant(value, digits)


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
    decisions = decision.decide(official, exploratory=bool(differences), currency=_money)
    pairs = decision.head_to_head(official, currency=_money)
    if args.json:  # the verdicts and the head to head as the Results page shows them
        document = analysis.as_json()
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
    lang = _lang
    if lang != "en":  # the verdicts, the head to head and the differences in the run's language
        decisions = decision.decide(
            official, exploratory=bool(differences), lang=lang, currency=_money
        )
        pairs = decision.head_to_head(official, lang=lang, currency=_money)
        differences = decision.exploratory_differences(analysis.settings, official.settings, lang)
    horizon = analysis.horizon_days if lang == "en" else _fmt().count(analysis.horizon_days, "days")
    last = analysis.last_ts
    if lang != "en" and last:
        import datetime as dt

        last = _fmt().date_short(dt.date.fromisoformat(str(last)[:10]))
    print(_say("cli.analyze.header", name=found.name, horizon=horizon, last=last))
    print(_say("cli.analyze.status", status=report.status_word(analysis, lang)))
    print(report.money_basis(analysis, lang=lang))
    print(_say("cli.analyze.rule", rule=rule.describe(lang).rstrip(".")))
    if differences:
        days = (
            official.horizon_days if lang == "en" else _fmt().count(official.horizon_days, "days")
        )
        print(_say("cli.analyze.exploratory", differences="; ".join(differences), days=days))
    if analysis.settings.cap:
        print(_say("cli.money_effects", label=_estimand(True, analysis.settings.cap_percentile)))
    for d in decisions:
        print(f"{d.label_in(lang).upper():>16}  {d.statement}")
    for m in pairs:
        print(f"{'':>16}  {m.sentence}")
    print(_srm_line(analysis.srm))
    for arm in analysis.arms:
        means = "  ".join(f"{k}={_g(v)}" for k, v in arm.means.items() if v is not None)
        print(_say("cli.arm_line", arm=arm.arm, n=arm.n, observed=arm.n_observed, means=means))
    for e in analysis.effects:
        names = {"arm": e.arm, "metric": e.metric, "method": e.method}
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
            print(_say("cli.effect_missing", **names, note=e.note))
    for w in analysis.warnings:
        print(_say("cli.warning", kind=w.kind, message=w.text(_lang)))
    return EXIT_OK


def cmd_assignments(store: Store, args: argparse.Namespace) -> int:
    """Export an experiment's customer -> arm list (the same file as the Design page's download)."""
    from pathlib import Path

    from experiments import design
    from experiments.store import design_sql

    found = _experiment(store, args.experiment)
    with store.cursor() as cur:
        frame = design_sql.assignment_list(cur, found.id)
    if frame.empty:
        raise CommandError(_say("cli.assignments.none", name=repr(found.name), status=found.status))
    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        data = design.assignments_xlsx(frame)
    elif suffix == ".csv":
        data = design.assignments_csv(frame, sep=args.sep)
    else:
        raise CommandError(_say("cli.assignments.out", name=repr(out.name)))
    out.write_bytes(data)
    customers = (
        f"{len(frame)} customers" if _lang == "en" else _fmt().count(len(frame), "customers")
    )
    print(_say("cli.assignments.written", customers=customers, name=repr(found.name), path=out))
    return EXIT_OK


def cmd_clv(store: Store, args: argparse.Namespace) -> int:
    """Fit BG/NBD + Gamma-Gamma on the store (calibration to --until), or project an experiment."""
    import datetime as dt

    from experiments import clv

    try:
        until = dt.date.fromisoformat(args.until) if args.until else None
    except ValueError:
        raise CommandError(f"--until {args.until!r} is not a date (YYYY-MM-DD)") from None
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
                print(projection.basis)

                def money(value: float | None) -> str:
                    return "n/a" if value is None else f"{value:,.2f}"

                for arm in projection.arms:
                    print(
                        f"{arm.name:>20} ({arm.kind}) n={arm.customers}"
                        f"  observed margin/customer={money(arm.observed_margin)}"
                        f"  projected {projection.months}-month CLV={money(arm.projected_clv)}"
                        f"  vs control={money(arm.difference)}"
                        f" [{money(arm.ci_lower)}, {money(arm.ci_upper)}]  {arm.message}"
                    )
                    if arm.check is not None and arm.check.predicted_difference is not None:
                        print(
                            f"{'':>20}   check on the last {arm.check.holdout_days} days: "
                            f"predicted vs control={money(arm.check.predicted_difference)}"
                            f"  actual={money(arm.check.actual_difference)}"
                            f" [{money(arm.check.ci_lower)}, {money(arm.check.ci_upper)}]"
                            f"  {'passed' if arm.check.passed else 'failed'}"
                        )
                if projection.check_rule:
                    print(projection.check_rule)
            if projection.status != "ok":
                raise CommandError(projection.message)
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
        for key in ("until", "time_unit", "customers", "repeat_customers", "converged"):
            print(f"{key:>18}: {document[key]}")
        for key in ("bgnbd", "gamma_gamma", "clv"):
            print(f"{key:>18}: {document[key]}")
    if not fitted.model.converged:
        raise CommandError(fitted.model.message)
    return EXIT_OK


def cmd_report(store: Store, args: argparse.Namespace) -> int:
    """Write the self-contained HTML report (the Results page's download) for an experiment."""
    from pathlib import Path

    from experiments import decision, metrics, report

    found = _experiment(store, args.experiment)
    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise CommandError(_say("cli.report.out", name=repr(out.name)))
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
        if args.lang != "en":  # the same differences, in the report's language
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
        horizon = _say(
            "cli.report.horizon", days=days if _lang == "en" else _fmt().count(days, "days")
        )
    try:
        out.write_text(page, encoding="utf-8")
    except OSError as error:
        raise CommandError(_say("cli.cannot_write", path=out, reason=error.strerror)) from None
    print(_say("cli.report.written", name=repr(found.name), horizon=horizon, path=out))
    return EXIT_OK


def cmd_settings(store: Store, args: argparse.Namespace) -> int:
    """Show the store's settings, or set them (the Data page's "Store settings")."""
    from experiments.store import settings

    changes: dict[str, object | None] = {}
    if args.margin_rate is not None:
        changes["margin_rate"] = args.margin_rate
    if args.reset_margin_rate:
        if args.margin_rate is not None:
            raise CommandError("give either --margin-rate or --reset-margin-rate, not both")
        changes["margin_rate"] = None
    if args.currency is not None:
        changes["currency"] = args.currency
    if args.reset_currency:
        if args.currency is not None:
            raise CommandError("give either --currency or --reset-currency, not both")
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
    for key, entry in document.items():
        value = entry["value"]  # type: ignore[index]
        shown = f"{value:.4g} ({value:.1%})" if isinstance(value, float) else str(value)
        where = "store setting" if entry["source"] == "store" else "default"  # type: ignore[index]
        print(f"{settings.SETTINGS[key].label}: {shown} [{where}]")
    return EXIT_OK


# -- parser --------------------------------------------------------------------------------------
Handler = Callable[["Store", argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m experiments",
        description="Loyalty Lab: loyalty experiments on your own transactions, in money.",
    )
    parser.add_argument(
        "--db",
        help=f"store file (default: ${config.DB_ENV_VAR} or {config.DEFAULT_DB_PATH})",
    )
    _add_source_option(parser)
    parser.add_argument("--lang", choices=LANGUAGES, default=None, help=LANG_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="replace the store's contents with the seeded demo data set")
    p.add_argument("--customers", type=int, default=config.DEMO_CUSTOMERS)
    p.add_argument("--seed", type=int, default=config.DEMO_SEED)
    p.add_argument(
        "--yes", action="store_true", help="replace a store that holds your own data too"
    )
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("load", help="load a transactions, customers or campaign results file")
    p.add_argument("kind", choices=["transactions", "customers", "results"])
    p.add_argument("file")
    p.add_argument(
        "--map",
        action="append",
        metavar="SOURCE=FIELD",
        help="map a column of the file to a field (repeatable), e.g. --map Клиент=customer_id",
    )
    p.add_argument(
        "--experiment",
        metavar="NAME_OR_ID",
        help="campaign results: the experiment to attach to (id or name; a new name creates it)",
    )
    p.add_argument(
        "--load-valid-rows",
        action="store_true",
        help="load the valid rows of a file with row errors and set the others aside",
    )
    p.add_argument(
        "--set-aside",
        metavar="FILE.csv",
        help="write the rows not loaded (no customer, totals rows, errors) to this file",
    )
    p.set_defaults(handler=cmd_load)

    p = sub.add_parser("register", help="register a customer -> arm list randomized elsewhere")
    p.add_argument("file", help="CSV (any delimiter, UTF-8 or Windows-1251), XLSX or Parquet")
    p.add_argument("--name", required=True, help="experiment name")
    p.add_argument("--sent-on", required=True, metavar="YYYY-MM-DD", help="day the list was sent")
    p.add_argument(
        "--map",
        action="append",
        metavar="SRC=FIELD",
        help="map a column to customer_id, arm, arm_kind, code or a cost field (repeatable)",
    )
    p.add_argument(
        "--arm-kind",
        action="append",
        metavar="ARM=discount|gift|outreach|custom",
        help="what the arm got (repeatable); default: the file's arm_kind column, else custom",
    )
    p.add_argument(
        "--cost",
        action="append",
        metavar="ARM=RUB",
        help="fixed cost per customer of a gift, outreach (per contact) or custom arm",
    )
    p.add_argument("--discount", action="append", metavar="ARM=PERCENT", help="percent off")
    p.add_argument("--control", metavar="ARM", help="the control arm (default: detected)")
    p.add_argument("--metric", choices=["repeat_purchase", "net_value"], default="repeat_purchase")
    p.add_argument("--horizon", type=int, default=config.DEFAULT_HORIZON_DAYS, metavar="DAYS")
    p.add_argument("--hypothesis")
    p.set_defaults(handler=cmd_register)

    p = sub.add_parser("delete", help="delete an experiment with its assignments and results")
    p.add_argument("experiment", metavar="EXPERIMENT", help="experiment id or name")
    p.add_argument("--yes", action="store_true", help="confirm: the deletion cannot be undone")
    p.set_defaults(handler=cmd_delete)

    p = sub.add_parser("archive", help="archive an experiment (kept, out of the way)")
    p.add_argument("experiment", metavar="EXPERIMENT", help="experiment id or name")
    p.add_argument("--undo", action="store_true", help="bring it back from the archive")
    p.set_defaults(handler=cmd_archive)

    p = sub.add_parser("stats", help="what is in the store")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_stats)

    p = sub.add_parser("list", help="list experiments")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("uploads", help="upload history")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_uploads)

    p = sub.add_parser("remove-upload", help="remove an upload's rows and its audit entry")
    p.add_argument("upload_id", type=int)
    p.set_defaults(handler=cmd_remove_upload)

    p = sub.add_parser("analyze-file", help="effects from a results file (arm column + metrics)")
    p.add_argument("file", help=".csv, .parquet or .xlsx, one row per customer")
    p.add_argument("--arm", required=True, metavar="COLUMN", help="column with the arm label")
    p.add_argument("--control", required=True, metavar="LABEL", help="label of the control arm")
    p.add_argument(
        "--metric",
        required=True,
        action="append",
        metavar="COLUMN[:binary|:money]",
        help="metric column (repeatable); kind guessed when omitted: only 0/1 -> binary",
    )
    p.add_argument("--covariate", metavar="COLUMN", help="pre-period column for CUPED")
    p.add_argument("--correction", choices=config.CORRECTIONS, default=config.DEFAULT_CORRECTION)
    _add_cap_options(p)
    p.add_argument(
        "--allocation",
        action="append",
        metavar="ARM=WEIGHT",
        help="planned split for the SRM test (repeatable); default: equal across arms",
    )
    p.add_argument("--alpha", type=float, default=config.ALPHA)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_analyze_file, needs_store=False)

    p = sub.add_parser("analyze", help="effects of an experiment from the store")
    _add_analysis_options(p)
    _add_source_option(p, argparse.SUPPRESS)  # after the command too
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_analyze)

    p = sub.add_parser("assignments", help="export an experiment's customer -> arm list")
    p.add_argument("experiment", metavar="EXPERIMENT", help=EXPERIMENT_HELP)
    p.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="FILE.csv or FILE.xlsx (the page names it <experiment>-assignments.csv)",
    )
    p.add_argument("--sep", choices=[",", ";"], default=",", help="CSV separator")
    p.set_defaults(handler=cmd_assignments)

    p = sub.add_parser("clv", help="BG/NBD + Gamma-Gamma CLV of the store, or of an experiment")
    p.add_argument("--until", metavar="DATE", help="calibration cutoff (default: last day)")
    p.add_argument("--months", type=int, default=12, help="CLV horizon in months")
    p.add_argument("--experiment", help="project per-arm CLV of this experiment (id or name)")
    _add_source_option(p, argparse.SUPPRESS)
    p.add_argument(
        "--bootstrap",
        type=int,
        default=config.CLV_BOOTSTRAP_REPLICATES,
        help="replicates for the arm CIs (default: the Results page's)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_clv)

    p = sub.add_parser("report", help="write the self-contained HTML report of an experiment")
    _add_analysis_options(p)
    _add_source_option(p, argparse.SUPPRESS)  # after the command too
    p.add_argument("--out", required=True, metavar="FILE.html")
    p.add_argument(
        "--currency",
        type=_currency,
        default=None,
        metavar="CODE",
        help="ISO 4217 code of the money (default: the store's currency setting, else "
        f"{config.CURRENCY})",
    )
    p.add_argument(
        "--base-url",
        metavar="URL",
        help="where colleagues open the app, for the report's live-view link (default: "
        "[share] base_url in .streamlit/secrets.toml, else $LOYALTY_LAB_BASE_URL)",
    )
    p.set_defaults(handler=cmd_report)

    p = sub.add_parser("settings", help="show or set the store's settings (margin rate, currency)")
    p.add_argument(
        "--margin-rate",
        metavar="RATE",
        help="gross margin share of the pre-discount price for transactions without a margin "
        f"column, 0 < RATE < 1 (0.35, 0,35 or 35%%); default {config.DEFAULT_MARGIN_RATE:g}",
    )
    p.add_argument(
        "--reset-margin-rate", action="store_true", help="back to the default margin rate"
    )
    p.add_argument(
        "--currency",
        metavar="CODE",
        help=f"ISO 4217 code of the store's money (RUB, EUR, USD, KZT); default {config.CURRENCY}",
    )
    p.add_argument("--reset-currency", action="store_true", help="back to the default currency")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_settings)

    # more-commands: assignments, analyze, analyze-file, clv, report are added above this line.
    for command in sub.choices.values():  # `analyze --lang ru` as well as `--lang ru analyze`
        command.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS, help=LANG_HELP)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # --help ends here, before pandas, scipy or DuckDB load
    from experiments.sources import SourceError

    global _lang, _money
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
        print(_say("cli.error", message=error), file=sys.stderr)
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
