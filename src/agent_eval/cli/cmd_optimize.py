"""`agent-eval optimize`: propose description revisions, keep one only when a held-out split confirms it."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent_eval.author.optimize import OptimizeResult, Score


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "optimize", help="propose a better description for an agent, confirmed on held-out scenarios"
    )
    parser.add_argument("--agent", required=True, help="agent name (frontmatter `name`)")
    parser.add_argument("--rounds", type=int, default=3, help="most proposals (default 3)")
    parser.add_argument("--model", help="model that routes the scenarios (same forms as `run --model`)")
    parser.add_argument("--proposer-model", help="model that writes the revisions (default: --model)")
    parser.add_argument("--heldout-share", type=float, default=0.4, help="share held out (default 0.4)")
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    parser.add_argument("--max-cost", type=float, metavar="USD", help="stop cleanly before spending more")
    parser.add_argument("--concurrency", type=int, default=8, help="most calls in flight")
    parser.add_argument("--write", action="store_true", help="apply the best revision to the agent file")
    parser.add_argument("--agents-dir", type=Path, help="folder of agent files")
    parser.add_argument("--json", action="store_true", help="print the session as one JSON object on stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from agent_eval.cli.main import UsageError

    if args.max_cost is not None and args.max_cost <= 0:
        raise UsageError(f"--max-cost must be positive, got {args.max_cost}")
    if args.concurrency < 1:
        raise UsageError(f"--concurrency must be at least 1, got {args.concurrency}")
    result = asyncio.run(_optimize(args))
    if args.write and result.improved:
        from agent_eval.agents.edit import EditError, write_description
        from agent_eval.agents.roster import load_roster
        from agent_eval.paths import agents_dir

        agent = load_roster(agents_dir(override=args.agents_dir)).get(args.agent)
        assert agent is not None  # optimize already found it
        try:
            write_description(agent.path, result.best_description)
        except EditError as exc:
            raise UsageError(str(exc)) from exc
    if args.json:
        print(json.dumps({**result.as_json(), "written": bool(args.write and result.improved)}, indent=2))
    else:
        _print(result, args.write)
    return 0


async def _optimize(args: argparse.Namespace) -> OptimizeResult:
    from agent_eval.agents.roster import load_roster
    from agent_eval.author.optimize import OptimizeError, optimize
    from agent_eval.cli.main import UsageError
    from agent_eval.paths import agents_dir, home_dir
    from agent_eval.providers.spec import LOCAL_MODEL, ModelSpecError, open_model
    from agent_eval.scenarios.dataset import DatasetError, load_scenarios
    from agent_eval.store.db import Store

    roster = load_roster(agents_dir(override=args.agents_dir))
    if roster.get(args.agent) is None:
        raise UsageError(
            f"no agent named {args.agent!r} in {roster.directory} (found: {', '.join(roster.names)})"
        )
    try:
        scenarios = load_scenarios(args.agent, ("routing",), Path.cwd())
    except DatasetError as exc:
        raise UsageError(str(exc)) from exc
    spec = args.model or "sonnet"
    if LOCAL_MODEL in (spec, args.proposer_model):
        raise UsageError(
            "optimize needs generative models: the 'local' router cannot write or read a description"
        )
    with Store(home_dir()) as store:
        try:
            router = await open_model(spec, roster, store)
            proposer = await open_model(args.proposer_model, roster, store) if args.proposer_model else router
        except ModelSpecError as exc:
            raise UsageError(str(exc)) from exc
        try:
            return await optimize(
                args.agent,
                roster,
                scenarios,
                router.provider,
                router.model,
                proposer=proposer.provider,
                proposer_model=proposer.model,
                rounds=args.rounds,
                alpha=args.alpha,
                heldout_share=args.heldout_share,
                max_cost=args.max_cost,
                cache=store,
                concurrency=args.concurrency,
                progress=True,
            )
        except OptimizeError as exc:
            raise UsageError(str(exc)) from exc
        finally:
            for provider in {id(p): p for p in (router.provider, proposer.provider)}.values():
                await provider.aclose()


def _print(result: OptimizeResult, written: bool) -> None:
    def scores(train: Score, heldout: Score | None) -> str:
        shown = (
            f"{heldout.balanced:.3f} (n={heldout.positives + heldout.negatives})" if heldout else "not run"
        )
        return f"train {train.balanced:.3f} (n={train.positives + train.negatives})  held-out {shown}"

    print(f"optimize {result.agent}: balanced accuracy (its own scenarios and the others count the same)")
    print(f"  baseline  {scores(result.baseline_train, result.baseline_heldout)}")
    for r in result.rounds:
        verdict = "kept" if r.kept else ("not better on train" if r.heldout is None else "not kept")
        p_value = f"  p={r.p_value:.4f}" if r.p_value is not None else ""
        print(f"  round {r.number}   {scores(r.train, r.heldout)}{p_value}  {verdict}  ${r.cost_usd:.4f}")
        if r.rationale:
            print(f"            why: {r.rationale}")
    print(f"  stopped: {result.stopped}; spent ${result.cost_usd:.4f}")
    if not result.improved:
        print("no revision beat the current description on held-out scenarios; the file is unchanged")
        return
    print(f"  best      {scores(result.best_train, result.best_heldout)}  p={result.p_value:.4f} vs baseline")
    print(result.diff())
    if written:
        print("the agent file now holds the best revision", file=sys.stderr)
    else:
        print("run again with --write to apply it to the agent file", file=sys.stderr)
