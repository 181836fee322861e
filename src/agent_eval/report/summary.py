"""A stored run → the figures its report shows: identity, usage, latency, routing, checks, judge."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from agent_eval.providers.model import Usage
from agent_eval.report._pending_wilson import wilson
from agent_eval.report.outcomes import routing_correct
from agent_eval.stats.describe import mean_interval, percentiles
from agent_eval.stats.paired import Interval
from agent_eval.store.db import Store
from agent_eval.store.model import ResultRecord, RunInfo

# Judge means (1–5) at or above APPROVES count as approval, below REJECTS as rejection; between is neither.
JUDGE_APPROVES = 4.0
JUDGE_REJECTS = 3.0


@dataclass(frozen=True)
class Rate:
    """A proportion with its sample size and Wilson 95% interval."""

    successes: int
    n: int
    value: float
    low: float
    high: float

    @classmethod
    def of(cls, successes: int, n: int) -> Rate:
        low, high = wilson(successes, n) if n else (0.0, 1.0)
        return cls(successes, n, successes / n if n else 0.0, low, high)

    def label(self) -> str:
        """e.g. "87% (n=120, 95% CI 80–92%)"."""
        if not self.n:
            return "no data (n=0)"
        interval = f"{percent(self.low, sign=False)}–{percent(self.high)}"
        return f"{percent(self.value)} (n={self.n}, 95% CI {interval})"

    def as_dict(self) -> dict[str, Any]:
        return {"successes": self.successes, "n": self.n, "rate": self.value, "ci95": [self.low, self.high]}


def percent(value: float, sign: bool = True) -> str:
    text = f"{value * 100:.0f}"
    return text + "%" if sign else text


@dataclass(frozen=True)
class CheckSummary:
    check: str
    passed: int
    failed: int
    not_applicable: int
    rate: Rate


@dataclass(frozen=True)
class CriterionSummary:
    criterion: str
    section: str
    n: int
    mean: Interval


@dataclass(frozen=True)
class Disagreement:
    """A standards result where the rule-based checks and the judge point opposite ways."""

    scenario_id: str
    epoch: int
    rules_passed: bool
    judge_mean: float
    failed_checks: tuple[str, ...]


@dataclass(frozen=True)
class Misroute:
    scenario_id: str
    epoch: int
    expected: str
    chosen: str
    input: str


@dataclass(frozen=True)
class RoutingSummary:
    accuracy: Rate
    labels: tuple[str, ...]  # confusion-matrix axes, expected (rows) and chosen (columns)
    confusion: tuple[tuple[int, ...], ...]
    per_agent: tuple[AgentRouting, ...]
    misroutes: tuple[Misroute, ...]


@dataclass(frozen=True)
class AgentRouting:
    agent: str
    precision: Rate  # of the times it was chosen, how often it was the expected one
    recall: Rate  # of the times it was expected, how often it was chosen


@dataclass(frozen=True)
class UsageSummary:
    calls: int
    input_tokens: int
    output_tokens: int
    cache_creation_input_tokens: int
    cache_read_input_tokens: int
    cost_usd: float
    cache_savings_usd: float | None  # what the cache reads would have cost as plain input, minus their cost
    latency_n: int
    latency: dict[int, float]  # percentile → seconds
    call_errors: int


@dataclass(frozen=True)
class RunSummary:
    info: RunInfo
    usage: UsageSummary
    routing: RoutingSummary | None
    standards: Rate | None
    checks: tuple[CheckSummary, ...]
    judge_n: int
    judge_mean: Interval | None
    criteria: tuple[CriterionSummary, ...]
    disagreements: tuple[Disagreement, ...]
    results: int
    errors: int


def summarize_run(store: Store, run_id: str) -> tuple[RunSummary, list[ResultRecord]]:
    """The run's figures and its results (the report renders both). Raises LookupError for an unknown run."""
    info = store.get_run(run_id)
    if info is None:
        raise LookupError(f"unknown run {run_id!r}")
    records = store.results(run_id)
    routing = [r for r in records if r.suite == "routing"]
    standards = [r for r in records if r.suite == "standards"]
    judged = [r for r in standards if r.judge is not None and r.judge.mean is not None]
    judge_means = [r.judge.mean for r in judged if r.judge is not None and r.judge.mean is not None]
    summary = RunSummary(
        info=info,
        usage=_usage(store, info),
        routing=summarize_routing(routing) if routing else None,
        standards=Rate.of(sum(bool(r.passed) for r in standards), len(standards)) if standards else None,
        checks=summarize_checks(standards),
        judge_n=len(judge_means),
        judge_mean=mean_interval(judge_means) if judge_means else None,
        criteria=_criteria(judged),
        disagreements=_disagreements(judged),
        results=len(records),
        errors=sum(r.error is not None for r in records),
    )
    return summary, records


