"""`agent-eval gate`: fail CI on a run below its thresholds or significantly worse than a baseline."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent_eval.config import Thresholds
    from agent_eval.store.model import RunInfo


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "gate",
        help="CI gate: thresholds from evals/AGENT.yaml or flags; against a baseline, only real drops fail",
    )
    parser.add_argument("run_id", metavar="RUN_ID")
    parser.add_argument(
        "--baseline",
        metavar="RUN_ID",
        help="run to compare against, or `latest` (newest other finished online run)",
    )
    parser.add_argument("--min-routing-accuracy", type=_fraction, metavar="X", help="e.g. 0.85")
    parser.add_argument(
        "--min-pass-rate",
        type=_fraction,
        metavar="X",
        help="share of standards scenarios passing every check",
    )
    parser.add_argument("--min-judge-mean", type=float, metavar="S", help="judge mean score, 1–5")
    parser.add_argument(
        "--max-drop",
        type=_fraction,
        metavar="X",
        help="largest tolerated significant drop against the baseline (fraction)",
    )
    parser.add_argument("--alpha", type=_fraction, metavar="A", help="significance level (default 0.05)")
    parser.add_argument(
        "--allow-dataset-change",
        action="store_true",
        help="gate against a baseline run on a different dataset (shared scenarios only)",
    )
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML (one test per rule)")
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON on stdout")
    parser.set_defaults(handler=run)


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a fraction between 0 and 1, got {text}")
    return value


def run(args: argparse.Namespace) -> int:
    from agent_eval.cli.main import UsageError
    from agent_eval.compare.gate import GateRefused, gate_run, junit_xml, markdown_summary
    from agent_eval.paths import home_dir
    from agent_eval.store.db import Store

    with Store(home_dir(), readonly=True) as store:
        info = store.get_run(args.run_id)
        if info is None:
            raise UsageError(f"unknown run {args.run_id!r} in {store.path} (see `agent-eval runs`)")
        thresholds = _thresholds(args, info)
        try:
            result = gate_run(
                store,
                args.run_id,
                baseline_id=args.baseline,
                thresholds=thresholds,
                allow_dataset_change=args.allow_dataset_change,
            )
        except GateRefused as exc:
            raise UsageError(str(exc)) from exc
    if args.junit is not None:
        args.junit.parent.mkdir(parents=True, exist_ok=True)
        args.junit.write_text(junit_xml(result), encoding="utf-8")
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(markdown_summary(result))
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        for rule in result.rules:
            print(f"{rule.status.upper():4}  {rule.rule}: {rule.message}")
        verdict = "passed" if result.passed else f"FAILED: {len(result.failures)} rule(s) failed"
        print(f"gate {verdict}")
    return 0 if result.passed else 1


def _thresholds(args: argparse.Namespace, info: RunInfo) -> Thresholds:
    """evals/<agent>.yaml's thresholds (defaults without one), each overridden by its flag."""
    from agent_eval.cli.main import UsageError, use_project_checks
    from agent_eval.config import EvalConfigError, Thresholds, eval_config_path, load_eval_config

    base = Thresholds()
    if eval_config_path(info.agent).is_file():
        use_project_checks(Path.cwd())  # the thresholds may name them
        try:
            base = load_eval_config(info.agent).thresholds
        except EvalConfigError as exc:
            raise UsageError(str(exc)) from exc
    flags = {
        "routing_accuracy_min": args.min_routing_accuracy,
        "pass_rate_min": args.min_pass_rate,
        "judge_mean_min": args.min_judge_mean,
        "max_drop": args.max_drop,
        "alpha": args.alpha,
    }
    overrides: dict[str, Any] = {key: value for key, value in flags.items() if value is not None}
    if args.min_judge_mean is not None and not 1.0 <= args.min_judge_mean <= 5.0:
        raise UsageError(f"--min-judge-mean must be between 1 and 5, got {args.min_judge_mean}")
    if args.alpha is not None and not 0.0 < args.alpha < 1.0:
        raise UsageError(f"--alpha must be between 0 and 1 (exclusive), got {args.alpha}")
    return base.model_copy(update=overrides)
