"""A stored run → the figures its report shows: identity, usage, latency, routing, checks, judge."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from agent_eval.graders.routing import RoutingRecord, not_delegating_by_kind, routing_scores
from agent_eval.providers.model import Usage
from agent_eval.scenarios.model import NO_DELEGATION
from agent_eval.stats.clustered import Rate, clustered_mean_interval
from agent_eval.stats.describe import percentiles
from agent_eval.stats.intervals import Interval
from agent_eval.store.db import Store
from agent_eval.store.model import FailureGroup, ResultRecord, RunInfo

ERROR_LABEL = "(error)"
# Judge means (1–5) at or above APPROVES count as approval, below REJECTS as rejection; between is neither.
JUDGE_APPROVES = 4.0
JUDGE_REJECTS = 3.0


def rate_label(rate: Rate) -> str:
    """e.g. "87% (n=120, 95% CI 80–92%)"; with epochs "87% (n=24 scenarios, 120 results, 95% CI 80–92%)"."""
    if not rate.n:
        return "no data (n=0)"
    return f"{rate.rate:.0%} ({sample_label(rate)}, 95% CI {interval_label(rate)})"


def sample_label(rate: Rate) -> str:
    return count_label(rate.scenarios, rate.n)


def count_label(scenarios: int, results: int) -> str:
    """What an interval counts: the scenarios, and the results they hold when there are more."""
    if results == scenarios:
        return f"n={results}"
    return f"n={scenarios} scenarios, {results} results"


def interval_label(rate: Rate) -> str:
    """e.g. "80–92%"."""
    low, high = rate.ci95
    return f"{low * 100:.0f}–{high:.0%}"


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
class AgentRouting:
    agent: str
    precision: Rate  # of the times it was chosen, how often it was the expected one
    recall: Rate  # of the times it was expected, how often it was chosen
    f1: float | None


@dataclass(frozen=True)
class RoutingSummary:
    accuracy: Rate
    labels: tuple[str, ...]  # confusion-matrix axes, expected (rows) and chosen (columns)
    confusion: tuple[tuple[int, ...], ...]
    per_agent: tuple[AgentRouting, ...]
    over_triggering: Rate | None  # the agent under test chosen when another was expected
    under_triggering: Rate | None  # the agent under test expected, another chosen
    mean_consistency: float | None  # share of epochs agreeing with each scenario's majority, averaged
    scenarios: int
    misroutes: tuple[Misroute, ...]
    not_delegating: tuple[tuple[str, int], ...] = ()  # "none" by kind: (`acted:Read`, n), (`answered`, n)…


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
    call_failures: tuple[FailureGroup, ...] = ()  # the call errors grouped by cause


@dataclass(frozen=True)
class AgenticSummary:
    rate: Rate  # finished within its limits, no check or executed grader failed, the task's checks passed
    checks: tuple[CheckSummary, ...]  # rule-based, on the changed files
    executed: tuple[CheckSummary, ...]  # graders that ran what the agent left


@dataclass(frozen=True)
class RunSummary:
    info: RunInfo
    usage: UsageSummary
    routing: RoutingSummary | None
    standards: Rate | None  # no check failed, and every check the scenario requires applied and passed
    standards_no_failure: Rate | None  # no check failed (a required check left n/a counts as no failure)
    checks: tuple[CheckSummary, ...]
    judge_n: int
    judge_scenarios: int  # the judge mean's interval counts these, not its judged results
    judge_errors: int  # standards results the judge gave no verdict for
    judge_mean: Interval | None
    criteria: tuple[CriterionSummary, ...]
    disagreements: tuple[Disagreement, ...]
    results: int
    errors: int
    agentic: AgenticSummary | None = None


def summarize_run(store: Store, run_id: str) -> tuple[RunSummary, list[ResultRecord]]:
    """The run's figures and its results (the report renders both). Raises LookupError for an unknown run."""
    info = store.get_run(run_id)
    if info is None:
        raise LookupError(f"unknown run {run_id!r}")
    records = store.results(run_id)
    routing = [r for r in records if r.suite == "routing"]
    standards = [r for r in records if r.suite == "standards"]
    agentic = [r for r in records if r.suite == "agentic"]
    judged = [r for r in standards if r.judge is not None and r.judge.mean is not None]
    judge_means: dict[str, list[float]] = defaultdict(list)
    for record in judged:
        assert record.judge is not None and record.judge.mean is not None
        judge_means[record.scenario_id].append(record.judge.mean)
    summary = RunSummary(
        info=info,
        usage=_usage(store, info),
        routing=summarize_routing(routing, info.agent) if routing else None,
        standards=Rate.clustered((r.scenario_id, bool(r.passed)) for r in standards) if standards else None,
        standards_no_failure=(
            Rate.clustered((r.scenario_id, no_check_failed(r)) for r in standards) if standards else None
        ),
        checks=summarize_checks(standards),
        judge_n=len(judged),
        judge_scenarios=len(judge_means),
        judge_errors=sum(r.judge is not None and r.judge.error is not None for r in standards),
        judge_mean=clustered_mean_interval(judge_means.values()) if judge_means else None,
        criteria=_criteria(judged),
        disagreements=_disagreements(judged),
        results=len(records),
        errors=sum(r.error is not None for r in records),
        agentic=summarize_agentic(agentic) if agentic else None,
    )
    return summary, records


