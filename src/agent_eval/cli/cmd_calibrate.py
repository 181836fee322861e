"""`agent-eval calibrate`: agreement of the rule-based checks with the human labels of the reference set."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent_eval.graders.calibration import CalibrationResult


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "calibrate",
        help="per-check agreement and Cohen's kappa of the graders against datasets/AGENT/reference/",
    )
    parser.add_argument("--agent", required=True, metavar="NAME", help="agent whose reference set to use")
    parser.add_argument(
        "--reference",
        metavar="DIR",
        type=Path,
        help="reference set folder (responses + labels.yaml); default datasets/AGENT/reference",
    )
    parser.add_argument("--json", action="store_true", help="print the agreement figures as JSON on stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from agent_eval.cli.main import UsageError
    from agent_eval.graders.calibration import ReferenceSetError, calibrate, load_reference_set
    from agent_eval.paths import datasets_dir

    folder = args.reference or datasets_dir() / args.agent / "reference"
    try:
        cases = load_reference_set(folder)
    except ReferenceSetError as exc:
        raise UsageError(str(exc)) from exc
    results = [calibrate(cases)]
    if args.json:
        print(
            json.dumps(
                {"agent": args.agent, "cases": len(cases), "graders": [_as_json(r) for r in results]},
                indent=2,
            )
        )
    else:
        print(f"{args.agent}: {len(cases)} reference responses in {folder}\n")
        for result in results:
            print(_render(result))
    return 0


def _as_json(result: CalibrationResult) -> dict[str, Any]:
    return {
        "grader": result.grader,
        "n": result.n,
        "agreement": result.agreement,
        "kappa": result.overall_kappa,
        "checks": {
            c.check: {
                "n": c.n,
                "agreed": c.agreed,
                "agreement": c.agreement,
                "kappa": c.kappa,
                "confusion": c.confusion,
            }
            for c in result.checks
        },
        "disagreements": [
            {
                "file": d.file,
                "check": d.check,
                "human": d.human,
                "grader": d.grader,
                "reason": d.reason,
                "evidence": [e.model_dump() for e in d.evidence],
            }
            for d in result.disagreements
        ],
        "skipped_labels": list(result.skipped),
    }


def _kappa(value: float | None) -> str:
    return "  -  " if value is None else f"{value:5.2f}"


def _figures(agreed: int, n: int, kappa: float | None) -> str:
    rate = agreed / n if n else 0.0
    return f"{agreed:>3}/{n:<3}  {rate:6.1%}  {_kappa(kappa)}"


def _render(result: CalibrationResult) -> str:
    width = max([len(c.check) for c in result.checks] + [5])
    lines = [
        f"grader: {result.grader}",
        f"  {'check':<{width}}  agree      rate  kappa   human→grader (pass/fail/n/a)",
    ]
    for c in result.checks:
        confusion = "  ".join(
            f"{human}:" + "/".join(str(c.confusion[human][given]) for given in ("pass", "fail", "n/a"))
            for human in ("pass", "fail", "n/a")
        )
        lines.append(f"  {c.check:<{width}}  {_figures(c.agreed, c.n, c.kappa)}   {confusion}")
    lines.append(f"  {'all':<{width}}  {_figures(result.agreed, result.n, result.overall_kappa)}")
    if result.skipped:
        lines.append(f"  labels for checks this grader lacks (skipped): {', '.join(result.skipped)}")
    if result.disagreements:
        lines.append(f"\n  disagreements ({len(result.disagreements)}):")
        for d in result.disagreements:
            lines.append(f"    {d.file}  {d.check}: human {d.human}, grader {d.grader} — {d.reason}")
            lines.extend(
                f"      line {e.line}: {e.text}" + (f"  ({e.note})" if e.note else "") for e in d.evidence
            )
    else:
        lines.append("\n  no disagreements")
    return "\n".join(lines) + "\n"
