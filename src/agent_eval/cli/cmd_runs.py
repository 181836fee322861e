"""`agent-eval runs`: list the stored runs, newest first."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("runs", help="list stored runs, newest first")
    parser.add_argument("--agent", help="only the runs of this agent")
    parser.add_argument("--json", action="store_true", help="print a JSON list on stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from agent_eval.paths import home_dir
    from agent_eval.store.db import DB_FILE, Store
    from agent_eval.store.model import RunInfo

    runs: list[RunInfo] = []
    if (home_dir() / DB_FILE).exists():  # no database yet is no runs yet, not an error
        with Store(home_dir(), readonly=True) as store:
            runs = store.list_runs(agent=args.agent)
    rows = [
        {
            "run_id": r.run_id,
            "agent": r.agent,
            "model": r.model,
            "started_at": r.started_at,
            "finished": r.finished,
            "offline": r.offline,
            "status": r.status,
            "dataset_hash": r.dataset_hash,
        }
        for r in runs
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("no stored runs")
    for row in rows:
        flags = " offline" if row["offline"] else ""
        print(f"{row['run_id']}  {row['agent']}  {row['model']}  {row['started_at']}  {row['status']}{flags}")
    return 0
