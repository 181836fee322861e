"""`agent-eval lint`: check agent files; `file:line: level: message` lines, exit 1 when any is an error."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("lint", help="check agent files (default: agents/)")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="agent files or folders")
    parser.add_argument("--json", action="store_true", help="print a JSON list of findings on stdout")
    parser.add_argument("--agents-dir", metavar="DIR", help="folder linted when no PATH is given")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from agent_eval.agents.lint import lint_paths
    from agent_eval.author.collisions import near_duplicate_warnings
    from agent_eval.paths import agents_dir

    paths = [Path(p) for p in args.paths] or [agents_dir(override=args.agents_dir)]
    findings = lint_paths(paths, roster_checks=[near_duplicate_warnings])
    if args.json:
        print(json.dumps([finding.model_dump() for finding in findings], indent=2))
    else:
        for finding in findings:
            print(finding.render())
    return 1 if any(finding.level == "error" for finding in findings) else 0
