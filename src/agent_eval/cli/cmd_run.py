"""`agent-eval run`: run an agent's suites against a model, store every result, write the report."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent_eval.run.options import RunResult

EXIT_BY_STATUS = {"finished": 0, "interrupted": 3, "budget": 3, "incomplete": 3}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("run", help="run the routing and standards suites of an agent")
    parser.add_argument("--agent", required=True, help="agent name (frontmatter `name`)")
    parser.add_argument(
        "--suite", default="all", help="a suite (routing, standards, …) or all of them (default: all)"
    )
    parser.add_argument(
        "--model",
        help="anthropic:ID|ALIAS (or a bare id/alias), openai:MODEL[@URL], "
        "local (offline lexical router), replay:RUN_ID",
    )
    parser.add_argument("--judge-model", help="model of the judge (same forms as --model)")
    parser.add_argument(
        "--harness",
        default="builtin",
        help="how routing requests are made: builtin (our own Claude-Code-shaped request, the default), "
        "captured (your Claude Code's request, from `agent-eval capture`), claude-code (the real CLI; "
        "extra agent-eval[claude-code])",
    )
    parser.add_argument("--claude-bin", metavar="PATH", help="an installed Claude Code for those harnesses")
    parser.add_argument(
        "--with-user-settings",
        action="store_true",
        help="let your own Claude Code settings, CLAUDE.md and MCP servers into the claude-code sessions",
    )
    parser.add_argument("--epochs", type=int, help="times each scenario runs")
    parser.add_argument("--concurrency", type=int, help="most calls in flight (adapts down on 429)")
    parser.add_argument("--limit", type=int, help="run only the first N scenarios of each suite")
    parser.add_argument(
        "--batch", action="store_true", help="send through the Message Batches API (half price)"
    )
    parser.add_argument("--resume", metavar="RUN_ID", help="finish a stored run: only what is missing runs")
    parser.add_argument("--no-cache", action="store_true", help="ignore the response cache")
    parser.add_argument("--max-cost", type=float, metavar="USD", help="stop cleanly before spending more")
    parser.add_argument(
        "--call-timeout",
        type=float,
        metavar="SECONDS",
        help="time each API call may take, retries of 429/529/5xx/dropped connections included (default 600)",
    )
    parser.add_argument(
        "--agents-dir", type=Path, help="folder of agent files (default agents/ or .claude/agents/)"
    )
    parser.add_argument(
        "--thinking",
        choices=("adaptive", "disabled"),  # harness.routing.Thinking, not imported: `--help` stays fast
        default="adaptive",
        help="routing requests' thinking, adaptive as Claude Code sets it (default) or disabled",
    )
    parser.add_argument(
        "--effort",
        choices=("low", "medium", "high", "xhigh", "max"),  # harness.routing.Effort
        default="medium",
        help="routing requests' effort level (default medium, as Claude Code sets it)",
    )
    parser.add_argument("--no-report", action="store_true", help="skip writing the HTML report")
    parser.add_argument("--json", action="store_true", help="print the run as one JSON object on stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from agent_eval.cli.main import UsageError, use_project_checks
    from agent_eval.run.evaluate import run_eval
    from agent_eval.run.options import RunError, RunOptions
    from agent_eval.suites import suite_names

    for flag in ("epochs", "concurrency", "limit"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise UsageError(f"--{flag} must be at least 1, got {value}")
    for flag in ("max_cost", "call_timeout"):
        value = getattr(args, flag)
        if value is not None and value <= 0:
            raise UsageError(f"--{flag.replace('_', '-')} must be positive, got {value}")
    options = RunOptions(
        agent=args.agent,
        suites=suite_names() if args.suite == "all" else (args.suite,),
        model=args.model,
        judge_model=args.judge_model,
        harness=args.harness,
        claude_bin=args.claude_bin,
        with_user_settings=args.with_user_settings,
        epochs=args.epochs,
        concurrency=args.concurrency,
        limit=args.limit,
        batch=args.batch,
        resume=args.resume,
        use_cache=not args.no_cache,
        max_cost=args.max_cost,
        agents_dir=args.agents_dir,
        progress=True,
        report=not args.no_report,
        thinking=args.thinking,
        effort=args.effort,
        call_timeout=args.call_timeout,
    )
    use_project_checks(options.root)
    try:
        result = run_eval(options)
    except RunError as exc:
        raise UsageError(str(exc)) from exc
    # Imported after the run: the summary's statistics (numpy) are not needed before the first call.
    from agent_eval.run.run_json import run_json

    summary = run_json(result)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print_summary(result, summary)
    return EXIT_BY_STATUS.get(result.run.status, 3)


def print_failures(run_id: str) -> None:
    """The run's failed calls grouped by cause, on stderr."""
    from agent_eval.paths import home_dir
    from agent_eval.store.db import Store
    from agent_eval.store.model import failure_lines

    with Store(home_dir(), readonly=True) as store:
        for line in failure_lines(store.call_failures(run_id)):
            print(f"    {line}", file=sys.stderr)


def print_summary(result: RunResult, summary: dict[str, Any]) -> None:
    """The run's figures for a reader, from the same object `--json` prints."""
    run = result.run
    banner = " [OFFLINE: lexical baseline, not a model]" if run.offline else ""
    print(f"run {run.run_id}: {run.agent} on {run.model}{banner} — {run.status}")
    routing = summary["summary"].get("routing")
    if routing:
        low, high = routing["ci95"]
        print(
            f"  routing   {routing['correct']}/{routing['n']} correct = {routing['accuracy']:.1%} "
            f"(95% CI {low:.1%}–{high:.1%})"
        )
    standards = summary["summary"].get("standards")
    if standards:
        low, high = standards["ci95"]
        print(
            f"  standards {standards['pass_rate']:.1%} of {standards['n']} passed their scenario's checks "
            f"(95% CI {low:.1%}–{high:.1%})"
        )
        for check, counts in standards["checks"].items():
            print(
                f"    {check:<22} pass {counts['pass']:>3}  fail {counts['fail']:>3}  n/a {counts['n/a']:>3}"
            )
    usage = summary["usage"]
    if run.offline:
        print(f"  {len(summary['results'])} results from the offline baseline, no model called")
    else:
        print(
            f"  {usage['calls']} API calls, ${usage['cost_usd']:.4f}, "
            f"{usage['input_tokens']} in / {usage['output_tokens']} out tokens, "
            f"{usage['cache_read_input_tokens']} read from prompt cache"
        )
    if result.errored:
        print(
            f"  {result.errored} answers could not be graded (stored with the error): after fixing the "
            f"grader, `agent-eval run --agent {run.agent} --resume {run.run_id}` grades them again",
            file=sys.stderr,
        )
    if result.failed_calls:
        print(
            f"  {result.failed_calls} calls failed after retries: "
            f"`agent-eval run --agent {run.agent} --resume {run.run_id}` runs what is missing",
            file=sys.stderr,
        )
        print_failures(run.run_id)
    elif run.status in ("interrupted", "budget"):
        print(
            f"  stopped ({run.status}): `agent-eval run --agent {run.agent} --resume {run.run_id}` "
            "finishes it",
            file=sys.stderr,
        )
    if result.report:
        print(f"  report: {result.report}")
