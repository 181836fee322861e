"""Minimum detectable effect of a paired binary comparison (how small a change a suite can see)."""

from __future__ import annotations

import math

from scipy import optimize, stats


def mde_paired_binary(
    n: int, discordance: float, *, alpha: float = 0.05, power: float = 0.8, two_sided: bool = True
) -> float | None:
    """Smallest difference in pass rate that a McNemar test on `n` pairs detects with the given power.

    Uses Connor's (1987) normal approximation for McNemar's test: with ψ the expected share of discordant
    pairs and δ the difference in pass rates, the required number of pairs is
    n = (z_α·√ψ + z_β·√(ψ − δ²))² / δ². We solve it for δ in (0, ψ]. `discordance` is ψ (callers plug in
    the observed share, or a planning guess). Returns None when no δ ≤ ψ reaches the power: too few
    discordant pairs are expected for any change to be detectable.
    """
    if n <= 0 or not 0.0 < discordance <= 1.0:
        return None
    z_alpha = float(stats.norm.ppf(1.0 - (alpha / 2.0 if two_sided else alpha)))
    z_beta = float(stats.norm.ppf(power))

    def shortfall(delta: float) -> float:
        needed = (z_alpha * math.sqrt(discordance) + z_beta * math.sqrt(discordance - delta**2)) ** 2
        return n * delta**2 - needed

    if shortfall(discordance) < 0:
        return None
    return float(optimize.brentq(shortfall, 1e-12, discordance))
