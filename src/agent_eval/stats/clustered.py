"""Estimates that treat the scenario as the unit: the epochs of one scenario are repeated measures of it,
not independent samples, so identical epochs add no certainty.

A rate over scenarios × epochs gets Wilson's interval on the effective sample size: the number of results
divided by the design effect, the cluster-robust variance of the rate over the variance it would have if
every result were independent. One epoch per scenario gives a design effect of 1 (plain Wilson on the
results); k identical epochs give k (Wilson on the scenarios). A mean gets a Student-t interval on the
cluster-robust standard error with one degree of freedom fewer than the number of scenarios, which is the
ordinary t interval when each scenario has one value.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from agent_eval.stats.intervals import Interval, wilson, wilson_from_rate


@dataclass(frozen=True)
class Rate:
    """`count` successes out of `n` results from `scenarios` scenarios, with its 95% interval; rate is 0.0
    when n is 0. `effective_n` is the number of independent results the interval is worth."""

    count: int
    n: int
    rate: float
    ci95: tuple[float, float]
    scenarios: int
    effective_n: float

    @classmethod
    def of(cls, count: int, n: int) -> Rate:
        """Plain Wilson: each of the `n` results is its own scenario."""
        return cls(count, n, count / n if n else 0.0, wilson(count, n), n, float(n))

    @classmethod
    def clustered(cls, outcomes: Iterable[tuple[Hashable, bool]]) -> Rate:
        """(scenario, passed) outcomes, with Wilson's interval on the effective sample size."""
        clusters = group_by_scenario(outcomes)
        count = sum(successes for successes, _ in clusters)
        n = sum(size for _, size in clusters)
        rate = count / n if n else 0.0
        effective = effective_sample_size(clusters)
        return cls(count, n, rate, wilson_from_rate(rate, effective), len(clusters), effective)


def group_by_scenario(outcomes: Iterable[tuple[Hashable, bool]]) -> list[tuple[int, int]]:
    """(scenario, passed) pairs → one (successes, results) per scenario, in first-seen order."""
    tallies: dict[Hashable, list[int]] = {}
    for scenario, passed in outcomes:
        tally = tallies.setdefault(scenario, [0, 0])
        tally[0] += int(passed)
        tally[1] += 1
    return [(successes, results) for successes, results in tallies.values()]


def effective_sample_size(clusters: Sequence[tuple[int, int]]) -> float:
    """Results divided by the design effect of their clustering (see the module docstring).

    A rate of 0 or 1 has no variance to compare, and nothing shows the epochs to be independent, so it
    counts the scenarios. Never more than the number of results: repeats cannot be worth more than
    independent trials.
    """
    results = sum(size for _, size in clusters)
    if all(size == 1 for _, size in clusters):  # independent results: exactly plain Wilson
        return float(results)
    rate = sum(successes for successes, _ in clusters) / results
    independent = rate * (1.0 - rate) / results
    if independent == 0.0:
        return float(len(clusters))
    clustered = sum((successes - rate * size) ** 2 for successes, size in clusters) / results**2
    if clustered == 0.0:  # every scenario sits exactly at the overall rate: as good as independent
        return float(results)
    # Rounded so that k identical epochs give exactly the scenario count, not a float-noise neighbour.
    return min(float(results), round(results * independent / clustered, 9))


def clustered_mean_interval(per_scenario: Iterable[Sequence[float]], confidence: float = 0.95) -> Interval:
    """Mean over every value, with a t interval on the cluster-robust (CR1) standard error.

    `per_scenario` holds each scenario's values (one per epoch). Degenerate at the mean with fewer than two
    scenarios or no spread between them.
    """
    groups = [np.asarray(group, dtype=float) for group in per_scenario if len(group)]
    if not groups:
        raise ValueError("no values")
    total = sum(group.size for group in groups)
    mean = float(sum(group.sum() for group in groups)) / total
    scenarios = len(groups)
    residuals = np.array([group.sum() - mean * group.size for group in groups])
    variance = float((residuals**2).sum()) / total**2 * scenarios / (scenarios - 1) if scenarios > 1 else 0.0
    if variance <= 1e-24:  # float noise of identical values
        return Interval(mean, mean, mean, confidence)
    from scipy.special import stdtrit  # here, not at import: a report without judge scores never needs it

    half = float(stdtrit(scenarios - 1, (1.0 + confidence) / 2.0)) * math.sqrt(variance)
    return Interval(mean, mean - half, mean + half, confidence)
