"""`agent-eval export`: a run's results as CSV, JSON Lines or Parquet (one row per scenario × epoch)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

FORMATS = ("csv", "jsonl", "parquet")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("export", help="export a run's results (columns: see agent_eval.load_results)")
    parser.add_argument("run_id", metavar="RUN_ID")
    parser.add_argument("--format", choices=FORMATS, default="csv")
    parser.add_argument("-o", "--output", type=Path, help="file to write (default stdout; parquet needs one)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from agent_eval.cli.main import UsageError
    from agent_eval.store.frames import results_frame

    if args.format == "parquet" and args.output is None:
        raise UsageError("--format parquet writes a binary file: give it with -o FILE")
    try:
        frame = results_frame(args.run_id)
    except LookupError as exc:
        raise UsageError(f"{exc.args[0]} (see `agent-eval runs`)") from exc
    target = args.output if args.output is not None else sys.stdout
    if args.format == "csv":
        frame.to_csv(target, index=False)
    elif args.format == "jsonl":
        frame.to_json(target, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_parquet(args.output, index=False)
    if args.output is not None:
        print(f"{len(frame)} rows → {args.output}", file=sys.stderr)
    return 0
