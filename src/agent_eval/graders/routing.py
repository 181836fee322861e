"""Routing scores from (expected, chosen) decisions: accuracy, per-agent P/R/F1, confusion, trigger rates.

Pure functions over records. Rates carry 95% intervals that count the scenario as the unit (the epochs of a
scenario are not independent); epochs are also aggregated per scenario as consistency (the share of epochs
that agree with the scenario's majority choice).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agent_eval.agents.builtin import BUILTIN_NAMES
from agent_eval.scenarios.model import NO_DELEGATION
from agent_eval.stats.clustered import Rate


@dataclass(frozen=True)
class RoutingRecord:
    """One routing decision: which agent the scenario expects and which one the model chose, in one epoch."""

    scenario_id: str
    expected: str
    chosen: str
    epoch: int = 1


@dataclass(frozen=True)
class AgentScores:
    """Precision/recall/F1 of one label; None where a denominator is zero (never chosen or never expected)."""

    agent: str
    expected: int
    chosen: int
    correct: int
    precision: float | None
    recall: float | None
    f1: float | None


@dataclass(frozen=True)
class ScenarioConsistency:
    scenario_id: str
    expected: str
    epochs: int
    majority: str
    consistency: float  # share of epochs whose choice equals the majority choice
    correct_epochs: int


@dataclass(frozen=True)
class RoutingScores:
    accuracy: Rate
    labels: tuple[str, ...]
    confusion: dict[str, dict[str, int]]  # expected → chosen → count, over `labels`
    per_agent: dict[str, AgentScores]
    agent: str | None
    over_triggering: Rate | None  # agent chosen when another was expected, over records expecting another
    under_triggering: Rate | None  # agent expected but another chosen, over records expecting the agent
    scenarios: tuple[ScenarioConsistency, ...]
    mean_consistency: float | None


def routing_scores(
    records: Iterable[RoutingRecord],
    agent: str | None = None,
    roster: Sequence[str] = (),
    built_ins: Sequence[str] = BUILTIN_NAMES,
) -> RoutingScores:
    """Score routing decisions. `agent` is the agent under test (for over/under-triggering); the confusion
    matrix covers the roster, `none`, the built-in agents and any other label that occurs in the records."""
    rows = list(records)
    labels = _labels(rows, roster, built_ins)
    confusion = {expected: dict.fromkeys(labels, 0) for expected in labels}
    for row in rows:
        confusion[row.expected][row.chosen] += 1
    over = under = None
    if agent is not None:
        others = [row for row in rows if row.expected != agent]
        own = [row for row in rows if row.expected == agent]
        over = Rate.clustered((row.scenario_id, row.chosen == agent) for row in others)
        under = Rate.clustered((row.scenario_id, row.chosen != agent) for row in own)
    scenarios = consistency_by_scenario(rows)
    return RoutingScores(
        accuracy=Rate.clustered((row.scenario_id, row.expected == row.chosen) for row in rows),
        labels=labels,
        confusion=confusion,
        per_agent={label: _agent_scores(label, rows) for label in labels},
        agent=agent,
        over_triggering=over,
        under_triggering=under,
        scenarios=scenarios,
        mean_consistency=sum(s.consistency for s in scenarios) / len(scenarios) if scenarios else None,
    )


def not_delegating_by_kind(decisions: Iterable[str | None]) -> tuple[tuple[str, int], ...]:
    """How the first turns that did not delegate went: counts of `acted:Read`, `skill:init`, `answered`, …
    (`Decision.detail`), most frequent first. Delegations and unknown decisions (`None`) are not counted."""
    counts = Counter(d for d in decisions if d is not None and not d.startswith("delegated"))
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def consistency_by_scenario(records: Iterable[RoutingRecord]) -> tuple[ScenarioConsistency, ...]:
    """Per scenario: the majority choice across epochs and the share of epochs that made it.

    Ties between choices are broken by preferring the expected agent, then by name, so the result does not
    depend on record order.
    """
    by_scenario: dict[str, list[RoutingRecord]] = defaultdict(list)
    for row in records:
        by_scenario[row.scenario_id].append(row)
    found = []
    for scenario_id in sorted(by_scenario):
        rows = by_scenario[scenario_id]
        expected = rows[0].expected
        counts = Counter(row.chosen for row in rows)
        majority = min(counts, key=lambda label: (-counts[label], label != expected, label))
        found.append(
            ScenarioConsistency(
                scenario_id=scenario_id,
                expected=expected,
                epochs=len(rows),
                majority=majority,
                consistency=counts[majority] / len(rows),
                correct_epochs=sum(1 for row in rows if row.chosen == row.expected),
            )
        )
    return tuple(found)


def _labels(rows: list[RoutingRecord], roster: Sequence[str], built_ins: Sequence[str]) -> tuple[str, ...]:
    ordered = list(dict.fromkeys([*roster, NO_DELEGATION, *built_ins]))
    seen = {row.expected for row in rows} | {row.chosen for row in rows}
    return tuple(ordered + sorted(seen - set(ordered)))


def _agent_scores(label: str, rows: list[RoutingRecord]) -> AgentScores:
    expected = sum(1 for row in rows if row.expected == label)
    chosen = sum(1 for row in rows if row.chosen == label)
    correct = sum(1 for row in rows if row.expected == label and row.chosen == label)
    precision = correct / chosen if chosen else None
    recall = correct / expected if expected else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall > 0
        else (0.0 if precision is not None and recall is not None else None)
    )
    return AgentScores(label, expected, chosen, correct, precision, recall, f1)
