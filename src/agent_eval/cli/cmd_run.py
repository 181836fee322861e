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
STOPPING = ("interrupted", "budget", "failed")  # a multi-model run goes no further after these


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("run", help="run the routing and standards suites of an agent")
    parser.add_argument("--agent", required=True, help="agent name (frontmatter `name`)")
    parser.add_argument(
        "--suite",
        default="all",
        help="a suite (routing, standards, agentic, …) or all: routing and standards (the default); "
        "agentic (the agent works on a fixture project with its tools) runs only when named",
    )
    parser.add_argument(
        "--model",
        help="anthropic:ID|ALIAS (or a bare id/alias), openai:MODEL[@URL], "
        "local (offline lexical router), replay:RUN_ID; a comma-separated list runs each model over the "
        "same scenarios and writes a matrix report",
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
    parser.add_argument(
        "--execute",
        action="store_true",
        help="also apply each standards answer's SQL to a real PostgreSQL and probe its RLS (rls-probe "
        "beside the parsed rls-enabled; extra agent-eval[agentic])",
    )
    parser.add_argument(
        "--postgres-url",
        metavar="URL",
        help="executors (agentic, --execute): an existing PostgreSQL (a role that creates databases and "
        "roles) instead of the embedded one",
    )
    parser.add_argument("--no-report", action="store_true", help="skip writing the HTML report")
    parser.add_argument("--json", action="store_true", help="print the run as one JSON object on stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from agent_eval.cli.main import UsageError, use_project_checks
    from agent_eval.run.evaluate import run_eval
    from agent_eval.run.options import RunError, RunOptions
    from agent_eval.suites import DEFAULT_SUITES

    for flag in ("epochs", "concurrency", "limit"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise UsageError(f"--{flag} must be at least 1, got {value}")
    for flag in ("max_cost", "call_timeout"):
        value = getattr(args, flag)
        if value is not None and value <= 0:
            raise UsageError(f"--{flag.replace('_', '-')} must be positive, got {value}")
    models = model_list(args.model)
    if len(models) > 1 and args.resume:
        raise UsageError("--resume continues one run: resume each model's run on its own")
    options = RunOptions(
        agent=args.agent,
        suites=DEFAULT_SUITES if args.suite == "all" else (args.suite,),
        model=models[0],
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
        execute=args.execute,
        postgres_url=args.postgres_url,
    )
    use_project_checks(options.root)
    results: list[RunResult] = []
    summaries: list[dict[str, Any]] = []
    spent = 0.0
    for model in models:
        budget = None if args.max_cost is None else args.max_cost - spent
        try:
            result = run_eval(replace(options, model=model, max_cost=budget))
        except RunError as exc:
            raise UsageError(f"--model {model}: {exc}" if len(models) > 1 else str(exc)) from exc
        # Imported after the first run: the summary's statistics (numpy) are not needed before the first call.
        from agent_eval.run.run_json import run_json

        summary = run_json(result)
        results.append(result)
        summaries.append(summary)
        spent += summary["usage"]["cost_usd"]
        if not args.json:
            print_summary(result, summary)
        if result.run.status in STOPPING:
            break
    if len(models) > 1:
        _matrix(results, summaries, args)
    elif args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    return max(EXIT_BY_STATUS.get(r.run.status, 3) for r in results)


def model_list(spec: str | None) -> list[str | None]:
    """`--model A,B,C` → one run per model; no `--model` → one run on the configured model."""
    from agent_eval.cli.main import UsageError

    if spec is None:
        return [None]
    models = [part.strip() for part in spec.split(",")]
    if not all(models):
        raise UsageError(f"--model {spec!r}: an empty model in the list")
    if len(set(models)) != len(models):
        raise UsageError(f"--model {spec!r}: a model is listed twice")
    return list(models)


def _matrix(results: list[RunResult], summaries: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """The matrix report of a multi-model run, and its `--json` object."""
    from agent_eval.compare.matrix import model_matrix
    from agent_eval.paths import display_path, home_dir, reports_dir
    from agent_eval.report.html import write_matrix
    from agent_eval.store.db import Store

    run_ids = [r.run.run_id for r in results]
    with Store(home_dir()) as store:
        matrix = model_matrix(store, run_ids)
    path = None
    if not args.no_report:
        path = write_matrix(matrix, reports_dir() / f"{results[0].run.run_id}-models.html")
    if args.json:
        report = display_path(path) if path else None
        print(json.dumps({"runs": summaries, "matrix": matrix.as_dict(), "report": report}, indent=2))
    elif path is not None:
        print(f"matrix of {len(results)} models: {display_path(path)}")


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
