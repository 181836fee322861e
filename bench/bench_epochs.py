"""Bench: intervals with epochs. Prints figures, asserts nothing.

1. A deterministic router (38 of 51 scenarios right) with 1, 5 and 400 identical epochs: the clustered
   interval (what the report shows) against the old one that counted every result as independent.
2. Five varied epochs: each scenario has its own pass probability (Beta-distributed), so epochs disagree.
   For one such run: the clustered interval, the scenario-level percentile bootstrap, and the old interval.
   Over many simulated runs: how often each interval covers the true mean pass probability (target 95%).

Usage: .venv/bin/python bench/bench_epochs.py [--scenarios N] [--epochs K] [--runs R] [--seed S]
"""

from __future__ import annotations

import argparse

import numpy as np

from agent_eval.stats.clustered import Rate
from agent_eval.stats.intervals import wilson


def pct(interval: tuple[float, float]) -> str:
    low, high = interval
    return f"{low:6.1%}–{high:6.1%} (width {high - low:5.1%})"


def outcomes(passes: np.ndarray) -> list[tuple[int, bool]]:
    """passes[scenario, epoch] → (scenario, passed) pairs."""
    return [(s, bool(p)) for s in range(passes.shape[0]) for p in passes[s]]


def bootstrap(passes: np.ndarray, rng: np.random.Generator, resamples: int = 10_000) -> tuple[float, float]:
    """Percentile interval of the pass rate, resampling whole scenarios (all their epochs together)."""
    per_scenario = passes.sum(axis=1)
    epochs = passes.shape[1]
    picks = rng.integers(0, passes.shape[0], size=(resamples, passes.shape[0]))
    rates = per_scenario[picks].sum(axis=1) / (passes.shape[0] * epochs)
    low, high = np.quantile(rates, [0.025, 0.975])
    return float(low), float(high)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scenarios", type=int, default=51)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    print("1. Identical epochs (a deterministic router, 38 of 51 scenarios right)")
    right = np.array([1] * 38 + [0] * 13)
    for epochs in (1, 5, 400):
        passes = np.repeat(right[:, None], epochs, axis=1)
        rate = Rate.clustered(outcomes(passes))
        old = wilson(int(passes.sum()), passes.size)
        print(
            f"   {epochs:>3} epoch(s): {rate.rate:.1%}  clustered {pct(rate.ci95)} n_eff={rate.effective_n:g}"
            f"   old (results independent) {pct(old)}"
        )

    print(f"\n2. Varied epochs ({args.scenarios} scenarios × {args.epochs} epochs, p_i ~ Beta(2, 0.8))")
    probabilities = rng.beta(2.0, 0.8, args.scenarios)
    passes = rng.random((args.scenarios, args.epochs)) < probabilities[:, None]
    rate = Rate.clustered(outcomes(passes))
    print(f"   one run: {rate.rate:.1%}, n_eff={rate.effective_n:.1f} of {passes.size} results")
    print(f"   clustered (report)        {pct(rate.ci95)}")
    print(f"   scenario-level bootstrap  {pct(bootstrap(passes, rng))}")
    print(f"   old (results independent) {pct(wilson(int(passes.sum()), passes.size))}")

    covered = {"clustered": 0, "bootstrap": 0, "old": 0}
    widths: dict[str, list[float]] = {name: [] for name in covered}
    for _ in range(args.runs):
        probabilities = rng.beta(2.0, 0.8, args.scenarios)
        truth = 2.0 / 2.8  # the population mean pass probability the interval should cover
        passes = rng.random((args.scenarios, args.epochs)) < probabilities[:, None]
        intervals = {
            "clustered": Rate.clustered(outcomes(passes)).ci95,
            "bootstrap": bootstrap(passes, rng, 1000),
            "old": wilson(int(passes.sum()), passes.size),
        }
        for name, (low, high) in intervals.items():
            covered[name] += low <= truth <= high
            widths[name].append(high - low)
    print(f"   coverage over {args.runs} simulated runs (target 95%), mean width:")
    for name in covered:
        print(f"     {name:<10} {covered[name] / args.runs:6.1%}  width {np.mean(widths[name]):5.1%}")


if __name__ == "__main__":
    main()
