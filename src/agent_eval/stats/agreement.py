"""Agreement of two raters on the same items: Cohen's κ with a seeded bootstrap interval."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from agent_eval.stats.intervals import Interval


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float:
    """(observed − chance agreement) / (1 − chance); 1.0 when both raters give one same label throughout."""
    if len(first) != len(second) or not first:
        raise ValueError("kappa needs two equally long, non-empty label sequences")
    labels = sorted(set(first) | set(second))
    index = {label: i for i, label in enumerate(labels)}
    a = np.array([index[x] for x in first])
    b = np.array([index[x] for x in second])
    return _kappa(a, b, len(labels))


def _kappa(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], k: int) -> float:
    observed = float(np.mean(a == b))
    chance = float(np.dot(np.bincount(a, minlength=k), np.bincount(b, minlength=k))) / (a.size * a.size)
    if chance >= 1.0:
        return 1.0 if observed >= 1.0 else 0.0
    return (observed - chance) / (1.0 - chance)


def kappa_interval(
    first: Sequence[str], second: Sequence[str], *, confidence: float = 0.95, resamples: int = 5_000,
    seed: int = 0,
) -> Interval:
    """κ with a percentile bootstrap interval, resampling items (pairs of labels) with replacement."""
    estimate = cohen_kappa(first, second)
    labels = sorted(set(first) | set(second))
    index = {label: i for i, label in enumerate(labels)}
    a = np.array([index[x] for x in first])
    b = np.array([index[x] for x in second])
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, a.size, size=(resamples, a.size))
    draws = np.array([_kappa(a[p], b[p], len(labels)) for p in picks])
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(draws, [tail, 1.0 - tail])
    return Interval(estimate, float(low), float(high), confidence)
