"""Clustered estimates: the scenario is the unit, so identical epochs add no certainty, one epoch is plain
Wilson (or the plain t interval), and varied epochs land in between."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from agent_eval.stats.clustered import Rate, clustered_mean_interval, effective_sample_size
from agent_eval.stats.intervals import wilson
from agent_eval.stats.paired import wilcoxon_signed_rank

PASSED = [True] * 38 + [False] * 13  # a 74.5% router over 51 scenarios


def outcomes(epochs: int, flip: frozenset[tuple[int, int]] = frozenset()) -> list[tuple[str, bool]]:
    return [
        (f"s{i}", passed != ((i, epoch) in flip))
        for epoch in range(epochs)
        for i, passed in enumerate(PASSED)
    ]


def test_one_epoch_is_plain_wilson_on_the_results() -> None:
    rate = Rate.clustered(outcomes(1))
    assert (rate.count, rate.n, rate.scenarios) == (38, 51, 51)
    assert rate.ci95 == wilson(38, 51)
    assert rate == Rate.of(38, 51)


@pytest.mark.parametrize("epochs", [2, 5, 400])
def test_identical_epochs_give_the_interval_of_one_epoch(epochs: int) -> None:
    rate = Rate.clustered(outcomes(epochs))
    assert (rate.n, rate.scenarios, rate.effective_n) == (51 * epochs, 51, 51.0)
    assert rate.ci95 == pytest.approx(wilson(38, 51), abs=1e-12)


def test_varied_epochs_are_worth_more_than_one_epoch_and_less_than_independent_results() -> None:
    flips = frozenset((i, epoch) for i in range(0, 51, 4) for epoch in (1, 3))
    rate = Rate.clustered(outcomes(5, flips))
    assert 51 < rate.effective_n < 255
    independent = wilson(rate.count, rate.n)
    assert rate.ci95[1] - rate.ci95[0] > independent[1] - independent[0]


def test_a_rate_at_zero_or_one_counts_the_scenarios() -> None:
    assert effective_sample_size([(3, 3), (3, 3)]) == 2.0
    assert Rate.clustered([("a", True)] * 4 + [("b", True)] * 4).ci95 == wilson(2, 2)
    assert Rate.clustered([]).ci95 == (0.0, 1.0)


def test_clustered_mean_reduces_to_the_t_interval_and_ignores_repeats() -> None:
    scores = [4.0, 3.0, 5.0, 4.0, 2.0, 4.5, 3.5]
    one = clustered_mean_interval([[s] for s in scores])
    low, high = stats.t.interval(0.95, len(scores) - 1, loc=np.mean(scores), scale=stats.sem(scores))
    assert (one.estimate, one.low, one.high) == pytest.approx((np.mean(scores), low, high))
    repeated = clustered_mean_interval([[s] * 5 for s in scores])
    assert (repeated.low, repeated.high) == pytest.approx((one.low, one.high))
    assert clustered_mean_interval([[4.0, 4.0], [4.0]]).low == pytest.approx(4.0)


def test_clustered_mean_matches_a_scenario_level_bootstrap_roughly() -> None:
    rng = np.random.default_rng(5)
    centres = rng.normal(3.5, 0.6, 40)
    groups = [list(np.clip(c + rng.normal(0, 0.3, 5), 1, 5)) for c in centres]
    interval = clustered_mean_interval(groups)
    picks = rng.integers(0, 40, size=(4000, 40))
    means = np.array([np.mean([v for g in pick for v in groups[g]]) for pick in picks])
    low, high = np.quantile(means, [0.025, 0.975])
    assert (interval.high - interval.low) == pytest.approx(high - low, rel=0.2)


def test_wilcoxon_ties_differences_that_differ_only_by_float_noise() -> None:
    first = [4.0, 4.0, 1.0, 5.0, 2.0, 4.5, 3.0, 5.0]
    second = [3.0, 3.0000000000000004, 3.0, 2.0, 3.5, 2.0, 2.5, 1.0]
    assert second[1] - first[1] == -0.9999999999999996  # the noise a mean over epochs leaves
    exact = [-1.0, -1.0, 2.0, -3.0, 1.5, -2.5, -0.5, -4.0]
    assert wilcoxon_signed_rank(first, second) == pytest.approx(stats.wilcoxon(exact).pvalue)
    assert stats.wilcoxon(np.subtract(second, first)).pvalue != pytest.approx(stats.wilcoxon(exact).pvalue)