def summarize_routing(records: list[ResultRecord]) -> RoutingSummary:
    correct = [routing_correct(r) for r in records]
    pairs = [(r.expected or "none", r.chosen or "none") for r in records]
    labels = tuple(sorted({label for pair in pairs for label in pair}))
    index = {label: i for i, label in enumerate(labels)}
    counts = [[0] * len(labels) for _ in labels]
    for expected, chosen in pairs:
        counts[index[expected]][index[chosen]] += 1
    per_agent = tuple(
        AgentRouting(
            agent=label,
            precision=Rate.of(counts[i][i], sum(row[i] for row in counts)),
            recall=Rate.of(counts[i][i], sum(counts[i])),
        )
        for i, label in enumerate(labels)
    )
    misroutes = tuple(
        Misroute(r.scenario_id, r.epoch, expected, chosen, r.input)
        for r, ok, (expected, chosen) in zip(records, correct, pairs, strict=True)
        if not ok
    )
    return RoutingSummary(
        accuracy=Rate.of(sum(correct), len(correct)),
        labels=labels,
        confusion=tuple(tuple(row) for row in counts),
        per_agent=per_agent,
        misroutes=misroutes,
    )


def summarize_checks(records: list[ResultRecord]) -> tuple[CheckSummary, ...]:
    tallies: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for record in records:
        for check_id, verdict in record.checks.items():
            tallies[check_id][("pass", "fail", "n/a").index(verdict.status)] += 1
    return tuple(
        CheckSummary(check_id, passed, failed, na, Rate.of(passed, passed + failed))
        for check_id, (passed, failed, na) in sorted(tallies.items())
    )


def _criteria(judged: list[ResultRecord]) -> tuple[CriterionSummary, ...]:
    scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    for record in judged:
        assert record.judge is not None
        for score in record.judge.scores:
            scores[(score.criterion, score.section)].append(score.score)
    return tuple(
        CriterionSummary(criterion, section, len(values), mean_interval(values))
        for (criterion, section), values in sorted(scores.items())
    )


def _disagreements(judged: list[ResultRecord]) -> tuple[Disagreement, ...]:
    """Rules all pass but the judge rejects (mean < 3), or a rule fails but the judge approves (mean ≥ 4)."""
    found = []
    for record in judged:
        assert record.judge is not None and record.judge.mean is not None
        mean = record.judge.mean
        rules_passed = bool(record.passed)
        if (rules_passed and mean < JUDGE_REJECTS) or (not rules_passed and mean >= JUDGE_APPROVES):
            failed = tuple(sorted(c for c, v in record.checks.items() if v.status == "fail"))
            found.append(Disagreement(record.scenario_id, record.epoch, rules_passed, mean, failed))
    return tuple(found)


def _usage(store: Store, info: RunInfo) -> UsageSummary:
    totals = store.usage(info.run_id)
    latencies = store.latencies(info.run_id)
    cache_read = int(totals["cache_read_input_tokens"])
    return UsageSummary(
        calls=int(totals["calls"]),
        input_tokens=int(totals["input_tokens"]),
        output_tokens=int(totals["output_tokens"]),
        cache_creation_input_tokens=int(totals["cache_creation_input_tokens"]),
        cache_read_input_tokens=cache_read,
        cost_usd=float(totals["cost_usd"]),
        cache_savings_usd=None if info.offline else _cache_savings(info.model, cache_read),
        latency_n=len(latencies),
        latency=percentiles(latencies),
        call_errors=store.call_errors(info.run_id),
    )


def _cache_savings(model: str, cache_read_tokens: int) -> float:
    """Priced with the run's model (judge calls' reads are priced the same: an approximation)."""
    from agent_eval.providers.pricing import cost

    as_plain_input = cost(model, Usage(input_tokens=cache_read_tokens))
    return as_plain_input - cost(model, Usage(cache_read_input_tokens=cache_read_tokens))
