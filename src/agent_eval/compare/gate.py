"""The CI gate: a run's figures against thresholds, and against a baseline run only for real drops.

A drop against the baseline fails the gate only when it is both statistically significant (one-sided
paired test — McNemar exact for pass/fail metrics, Wilcoxon signed-rank for judge scores — Holm-adjusted
across every metric, below alpha) and larger than `max_drop`. Judge drops are measured as a share of the
1–5 scale so one `max_drop` serves both kinds.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any, Literal

from agent_eval.compare.outcomes import CHECK_PREFIX, ROUTING, STANDARDS, PairKey, collect_outcomes
from agent_eval.compare.runs import BinaryChange, ScoreChange, compare_outcomes
from agent_eval.config import Thresholds
from agent_eval.run.summary import count_label, rate_label
from agent_eval.stats.clustered import Rate, clustered_mean_interval
from agent_eval.store.db import Store
from agent_eval.store.model import RunInfo

LATEST = "latest"
RuleStatus = Literal["pass", "fail", "skip"]


class GateRefused(Exception):
    """The run cannot be gated (unknown, offline, unfinished, or a dataset unlike the baseline's)."""


@dataclass(frozen=True)
class RuleResult:
    rule: str  # e.g. "routing accuracy ≥ 80%", "routing vs baseline"
    status: RuleStatus
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "status": self.status, "message": self.message}


@dataclass(frozen=True)
class GateResult:
    run: RunInfo
    baseline: RunInfo | None
    thresholds: Thresholds
    rules: tuple[RuleResult, ...]

    @property
    def passed(self) -> bool:
        return all(rule.status != "fail" for rule in self.rules)

    @property
    def failures(self) -> tuple[RuleResult, ...]:
        return tuple(rule for rule in self.rules if rule.status == "fail")

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run.run_id,
            "baseline": self.baseline.run_id if self.baseline else None,
            "passed": self.passed,
            "thresholds": self.thresholds.model_dump(),
            "rules": [rule.as_dict() for rule in self.rules],
        }


def resolve_run(store: Store, run_id: str, role: str) -> RunInfo:
    info = store.get_run(run_id)
    if info is None:
        raise GateRefused(f"unknown {role} run {run_id!r} (see `agent-eval runs`)")
    return info


def latest_baseline(store: Store, run: RunInfo) -> RunInfo:
    """The newest finished, online run of the same agent other than `run` (what `--baseline latest` means)."""
    for candidate in store.list_runs(agent=run.agent):
        if candidate.run_id != run.run_id and candidate.finished and not candidate.offline:
            return candidate
    raise GateRefused(f"--baseline latest: no other finished online run of agent {run.agent!r} in the store")


def check_gateable(run: RunInfo, baseline: RunInfo | None, allow_dataset_change: bool) -> None:
    """Raise GateRefused when the figures cannot support a verdict."""
    for info, role in ((run, "run"), (baseline, "baseline")):
        if info is None:
            continue
        if info.offline:
            raise GateRefused(
                f"{role} {info.run_id} is an offline run ({info.model}): its figures say "
                "nothing about the agent; gate a run made with a real model"
            )
        if not info.finished:
            raise GateRefused(
                f"{role} {info.run_id} is {info.status}, not finished: resume it with "
                f"`agent-eval run --agent {info.agent} --resume {info.run_id}`"
            )
    if baseline is not None and baseline.dataset_hash != run.dataset_hash and not allow_dataset_change:
        raise GateRefused(
            f"run {run.run_id} used dataset {run.dataset_hash[:12]} but baseline {baseline.run_id} used "
            f"{baseline.dataset_hash[:12]}; pass --allow-dataset-change to compare their shared scenarios"
        )


def gate_run(
    store: Store,
    run_id: str,
    *,
    baseline_id: str | None,
    thresholds: Thresholds,
    allow_dataset_change: bool = False,
) -> GateResult:
    """Evaluate every rule. Raises GateRefused when the run (or its baseline) cannot be gated."""
    run = resolve_run(store, run_id, "run")
    baseline = None
    if baseline_id == LATEST:
        baseline = latest_baseline(store, run)
    elif baseline_id is not None:
        baseline = resolve_run(store, baseline_id, "baseline")
    check_gateable(run, baseline, allow_dataset_change)

    # The gate holds the judge to its overall mean: per-criterion tests would widen the Holm family and
    # blunt the tests that decide.
    outcomes = collect_outcomes(store.results(run.run_id), per_criterion=False)
    rules = list(_threshold_rules(outcomes.binary, outcomes.scores.get("judge", {}), thresholds))
    if baseline is not None:
        baseline_outcomes = collect_outcomes(store.results(baseline.run_id), per_criterion=False)
        binary, scores = compare_outcomes(
            baseline_outcomes, outcomes, alpha=thresholds.alpha, direction="regression"
        )
        rules.extend(_drop_rule(change, baseline, thresholds) for change in binary)
        rules.extend(_drop_rule(change, baseline, thresholds) for change in scores)
    return GateResult(run, baseline, thresholds, tuple(rules))


