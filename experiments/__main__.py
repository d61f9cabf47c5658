"""Command line: python -m experiments [--db PATH] COMMAND ... (same code paths as the app)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence

from experiments import analysis_file, config, decision, metrics
from experiments.store import Store, StoreError, open_store, overview

EXIT_OK = 0
EXIT_USAGE = 2  # bad input, locked store, refused operation: message on stderr, store untouched


class CommandError(Exception):
    """Refusal with a message for the user; the command exits 2."""


def _print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _experiment(store: Store, key: str) -> dict[str, object]:
    """An experiment by id or name, as `list --json` shows them; CommandError if unknown."""
    with store.cursor() as cur:
        found = overview.find_experiment(cur, key)
    if found is None:
        raise CommandError(
            f"no experiment with id or name {key!r}; `python -m experiments list` shows them"
        )
    return found


def _analysis_settings(args: argparse.Namespace) -> metrics.AnalysisSettings:
    return metrics.AnalysisSettings(
        horizon_days=args.horizon,
        cap=not args.no_cap,
        use_covariate=not args.no_covariate,
        correction=args.correction,
    )


def _add_analysis_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", metavar="EXPERIMENT", help="experiment id or name")
    p.add_argument("--horizon", type=int, metavar="DAYS", help="default: the experiment's")
    p.add_argument("--no-cap", action="store_true", help="do not cap money metrics")
    p.add_argument("--no-covariate", action="store_true", help="no CUPED rows")
    p.add_argument(
        "--correction", choices=["holm", "bh", "none"], default=config.DEFAULT_CORRECTION
    )


# -- commands ------------------------------------------------------------------------------------
def cmd_demo(store: Store, args: argparse.Namespace) -> int:
    from experiments import demo

    summary = demo.seed_demo(
        store, customers=args.customers, seed=args.seed, replace=True, progress=_stderr_progress
    )
    print(summary)
    return EXIT_OK


def cmd_stats(store: Store, args: argparse.Namespace) -> int:
    with store.cursor() as cur:
        stats = overview.store_stats(cur)
    if args.json:
        _print_json(stats.as_json())
    else:
        for key, value in stats.as_json().items():
            print(f"{key:>22}: {value}")
    return EXIT_OK


def cmd_list(store: Store, args: argparse.Namespace) -> int:
    with store.cursor() as cur:
        experiments = overview.list_experiments(cur)
    if args.json:
        _print_json(experiments)
    else:
        if not experiments:
            print("No experiments yet.")
        for e in experiments:
            arms = ", ".join(f"{a['name']} ({a['kind']}, {a['allocation']:g})" for a in e["arms"])  # type: ignore[attr-defined]
            print(f"{e['id']:>4}  {e['name']}  [{e['status']}]  {e['customers']} customers: {arms}")
    return EXIT_OK


def cmd_load(store: Store, args: argparse.Namespace) -> int:
    from experiments import ingest

    mapping = ingest.parse_mapping(args.map or [])
    result = ingest.load_file(
        store,
        kind=args.kind,
        path=args.file,
        mapping=mapping,
        experiment=args.experiment,
        progress=_stderr_progress,
    )
    if not result.ok:
        raise CommandError(result.summary())
    print(result.summary())
    return EXIT_OK


def cmd_uploads(store: Store, args: argparse.Namespace) -> int:
    with store.cursor() as cur:
        history = overview.upload_history(cur)
    if args.json:
        _print_json(history.to_dict(orient="records"))
    elif history.empty:
        print("No uploads yet.")
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
    result = analysis_file.analyze_frame(
        args.file,
        args.arm,
        args.control,
        [analysis_file.parse_metric(m) for m in args.metric],
        covariate=args.covariate,
        correction=args.correction,
        cap=not args.no_cap,
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
        print(f"insufficient data: {result.note}")
    print(f"SRM p-value: {result.srm.p_value}  (mismatch: {result.srm.mismatch})")
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
    store: Store, experiment_id: int, args: argparse.Namespace
) -> analysis_file.FileAnalysis:
    """An experiment loaded from a campaign result file: the file's fields are the metrics."""
    from experiments.store import results_sql

    with store.cursor() as cur:
        fields = results_sql.result_fields(cur, experiment_id)
    covariate = None if args.no_covariate else analysis_file.suggest_covariate(fields)
    return analysis_file.analyze_stored_results(
        store,
        experiment_id,
        covariate=covariate,
        correction=args.correction,
        cap=not args.no_cap,
    )


def _analyze_results_file(store: Store, experiment_id: int, args: argparse.Namespace) -> int:
    result = _stored_results_analysis(store, experiment_id, args)
    if args.json:
        _print_json(result.as_json())
    else:
        _print_file_analysis(result)
    return EXIT_OK


