"""`agent-eval report`: (re)write the self-contained HTML report of a stored run."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("report", help="(re)write the HTML report of a stored run")
    parser.add_argument("run_id", metavar="RUN_ID")
    parser.add_argument("-o", "--output", type=Path, help="where to write it (default reports/RUN_ID.html)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from agent_eval.cli.main import UsageError
    from agent_eval.paths import home_dir, reports_dir
    from agent_eval.report.html import write_report
    from agent_eval.store.db import Store

    path: Path = args.output or reports_dir() / f"{args.run_id}.html"
    with Store(home_dir(), readonly=True) as store:
        if store.get_run(args.run_id) is None:
            raise UsageError(f"unknown run {args.run_id!r} in {store.path} (see `agent-eval runs`)")
        written = write_report(store, args.run_id, path)
    print(written)
    return 0
