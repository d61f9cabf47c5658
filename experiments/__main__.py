"""Command line: python -m experiments [--db PATH] COMMAND ... (same code paths as the app)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from experiments import config
from experiments.store import Store, StoreError, open_store
from experiments.store import overview

EXIT_OK = 0
EXIT_USAGE = 2  # bad input, locked store, refused operation: message on stderr, store untouched


class CommandError(Exception):
    """Refusal with a message for the user; the command exits 2."""


def _print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


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
        print(history.drop(columns=["sha256"]).to_string(index=False))
    return EXIT_OK


def cmd_remove_upload(store: Store, args: argparse.Namespace) -> int:
    from experiments import ingest

    print(ingest.remove_upload(store, args.upload_id))
    return EXIT_OK


def _stderr_progress(fraction: float, text: str) -> None:
    print(f"[{fraction:4.0%}] {text}", file=sys.stderr, flush=True)


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

    # more-commands: assignments, analyze, analyze-file, clv, report are added above this line.
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        store = open_store(args.db)
        handler: Handler = args.handler
        return handler(store, args)
    except (StoreError, CommandError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted: nothing was written by the unfinished step", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
