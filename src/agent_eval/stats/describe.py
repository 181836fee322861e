"""Descriptive estimates of one sample: a mean with its t interval, and percentiles."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from agent_eval.stats.intervals import Interval


def mean_interval(values: Sequence[float], confidence: float = 0.95) -> Interval:
    """Sample mean with a Student-t interval (degenerate interval at the mean for n < 2 or zero spread)."""
    if not values:
        raise ValueError("no values")
    sample = np.asarray(values, dtype=float)
    mean = float(sample.mean())
    spread = float(sample.std(ddof=1)) if sample.size > 1 else 0.0
    if spread == 0.0:
        return Interval(mean, mean, mean, confidence)
    from scipy.special import stdtrit  # here, not at import: a report without judge scores never needs it

    half = float(stdtrit(sample.size - 1, (1.0 + confidence) / 2.0)) * spread / math.sqrt(sample.size)
    return Interval(mean, mean - half, mean + half, confidence)


def percentiles(values: Sequence[float], points: Sequence[float] = (50, 90, 99)) -> dict[int, float]:
    """Linear-interpolated percentiles keyed by the integer point (empty input → empty dict)."""
    if not values:
        return {}
    found = np.percentile(np.asarray(values, dtype=float), list(points))
    return {int(p): float(v) for p, v in zip(points, found, strict=True)}