def _threshold_rules(
    binary: dict[str, dict[PairKey, bool]], judge: dict[PairKey, float], thresholds: Thresholds
) -> list[RuleResult]:
    wanted = [
        (ROUTING, "routing accuracy", thresholds.routing_accuracy_min),
        (STANDARDS, "standards pass rate", thresholds.pass_rate_min),
    ]
    wanted += [
        (CHECK_PREFIX + check, f"{check} pass rate", minimum)
        for check, minimum in sorted(thresholds.check_pass_rate_min.items())
    ]
    rules = []
    for metric, label, minimum in wanted:
        rule = f"{label} ≥ {minimum:.0%}"
        values = binary.get(metric, {})
        if not values:
            rules.append(RuleResult(rule, "skip", f"{label}: not measured in this run (n=0)"))
            continue
        rate = Rate.clustered((scenario, passed) for (scenario, _), passed in values.items())
        if rate.rate >= minimum:
            rules.append(
                RuleResult(rule, "pass", f"{label} {rate_label(rate)} meets the minimum {minimum:.0%}")
            )
        else:
            shortfall = (minimum - rate.rate) * 100
            rules.append(
                RuleResult(
                    rule,
                    "fail",
                    f"{label} {rate_label(rate)} is {shortfall:.1f} points below the minimum {minimum:.0%}",
                )
            )
    rule = f"judge mean ≥ {thresholds.judge_mean_min:.2f}"
    if not judge:
        rules.append(RuleResult(rule, "skip", "judge mean: no judge scores in this run (n=0)"))
        return rules
    by_scenario: dict[str, list[float]] = {}
    for (scenario, _), score in judge.items():
        by_scenario.setdefault(scenario, []).append(score)
    mean = clustered_mean_interval(by_scenario.values())
    sample = count_label(len(by_scenario), len(judge))
    figure = f"judge mean {mean.estimate:.2f} ({sample}, 95% CI {mean.low:.2f}–{mean.high:.2f})"
    if mean.estimate >= thresholds.judge_mean_min:
        rules.append(RuleResult(rule, "pass", f"{figure} meets the minimum {thresholds.judge_mean_min:.2f}"))
    else:
        rules.append(
            RuleResult(
                rule,
                "fail",
                f"{figure} is {thresholds.judge_mean_min - mean.estimate:.2f} "
                f"below the minimum {thresholds.judge_mean_min:.2f}",
            )
        )
    return rules


def _drop_rule(change: BinaryChange | ScoreChange, baseline: RunInfo, thresholds: Thresholds) -> RuleResult:
    rule = f"{change.metric} vs baseline"
    if isinstance(change, BinaryChange):
        drop = -change.difference
        figure = (
            f"{change.metric} {change.rate_a:.0%} → {change.rate_b:.0%} "
            f"({change.tested_label()}; McNemar one-sided on {_units(change.scenarios, change.n)}"
        )
    else:
        drop = -change.scaled_difference
        figure = (
            f"{change.metric} mean {change.mean_a:.2f} → {change.mean_b:.2f} on n={change.n} scenarios "
            f"({drop:.1%} of the 1–5 scale; Wilcoxon one-sided"
        )
    figure += f" p={change.p_value:.3g}, Holm p={change.p_holm:.3g}) vs baseline {baseline.run_id}"
    allowed = f"{thresholds.max_drop * 100:.1f} points"
    if change.p_holm >= thresholds.alpha:
        return RuleResult(rule, "pass", f"{figure}: not significant at α={thresholds.alpha}")
    if drop <= thresholds.max_drop:
        return RuleResult(rule, "pass", f"{figure}: significant but within the allowed drop of {allowed}")
    return RuleResult(
        rule,
        "fail",
        f"{figure}: a drop of {drop * 100:.1f} points, significant at "
        f"α={thresholds.alpha} and above the allowed {allowed}",
    )


def _units(scenarios: int, pairs: int) -> str:
    return "pairs" if scenarios == pairs else "scenarios"


def junit_xml(result: GateResult) -> str:
    """One test case per rule: a failure element for a failed rule, skipped for an unmeasured one."""
    failures = len(result.failures)
    skipped = sum(rule.status == "skip" for rule in result.rules)
    suite = ET.Element(
        "testsuite",
        name=f"agent-eval gate {result.run.agent}",
        tests=str(len(result.rules)),
        failures=str(failures),
        skipped=str(skipped),
        errors="0",
    )
    for rule in result.rules:
        case = ET.SubElement(suite, "testcase", classname=f"agent-eval.{result.run.agent}", name=rule.rule)
        if rule.status == "fail":
            ET.SubElement(case, "failure", message=rule.message, type="GateFailure").text = rule.message
        elif rule.status == "skip":
            ET.SubElement(case, "skipped", message=rule.message)
        else:
            ET.SubElement(case, "system-out").text = rule.message
    suites = ET.Element("testsuites", name="agent-eval", tests=str(len(result.rules)), failures=str(failures))
    suites.append(suite)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def markdown_summary(result: GateResult) -> str:
    """The GitHub step summary: verdict, then one table row per rule."""
    verdict = "passed" if result.passed else f"FAILED ({len(result.failures)} rule(s))"
    against = f" against baseline `{result.baseline.run_id}`" if result.baseline else ""
    lines = [
        f"## agent-eval gate {verdict}",
        "",
        f"Run `{result.run.run_id}` of **{result.run.agent}** ({result.run.model}){against}.",
        "",
        "| | rule | detail |",
        "|---|---|---|",
    ]
    icons = {"pass": "✅", "fail": "❌", "skip": "➖"}
    for rule in result.rules:
        detail = rule.message.replace("|", "\\|")
        lines.append(f"| {icons[rule.status]} | {rule.rule} | {detail} |")
    return "\n".join(lines) + "\n"
