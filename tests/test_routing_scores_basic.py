"""Routing scores: accuracy, per-agent P/R/F1, confusion, trigger rates with Wilson CIs, consistency."""

from __future__ import annotations

import pytest

from agent_eval.graders.routing import RoutingRecord, consistency_by_scenario, routing_scores
from agent_eval.stats.intervals import wilson

AGENT = "backend-developer"


def _records() -> list[RoutingRecord]:
    rows = [
        ("s1", AGENT, AGENT),
        ("s2", AGENT, AGENT),
        ("s3", AGENT, "none"),
        ("s4", AGENT, "general-purpose"),
        ("s5", "frontend-developer", AGENT),
        ("s6", "frontend-developer", "frontend-developer"),
        ("s7", "none", "none"),
        ("s8", "none", AGENT),
        ("s9", "Explore", "Explore"),
        ("s10", "none", "none"),
    ]
    return [RoutingRecord(scenario_id=s, expected=e, chosen=c) for s, e, c in rows]


def test_accuracy_and_trigger_rates_with_wilson_intervals() -> None:
    scores = routing_scores(_records(), agent=AGENT, roster=[AGENT, "frontend-developer"])
    assert (scores.accuracy.count, scores.accuracy.n, scores.accuracy.rate) == (6, 10, 0.6)
    assert scores.accuracy.ci95 == wilson(6, 10)
    assert scores.over_triggering is not None and scores.under_triggering is not None
    assert (scores.over_triggering.count, scores.over_triggering.n) == (2, 6)  # s5, s8 of 6 not expecting X
    assert (scores.under_triggering.count, scores.under_triggering.n) == (2, 4)  # s3, s4 of 4 expecting X
    low, high = scores.under_triggering.ci95
    assert low < 0.5 < high


def test_per_agent_precision_recall_f1() -> None:
    scores = routing_scores(_records(), agent=AGENT, roster=[AGENT, "frontend-developer"])
    own = scores.per_agent[AGENT]
    assert (own.expected, own.chosen, own.correct) == (4, 4, 2)
    assert (
        own.precision == pytest.approx(0.5)
        and own.recall == pytest.approx(0.5)
        and own.f1 == pytest.approx(0.5)
    )
    none = scores.per_agent["none"]
    assert none.precision == pytest.approx(2 / 3) and none.recall == pytest.approx(2 / 3)
    plan = scores.per_agent["Plan"]
    assert (plan.precision, plan.recall, plan.f1) == (None, None, None)


def test_confusion_matrix_covers_roster_none_builtins_and_strays() -> None:
    records = [*_records(), RoutingRecord("s11", "none", "made-up-agent")]
    scores = routing_scores(records, agent=AGENT, roster=[AGENT, "frontend-developer"])
    assert scores.labels[:3] == (AGENT, "frontend-developer", "none")
    assert {"general-purpose", "Explore", "Plan", "claude", "statusline-setup"} <= set(scores.labels)
    assert scores.labels[-1] == "made-up-agent"
    assert scores.confusion[AGENT]["general-purpose"] == 1
    assert scores.confusion["none"][AGENT] == 1
    assert sum(sum(row.values()) for row in scores.confusion.values()) == 11


def test_epochs_become_per_scenario_consistency() -> None:
    records = [
        RoutingRecord("a", AGENT, AGENT, epoch=1),
        RoutingRecord("a", AGENT, AGENT, epoch=2),
        RoutingRecord("a", AGENT, "none", epoch=3),
        RoutingRecord("b", "none", AGENT, epoch=1),
        RoutingRecord("b", "none", "none", epoch=2),
    ]
    a, b = consistency_by_scenario(records)
    assert (a.majority, a.correct_epochs, a.epochs) == (AGENT, 2, 3)
    assert a.consistency == pytest.approx(2 / 3)
    assert (b.majority, b.consistency) == ("none", 0.5)  # a tie goes to the expected label
    scores = routing_scores(records, agent=AGENT)
    assert scores.mean_consistency == pytest.approx((2 / 3 + 0.5) / 2)


def test_no_records_gives_empty_but_valid_scores() -> None:
    scores = routing_scores([], agent=AGENT)
    assert scores.accuracy.n == 0 and scores.accuracy.ci95 == (0.0, 1.0)
    assert scores.over_triggering is not None and scores.over_triggering.n == 0
    assert scores.mean_consistency is None and scores.scenarios == ()


@pytest.mark.parametrize(
    ("successes", "n", "expected"),
    [(81, 263, (0.2553, 0.3662)), (0, 10, (0.0, 0.2775)), (10, 10, (0.7225, 1.0)), (5, 10, (0.2366, 0.7634))],
)
def test_wilson_interval_known_values(successes: int, n: int, expected: tuple[float, float]) -> None:
    low, high = wilson(successes, n)
    assert (round(low, 4), round(high, 4)) == expected


def test_wilson_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError, match="successes"):
        wilson(5, 3)
    with pytest.raises(ValueError, match="confidence"):
        wilson(1, 3, confidence=1.5)
    assert wilson(3, 10, confidence=0.99)[0] < wilson(3, 10)[0]