def cmd_analyze(store: Store, args: argparse.Namespace) -> int:
    """Analyse an experiment from the store (same code path as the Results page)."""
    found = _experiment(store, args.experiment)
    if found.get("source") == overview.RESULTS_FILE_SOURCE:
        return _analyze_results_file(store, int(found["id"]), args)  # type: ignore[call-overload]
    analysis = metrics.analyze_experiment(store, int(found["id"]), _analysis_settings(args))  # type: ignore[call-overload]
    decisions = decision.decide(analysis)
    pairs = decision.head_to_head(analysis)
    if args.json:  # the verdicts and the head to head as the Results page shows them
        document = analysis.as_json()
        document["decisions"] = [d.as_json() for d in decisions]
        document["head_to_head"] = [m.as_json() for m in pairs]
        _print_json(document)
        return EXIT_OK
    print(f"{found['name']}: {analysis.horizon_days}-day horizon, data to {analysis.last_ts}")
    for d in decisions:
        print(f"{d.verdict.upper():>16}  {d.statement}")
    for m in pairs:
        print(f"{'':>16}  {m.sentence}")
    print(f"SRM p-value: {analysis.srm.p_value}  (mismatch: {analysis.srm.mismatch})")
    for arm in analysis.arms:
        means = "  ".join(f"{k}={v:.4g}" for k, v in arm.means.items() if v is not None)
        print(f"{arm.arm:>16}  n={arm.n}  observed={arm.n_observed}  {means}")
    for e in analysis.effects:
        if e.ok:
            print(
                f"{e.arm:>16} {e.metric:>16} {e.method:>6}  diff={e.diff:.4g}"
                f"  CI=[{e.ci_low:.4g}, {e.ci_high:.4g}]  p_adj={e.p_adjusted:.3g}"
            )
        else:
            print(f"{e.arm:>16} {e.metric:>16} {e.method:>6}  insufficient data: {e.note}")
    for w in analysis.warnings:
        print(f"warning ({w.kind}): {w.message}")
    return EXIT_OK


def cmd_assignments(store: Store, args: argparse.Namespace) -> int:
    """Export an experiment's customer -> arm list (the same file as the Design page's download)."""
    from pathlib import Path

    from experiments import design
    from experiments.store import design_sql

    found = _experiment(store, args.experiment)
    with store.cursor() as cur:
        frame = design_sql.assignment_list(cur, int(found["id"]))  # type: ignore[call-overload]
    if frame.empty:
        raise CommandError(
            f"experiment {found['name']!r} has no assignments yet (status {found['status']}); "
            "start it first"
        )
    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        data = design.assignments_xlsx(frame)
    elif suffix == ".csv":
        data = design.assignments_csv(frame, sep=args.sep)
    else:
        raise CommandError(f"--out must end in .csv or .xlsx, not {out.name!r}")
    out.write_bytes(data)
    print(f"{len(frame)} customers of {found['name']!r} written to {out}")
    return EXIT_OK


def cmd_clv(store: Store, args: argparse.Namespace) -> int:
    """Fit BG/NBD + Gamma-Gamma on the store (calibration to --until), or project an experiment."""
    import datetime as dt

    from experiments import clv

    try:
        until = dt.date.fromisoformat(args.until) if args.until else None
    except ValueError:
        raise CommandError(f"--until {args.until!r} is not a date (YYYY-MM-DD)") from None
    with store.cursor() as cur:
        if args.experiment is not None:
            found = _experiment(store, args.experiment)
            projection = clv.project_arms(
                cur,
                int(found["id"]),  # type: ignore[call-overload]
                args.months,
                args.bootstrap,
                args.seed,
                until=until,
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
        fitted = clv.fit_store(cur, until=until, months=args.months)
    document = fitted.as_json()
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

    from experiments import report

    found = _experiment(store, args.experiment)
    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise CommandError(f"--out must name an .html file, not {out.name!r}")
    experiment_id = int(found["id"])  # type: ignore[call-overload]
    if found.get("source") == overview.RESULTS_FILE_SOURCE:
        file_result = _stored_results_analysis(store, experiment_id, args)
        page, horizon = report.html_file_report(found, file_result), "campaign result file"
    else:
        analysis = metrics.analyze_experiment(store, experiment_id, _analysis_settings(args))
        page, horizon = report.html_report(analysis), f"{analysis.horizon_days}-day horizon"
    try:
        out.write_text(page, encoding="utf-8")
    except OSError as error:
        raise CommandError(f"cannot write {out}: {error.strerror}") from None
    print(f"Wrote the report for {found['name']!r} ({horizon}) to {out}")
    return EXIT_OK


# -- parser --------------------------------------------------------------------------------------
Handler = Callable[[Store, argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m experiments",
        description="Loyalty Lab: loyalty experiments on your own transactions, in money.",
    )
    parser.add_argument(
        "--db",
        help=f"store file (default: ${config.DB_ENV_VAR} or {config.DEFAULT_DB_PATH})",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="replace the store's contents with the seeded demo data set")
    p.add_argument("--customers", type=int, default=config.DEMO_CUSTOMERS)
    p.add_argument("--seed", type=int, default=config.DEMO_SEED)
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
    p.add_argument("--experiment", help="experiment name (campaign results)")
    p.set_defaults(handler=cmd_load)

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
    p.add_argument(
        "--correction", choices=["holm", "bh", "none"], default=config.DEFAULT_CORRECTION
    )
    p.add_argument("--no-cap", action="store_true", help="do not cap money metrics")
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
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_analyze)

    p = sub.add_parser("assignments", help="export an experiment's customer -> arm list")
    p.add_argument("experiment", metavar="EXPERIMENT", help="experiment id or name")
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
    p.add_argument("--bootstrap", type=int, default=200, help="replicates for the arm CIs")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_clv)

    p = sub.add_parser("report", help="write the self-contained HTML report of an experiment")
    _add_analysis_options(p)
    p.add_argument("--out", required=True, metavar="FILE.html")
    p.set_defaults(handler=cmd_report)

    # more-commands: assignments, analyze, analyze-file, clv, report are added above this line.
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if not getattr(args, "needs_store", True):
            return int(args.handler(None, args))
        store = open_store(args.db)
        handler: Handler = args.handler
        return handler(store, args)
    except (StoreError, CommandError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silences the flush at exit
        return EXIT_OK
    except KeyboardInterrupt:
        print("interrupted: nothing was written by the unfinished step", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
