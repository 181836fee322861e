"""`agent-eval fidelity`: the same routing scenarios under two harnesses, and how often they agree."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("fidelity", help="agreement (Cohen's kappa) of two routing harnesses")
    parser.add_argument("--agent", required=True, help="the agent whose routing scenarios to run")
    parser.add_argument("--harness", action="append", default=[], metavar="NAME",
                        help="a harness (builtin, captured, claude-code); give it twice")
    parser.add_argument("--runs", nargs=2, metavar="RUN_ID",
                        help="compare two stored runs instead of running")
    parser.add_argument("--limit", type=int, help="routing scenarios to run (dataset order)")
    parser.add_argument("--model", help="model for both runs (default as for `run`)")
    parser.add_argument("--claude-bin", metavar="PATH",
                        help="an installed Claude Code CLI (default: the SDK's)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from agent_eval.cli.main import UsageError
    from agent_eval.compare.fidelity import FidelityError, fidelity
    from agent_eval.paths import home_dir
    from agent_eval.store.db import Store

    if args.runs:
        run_ids = list(args.runs)
    else:
        if len(args.harness) != 2:
            raise UsageError(
                "give --harness twice (e.g. --harness builtin --harness claude-code), or --runs A B"
            )
        run_ids = [_run_with(args, harness) for harness in args.harness]
    with Store(home_dir()) as store:
        try:
            result = fidelity(store, *run_ids).as_dict()
        except FidelityError as err:
            raise UsageError(str(err)) from err
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    low, high = result["ci95"]
    print(f"{result['agree']}/{result['n']} decisions agree ({result['agreement']:.0%}); "
          f"kappa {result['kappa']:.2f} [{low:.2f}, {high:.2f}]; runs {run_ids[0]} {run_ids[1]}")
    for row in result["disagreements"]:
        print(f"  {row['scenario_id']}: {row['a']} vs {row['b']}")
    return 0


def _run_with(args: argparse.Namespace, harness: str) -> str:
    """One routing run under `harness`; the run's id."""
    from agent_eval.cli.main import UsageError
    from agent_eval.run.evaluate import run_eval
    from agent_eval.run.options import RunError, RunOptions

    options = RunOptions(
        agent=args.agent,
        suites=("routing",),
        model=args.model,
        limit=args.limit,
        harness=harness,
        claude_bin=args.claude_bin,
    )
    print(f"agent-eval fidelity: running routing under --harness {harness}", file=sys.stderr)
    try:
        result = run_eval(options)
    except RunError as err:
        raise UsageError(str(err)) from err
    return result.run.run_id
