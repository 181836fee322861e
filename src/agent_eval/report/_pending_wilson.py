"""Temporary stand-in for agent_eval.stats.intervals.wilson until the graders stage lands it (to delete)."""

from __future__ import annotations

import math

from scipy import stats


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    z = float(stats.norm.ppf((1 + confidence) / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)
