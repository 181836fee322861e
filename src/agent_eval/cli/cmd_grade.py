"""`agent-eval grade`: grade saved responses (markdown) with the rule-based checks, no model call."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent_eval.graders.model import Verdict


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("grade", help="grade saved responses with the rule-based checks (no model call)")
    parser.add_argument(
        "--agent", required=True, metavar="NAME", help="agent whose eval config picks the checks"
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="markdown responses to grade")
    parser.add_argument(
        "--checks",
        metavar="IDS",
        help="comma-separated check ids (default: every built-in and project check, or evals/AGENT.yaml's)",
    )
    parser.add_argument(
        "--json", action="store_true", help='print [{"file", "checks": {id: status}}] on stdout'
    )
    parser.add_argument(
        "--execute",
        action="store_true",
        help="also apply each answer's SQL to a real PostgreSQL and probe RLS (extra agent-eval[agentic])",
    )
    parser.add_argument(
        "--postgres-url", metavar="URL", help="with --execute: an existing server instead of the embedded one"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from agent_eval.cli.main import UsageError, use_project_checks
    from agent_eval.config import EvalConfigError
    from agent_eval.graders.grade import UnknownCheckError, checks_for_agent, grade_response

    use_project_checks(Path.cwd())
    requested = [c.strip() for c in args.checks.split(",") if c.strip()] if args.checks else None
    try:
        check_ids = checks_for_agent(args.agent, requested)
    except (UnknownCheckError, EvalConfigError) as exc:
        raise UsageError(str(exc)) from exc
    texts = {path: _read(Path(path)) for path in args.files}
    graded = {path: grade_response(text, check_ids) for path, text in texts.items()}
    executed = _execute(texts, args.postgres_url) if args.execute else {}
    if args.json:
        entries = [_as_json(path, verdicts) for path, verdicts in graded.items()]
        for entry in entries:
            if entry["file"] in executed:
                entry["executed"] = {check: v.status for check, v in executed[entry["file"]].items()}
        print(json.dumps(entries, indent=2))
    else:
        for path, verdicts in graded.items():
            print(_render(path, {**verdicts, **executed.get(path, {})}))
    return 0


def _execute(texts: dict[str, str], postgres_url: str | None) -> dict[str, dict[str, Verdict]]:
    from agent_eval.cli.main import UsageError
    from agent_eval.executors import ExecutorUnavailable
    from agent_eval.executors.answers import execute_answers
    from agent_eval.executors.session import postgres_for_run

    try:
        with postgres_for_run(postgres_url) as server:
            return execute_answers(server, texts)
    except ExecutorUnavailable as exc:
        raise UsageError(str(exc)) from exc


def _read(path: Path) -> str:
    from agent_eval.cli.main import UsageError

    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read as UTF-8 text ({exc})") from exc


def _as_json(path: str, verdicts: dict[str, Verdict]) -> dict[str, Any]:
    return {
        "file": path,
        "checks": {check: verdict.status for check, verdict in verdicts.items()},
        "reasons": {check: verdict.reason for check, verdict in verdicts.items()},
        "evidence": {
            check: [evidence.model_dump() for evidence in verdict.evidence]
            for check, verdict in verdicts.items()
        },
    }


def _render(path: str, verdicts: dict[str, Verdict]) -> str:
    width = max(len(check) for check in verdicts) if verdicts else 0
    lines = [path]
    for check, verdict in verdicts.items():
        lines.append(f"  {verdict.status:<4}  {check:<{width}}  {verdict.reason}")
        for evidence in verdict.evidence:
            note = f"  ({evidence.note})" if evidence.note else ""
            lines.append(f"        {path}:{evidence.line}: {evidence.text}{note}")
    counts = {
        status: sum(v.status == status for v in verdicts.values()) for status in ("pass", "fail", "n/a")
    }
    lines.append("  " + ", ".join(f"{n} {status}" for status, n in counts.items()))
    return "\n".join(lines) + "\n"
