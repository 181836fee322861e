"""Per-(scenario, epoch) outcomes of a run, keyed for pairing: routing, standards, each check, judge."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from agent_eval.store.model import ResultRecord

PairKey = tuple[str, int]  # (scenario_id, epoch)

ROUTING = "routing"
STANDARDS = "standards"
JUDGE = "judge"
JUDGE_PREFIX = "judge:"  # one score metric per rubric criterion
CHECK_PREFIX = "check:"


def routing_correct(record: ResultRecord) -> bool:
    """The stored verdict, or expected == chosen when the grader left none (an errored call counts wrong)."""
    if record.passed is not None:
        return record.passed
    return record.error is None and record.expected is not None and record.expected == record.chosen


@dataclass
class Outcomes:
    """Binary outcomes per metric name ("routing", "standards", "check:<id>") and judge mean scores."""

    binary: dict[str, dict[PairKey, bool]] = field(default_factory=dict)
    scores: dict[str, dict[PairKey, float]] = field(default_factory=dict)

    @property
    def keys(self) -> set[PairKey]:
        found: set[PairKey] = set()
        for outcome in self.binary.values():
            found.update(outcome)
        for score in self.scores.values():
            found.update(score)
        return found


def collect_outcomes(records: Iterable[ResultRecord], *, per_criterion: bool = True) -> Outcomes:
    """Routing correctness; standards passed (all applicable checks) and each check's pass/fail (n/a left
    out); the judge's mean score where the judge answered, and with `per_criterion` its score on each
    criterion. Results that errored before grading count as
    failures of the suite-level metric only (their checks were never run)."""
    outcomes = Outcomes()
    for record in records:
        key = (record.scenario_id, record.epoch)
        if record.suite == "routing":
            outcomes.binary.setdefault(ROUTING, {})[key] = routing_correct(record)
            continue
        outcomes.binary.setdefault(STANDARDS, {})[key] = bool(record.passed) and record.error is None
        for check_id, verdict in record.checks.items():
            if verdict.status != "n/a":
                outcomes.binary.setdefault(CHECK_PREFIX + check_id, {})[key] = verdict.status == "pass"
        if record.judge is not None and record.judge.mean is not None:
            outcomes.scores.setdefault(JUDGE, {})[key] = record.judge.mean
            if per_criterion:
                for score in record.judge.scores:
                    outcomes.scores.setdefault(JUDGE_PREFIX + score.criterion, {})[key] = float(score.score)
    return outcomes


def metric_order(name: str) -> tuple[int, str]:
    """Routing first, then standards, then checks alphabetically, then the judge's mean, then criteria."""
    rank = {ROUTING: 0, STANDARDS: 1, JUDGE: 3}.get(name, 4 if name.startswith(JUDGE_PREFIX) else 2)
    return rank, name
