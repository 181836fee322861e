"""`agent-eval compare`: paired comparison of two runs (or two git revisions of an agent's prompt)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent_eval.compare.runs import Comparison


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("compare", help="paired comparison of two runs over their shared scenarios")
    parser.add_argument("runs", nargs="*", metavar="RUN", help="RUN_A RUN_B (before, after)")
    parser.add_argument("--agent", help="with two --rev: run this agent's file at each git revision first")
    parser.add_argument("--rev", action="append", default=[], metavar="REV", help="git revision (twice)")
    parser.add_argument("--model", help="model for --rev runs (same forms as `run --model`)")
    parser.add_argument("--epochs", type=int, help="epochs for --rev runs")
    parser.add_argument("--limit", type=int, help="scenarios per suite for --rev runs")
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON on stdout")
    parser.add_argument("-o", "--output", type=Path, help="write the HTML comparison here")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from agent_eval.cli.main import UsageError
    from agent_eval.compare.runs import compare_runs
    from agent_eval.paths import home_dir
    from agent_eval.report.html import render_comparison
    from agent_eval.store.db import Store

    if not 0.0 < args.alpha < 1.0:
        raise UsageError(f"--alpha must be between 0 and 1 (exclusive), got {args.alpha}")
    run_a, run_b = _run_ids(args)
    with Store(home_dir(), readonly=True) as store:
        try:
            comparison = compare_runs(store, run_a, run_b, alpha=args.alpha)
        except LookupError as exc:
            raise UsageError(f"{exc.args[0]} in {store.path} (see `agent-eval runs`)") from exc
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(render_comparison(comparison), encoding="utf-8")
        print(f"comparison written to {args.output}", file=sys.stderr)
    if args.json:
        print(json.dumps(comparison.as_dict(), ensure_ascii=False, indent=2))
    else:
        print_comparison(comparison)
    return 0


def _run_ids(args: argparse.Namespace) -> tuple[str, str]:
    from agent_eval.cli.main import UsageError

    if args.agent or args.rev:
        if args.runs or not args.agent or len(args.rev) != 2:
            raise UsageError("give either RUN_A RUN_B, or --agent NAME with exactly two --rev")
        from agent_eval.compare.revisions import RevisionError, run_revisions

        try:
            first, second = run_revisions(
                args.agent, args.rev, root=Path.cwd(), model=args.model, epochs=args.epochs, limit=args.limit
            )
        except RevisionError as exc:
            raise UsageError(str(exc)) from exc
        print(f"{args.rev[0]} → run {first}; {args.rev[1]} → run {second}", file=sys.stderr)
        return first, second
    if len(args.runs) != 2:
        raise UsageError(f"expected two run ids (RUN_A RUN_B), got {len(args.runs)}")
    return args.runs[0], args.runs[1]


def print_comparison(comparison: Comparison) -> None:
    a, b = comparison.run_a, comparison.run_b
    print(
        f"A = {a.run_id} ({a.model}), B = {b.run_id} ({b.model}); {comparison.shared_pairs} shared pairs, "
        f"{comparison.only_a} only in A, {comparison.only_b} only in B"
    )
    if comparison.dataset_changed:
        print("note: the runs used different datasets; only shared scenarios are compared")
    for change in comparison.binary:
        verdict = _verdict(change.p_holm, change.difference, comparison.alpha)
        mde = "none" if change.mde is None else f"{change.mde * 100:.1f} pts"
        print(
            f"{change.metric:32} {change.rate_a:6.1%} → {change.rate_b:6.1%}  {change.tested_label()}  "
            f"McNemar p={change.p_value:.3g} "
            f"Holm p={change.p_holm:.3g}  detectable ±{mde}  {verdict}"
        )
    for score in comparison.scores:
        verdict = _verdict(score.p_holm, score.difference.estimate, comparison.alpha)
        print(
            f"{score.metric:32} {score.mean_a:6.2f} → {score.mean_b:6.2f}  n={score.n} scenarios "
            f"diff {score.difference.estimate:+.2f} (95% CI {score.difference.low:+.2f} to "
            f"{score.difference.high:+.2f})  Wilcoxon p={score.p_value:.3g} "
            f"Holm p={score.p_holm:.3g}  {verdict}"
        )


def _verdict(p_holm: float, difference: float, alpha: float) -> str:
    if p_holm >= alpha:
        return "noise"
    return "WORSE" if difference < 0 else "better"
