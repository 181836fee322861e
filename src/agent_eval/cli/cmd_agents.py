"""`agent-eval agents`: list the roster's agents with their model, examples and lint findings."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent_eval.agents.model import Agent, Diagnostic


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("agents", help="list the agents found in agents/ (or .claude/agents/)")
    parser.add_argument("--json", action="store_true", help="print a JSON list on stdout")
    parser.add_argument("--agents-dir", metavar="DIR", help="folder of agent files (default: agents/)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from agent_eval.agents.lint import lint_sources
    from agent_eval.agents.roster import load_roster
    from agent_eval.paths import agents_dir, display_path

    roster = load_roster(agents_dir(override=args.agents_dir))
    findings = lint_sources(roster.sources)
    for diagnostic in roster.diagnostics:
        if diagnostic.level == "error":
            print(diagnostic.render(), file=sys.stderr)
    per_file: dict[str, list[Diagnostic]] = {}
    for finding in findings:
        per_file.setdefault(finding.file, []).append(finding)
    rows = [(agent, display_path(agent.path)) for agent in roster.agents]
    if args.json:
        print(json.dumps([_as_json(agent, file, per_file.get(file, [])) for agent, file in rows], indent=2))
    else:
        _print_table(
            [
                (a.name, file, a.model or "-", str(len(a.examples)), str(len(per_file.get(file, []))))
                for a, file in rows
            ]
        )
    if not rows:
        print(f"agent-eval agents: no agent parsed in {display_path(roster.directory)}", file=sys.stderr)
        return 1
    return 0


def _as_json(agent: Agent, file: str, findings: list[Diagnostic]) -> dict[str, object]:
    return {
        "name": agent.name,
        "file": file,
        "model": agent.model,
        "color": agent.color,
        "tools": list(agent.tools) if agent.tools is not None else None,
        "strict_yaml": agent.strict_yaml,
        "examples": [
            {
                "index": example.index,
                "line": example.line,
                "context": example.context,
                "user": "\n\n".join(example.user_turns),
                "assistant": "\n\n".join(example.assistant_turns),
                "user_turns": list(example.user_turns),
                "assistant_turns": list(example.assistant_turns),
                "commentary": example.commentary,
                "target": example.target,
                "proactive": example.proactive,
            }
            for example in agent.examples
        ],
        "warnings": [
            {"line": f.line, "level": f.level, "code": f.code, "message": f.message} for f in findings
        ],
    }


def _print_table(rows: list[tuple[str, str, str, str, str]]) -> None:
    header = ("NAME", "FILE", "MODEL", "EXAMPLES", "WARNINGS")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
