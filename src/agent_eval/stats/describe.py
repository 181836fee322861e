"""Descriptive figures of one sample: percentiles."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def percentiles(values: Sequence[float], points: Sequence[float] = (50, 90, 99)) -> dict[int, float]:
    """Linear-interpolated percentiles keyed by the integer point (empty input → empty dict)."""
    if not values:
        return {}
    found = np.percentile(np.asarray(values, dtype=float), list(points))
    return {int(p): float(v) for p, v in zip(points, found, strict=True)}
