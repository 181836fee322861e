"""Paired tests of two runs over the same (scenario, epoch) pairs: McNemar, bootstrap, Wilcoxon."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

from agent_eval.stats.intervals import Interval

Alternative = Literal["two-sided", "greater", "less"]

# Resamples are drawn in blocks so memory stays bounded for large suites (5,000 pairs × 10,000 resamples).
_BOOTSTRAP_BLOCK = 500
# Differences are rounded to this many decimals before ranking: means over epochs make float noise
# (-1.0 against -0.9999999999999996) that would otherwise break a tie and change the ranks.
_RANK_DECIMALS = 9


def mcnemar_exact(lost: int, gained: int, alternative: Alternative = "two-sided") -> float:
    """Exact McNemar p-value from the discordant pairs of a paired binary outcome.

    `lost` counts pairs that passed in the first run and failed in the second, `gained` the reverse.
    Under the null hypothesis each discordant pair is equally likely to fall either way, so `lost` is
    Binomial(lost + gained, 1/2). `alternative="greater"` tests that the second run loses more than it
    gains (a regression); "less" the opposite. No discordant pairs gives p = 1.
    """
    if lost < 0 or gained < 0:
        raise ValueError("discordant counts must be non-negative")
    discordant = lost + gained
    if discordant == 0:
        return 1.0
    return float(stats.binomtest(lost, discordant, 0.5, alternative=alternative).pvalue)


def paired_bootstrap_mean_diff(
    first: Sequence[float],
    second: Sequence[float],
    *,
    confidence: float = 0.95,
    resamples: int = 10_000,
    seed: int = 0,
) -> Interval:
    """Percentile bootstrap interval of mean(second − first), resampling pairs (seeded, reproducible)."""
    diffs = _differences(first, second)
    if diffs.size == 0:
        raise ValueError("no pairs to bootstrap")
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    for start in range(0, resamples, _BOOTSTRAP_BLOCK):
        stop = min(start + _BOOTSTRAP_BLOCK, resamples)
        picks = rng.integers(0, diffs.size, size=(stop - start, diffs.size))
        means[start:stop] = diffs[picks].mean(axis=1)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return Interval(float(diffs.mean()), float(low), float(high), confidence)


def wilcoxon_signed_rank(
    first: Sequence[float], second: Sequence[float], alternative: Alternative = "two-sided"
) -> float:
    """Wilcoxon signed-rank p-value for second − first (zero differences dropped; none left gives p = 1).

    `alternative="less"` tests that the second run scores lower than the first. Differences equal up to
    float noise are tied.
    """
    diffs = np.round(_differences(first, second), _RANK_DECIMALS)
    nonzero = diffs[diffs != 0]
    if nonzero.size == 0:
        return 1.0
    return float(stats.wilcoxon(nonzero, alternative=alternative).pvalue)


def _differences(first: Sequence[float], second: Sequence[float]) -> npt.NDArray[np.float64]:
    if len(first) != len(second):
        raise ValueError(f"paired samples differ in length: {len(first)} vs {len(second)}")
    later: npt.NDArray[np.float64] = np.asarray(second, dtype=np.float64)
    return later - np.asarray(first, dtype=np.float64)
