"""Confidence intervals: the Interval value and Wilson's interval for proportions (no scipy import)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist


@dataclass(frozen=True)
class Interval:
    """A point estimate with a two-sided confidence interval."""

    estimate: float
    low: float
    high: float
    confidence: float


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for `successes` out of `n` trials at the given two-sided confidence.

    Stays inside [0, 1] and behaves at 0 and n successes, unlike the normal approximation.
    `n == 0` gives the uninformative (0.0, 1.0). Raises ValueError for impossible counts or confidence.
    """
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"wilson: need 0 <= successes <= n, got successes={successes}, n={n}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"wilson: confidence must be in (0, 1), got {confidence}")
    if n == 0:
        return 0.0, 1.0
    return wilson_from_rate(successes / n, n, confidence)


def wilson_from_rate(rate: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of an observed `rate` over `n` trials, where `n` may be an effective
    (non-integer) sample size. `rate` 0 or 1 pins that bound; `n <= 0` gives the uninformative (0.0, 1.0)."""
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"wilson: rate must be in [0, 1], got {rate}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"wilson: confidence must be in (0, 1), got {confidence}")
    if n <= 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf(1.0 - (1.0 - confidence) / 2.0)  # stdlib: scipy.stats costs seconds to import
    denominator = 1.0 + z * z / n
    centre = (rate + z * z / (2.0 * n)) / denominator
    half_width = z * math.sqrt(rate * (1.0 - rate) / n + z * z / (4.0 * n * n)) / denominator
    lower = 0.0 if rate == 0.0 else max(0.0, centre - half_width)
    upper = 1.0 if rate == 1.0 else min(1.0, centre + half_width)
    return lower, upper
