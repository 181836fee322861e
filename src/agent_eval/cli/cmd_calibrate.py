"""`agent-eval calibrate`: agreement of the rule-based checks with the human labels of the reference set."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from agent_eval.graders.calibration import CalibrationResult, ReferenceCase


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
    parser.add_argument(
        "--judge-model",
        metavar="M",
        help="also calibrate this model applying the same checks (default: the eval config's judge model; "
        "skipped without credentials)",
    )
    parser.add_argument("--no-judge", action="store_true", help="calibrate the rule-based checks only")
    parser.add_argument("--json", action="store_true", help="print the agreement figures as JSON on stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from agent_eval.cli.main import UsageError, use_project_checks
    from agent_eval.graders.calibration import ReferenceSetError, calibrate, load_reference_set
    from agent_eval.paths import datasets_dir

    use_project_checks(Path.cwd())  # labels may grade them too
    folder = args.reference or datasets_dir() / args.agent / "reference"
    try:
        cases = load_reference_set(folder)
    except ReferenceSetError as exc:
        raise UsageError(str(exc)) from exc
    results = [calibrate(cases)]
    notes: list[str] = []
    if not args.no_judge:
        judged, note = _model_grader(args.agent, args.judge_model, cases)
        notes.append(note)
        if judged is not None:
            results.append(judged)
    if args.json:
        payload = {"agent": args.agent, "cases": len(cases), "graders": [_as_json(r) for r in results]}
        print(json.dumps({**payload, "notes": notes}, indent=2))
    else:
        print(f"{args.agent}: {len(cases)} reference responses in {folder}\n")
        for result in results:
            print(_render(result))
        for note in notes:
            print(note)
    return 0


def _model_grader(
    agent: str, spec: str | None, cases: Sequence[ReferenceCase]
) -> tuple[CalibrationResult | None, str]:
    """The judge model applying the checks to every reference response, or None and why it was skipped."""
    import asyncio

    from agent_eval.agents.roster import load_roster
    from agent_eval.config import EvalConfigError, load_eval_config
    from agent_eval.graders.calibration import calibrate
    from agent_eval.graders.check_judge import model_check_verdicts
    from agent_eval.paths import agents_dir, home_dir
    from agent_eval.providers.spec import ModelSpecError, open_model
    from agent_eval.store.db import Store

    if spec is None:
        try:
            spec = load_eval_config(agent).judge_model
        except EvalConfigError:
            spec = "haiku"
    texts = {case.name: (case.file.read_text(encoding="utf-8"), list(case.labels)) for case in cases}

    async def grade() -> tuple[CalibrationResult | None, str]:
        with Store(home_dir()) as store:
            try:
                opened = await open_model(spec, load_roster(agents_dir()), store, judge=True)
            except ModelSpecError as exc:
                return None, f"judge model not calibrated: {exc}"
            if opened.offline:
                return None, f"judge model not calibrated: {spec} is not a generative model"
            try:
                grading = await model_check_verdicts(texts, opened.provider, opened.model, cache=store)
            finally:
                await opened.provider.aclose()
        by_text = {texts[name][0]: verdicts for name, verdicts in grading.verdicts.items()}
        result = calibrate(cases, lambda text, _checks: by_text.get(text, {}), f"model ({opened.model})")
        failed = "; ".join(f"{name}: {why}" for name, why in sorted(grading.failures.items()))
        graded = f"model grader: {len(grading.verdicts)}/{len(cases)} responses graded"
        return result, graded + (f"; no verdicts for {failed}" if failed else "")

    return asyncio.run(grade())


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
