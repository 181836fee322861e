"""Minimum detectable effect of a paired binary comparison (how small a change a suite can see)."""

from __future__ import annotations

import math

from scipy import optimize, stats


def mde_paired_binary(
    n: int, noise_discordance: float = 0.0, *, alpha: float = 0.05, power: float = 0.8, two_sided: bool = True
) -> float | None:
    """Smallest difference in pass rate that McNemar's test on `n` pairs detects with the given power.

    Connor's (1987) normal approximation: with ψ the share of discordant pairs and δ the difference in
    pass rates, McNemar needs n = (z_α·√ψ + z_β·√(ψ − δ²))² / δ² pairs. A real change of δ flips at least
    δ of the pairs on top of the flips that happen with no change at all (sampling noise between runs),
    so we set ψ = ψ₀ + δ with ψ₀ = `noise_discordance`, and solve for δ. Returns None when even a change
    of every pair is undetectable (a handful of pairs).
    """
    if n <= 0 or not 0.0 <= noise_discordance < 1.0:
        return None
    z_alpha = float(stats.norm.ppf(1.0 - (alpha / 2.0 if two_sided else alpha)))
    z_beta = float(stats.norm.ppf(power))

    def shortfall(delta: float) -> float:
        discordance = noise_discordance + delta
        needed = (z_alpha * math.sqrt(discordance) + z_beta * math.sqrt(discordance - delta**2)) ** 2
        return n * delta**2 - needed

    largest = 1.0 - noise_discordance
    if shortfall(largest) < 0:
        return None
    return float(optimize.brentq(shortfall, 1e-12, largest))