def summarize_agentic(records: list[ResultRecord]) -> AgenticSummary:
    return AgenticSummary(
        rate=Rate.clustered((r.scenario_id, bool(r.passed)) for r in records),
        checks=summarize_checks(records),
        executed=summarize_checks(records, executed=True),
    )


def summarize_routing(records: list[ResultRecord], agent: str) -> RoutingSummary:
    """The graders' routing scores, with the confusion matrix cut to the labels that occur.

    A call that failed counts as a choice of "(error)", so it is wrong whatever was expected.
    """
    decisions = [
        RoutingRecord(
            scenario_id=r.scenario_id,
            expected=r.expected or NO_DELEGATION,
            chosen=ERROR_LABEL if r.error is not None else r.chosen or NO_DELEGATION,
            epoch=r.epoch,
        )
        for r in records
    ]
    scores = routing_scores(decisions, agent=agent)
    labels = tuple(
        label
        for label in scores.labels
        if any(scores.confusion[label].values()) or any(row[label] for row in scores.confusion.values())
    )
    per_agent = tuple(
        AgentRouting(
            agent=label,
            precision=_accuracy(d for d in decisions if d.chosen == label),
            recall=_accuracy(d for d in decisions if d.expected == label),
            f1=scores.per_agent[label].f1,
        )
        for label in labels
    )
    misroutes = tuple(
        Misroute(r.scenario_id, r.epoch, d.expected, d.chosen, r.input)
        for r, d in zip(records, decisions, strict=True)
        if d.expected != d.chosen
    )
    return RoutingSummary(
        accuracy=scores.accuracy,
        labels=labels,
        confusion=tuple(tuple(scores.confusion[e][c] for c in labels) for e in labels),
        per_agent=per_agent,
        over_triggering=scores.over_triggering,
        under_triggering=scores.under_triggering,
        mean_consistency=scores.mean_consistency,
        scenarios=len(scores.scenarios),
        misroutes=misroutes,
        not_delegating=not_delegating_by_kind(r.decision for r in records if r.error is None),
    )


def _accuracy(decisions: Iterable[RoutingRecord]) -> Rate:
    return Rate.clustered((d.scenario_id, d.expected == d.chosen) for d in decisions)


def no_check_failed(record: ResultRecord) -> bool:
    """Graded, and none of its checks failed (n/a is no failure, even for a check the scenario requires)."""
    return record.error is None and all(v.status != "fail" for v in record.checks.values())


def summarize_checks(records: list[ResultRecord], executed: bool = False) -> tuple[CheckSummary, ...]:
    """Per check (or executed grader): pass/fail/n/a counts and the pass rate where it applied, clustered
    by scenario."""
    tallies: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    applied: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for record in records:
        for check_id, verdict in (record.executed if executed else record.checks).items():
            tallies[check_id][("pass", "fail", "n/a").index(verdict.status)] += 1
            if verdict.status != "n/a":
                applied[check_id].append((record.scenario_id, verdict.status == "pass"))
    return tuple(
        CheckSummary(check_id, passed, failed, na, Rate.clustered(applied[check_id]))
        for check_id, (passed, failed, na) in sorted(tallies.items())
    )


def _criteria(judged: list[ResultRecord]) -> tuple[CriterionSummary, ...]:
    scores: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for record in judged:
        assert record.judge is not None
        for score in record.judge.scores:
            scores[(score.criterion, score.section)][record.scenario_id].append(score.score)
    return tuple(
        CriterionSummary(
            criterion,
            section,
            sum(map(len, by_scenario.values())),
            clustered_mean_interval(by_scenario.values()),
        )
        for (criterion, section), by_scenario in sorted(scores.items())
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
        call_failures=tuple(store.call_failures(info.run_id)),
    )


def _cache_savings(model: str, cache_read_tokens: int) -> float:
    """Priced with the run's model (judge calls' reads are priced the same: an approximation)."""
    from agent_eval.providers.pricing import cost

    as_plain_input = cost(model, Usage(input_tokens=cache_read_tokens))
    return as_plain_input - cost(model, Usage(cache_read_input_tokens=cache_read_tokens))
