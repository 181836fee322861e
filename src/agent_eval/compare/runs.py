"""Paired comparison of two runs: per metric, what changed, which scenarios flipped, and is it noise.

Results pair by (scenario_id, epoch), but the scenario is the unit tested: its epochs are not independent.
Binary metrics (routing, standards, each check) use McNemar's exact test on the scenarios that got worse
or better (by the sign of their summed change over epochs; with one epoch, the discordant pairs); the
judge's mean score uses each scenario's mean over its epochs, a paired bootstrap interval of the difference
and the Wilcoxon signed-rank test. p-values are Holm-adjusted across every metric of the comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from agent_eval.compare.outcomes import Outcomes, PairKey, collect_outcomes, metric_order
from agent_eval.stats.intervals import Interval
from agent_eval.stats.multiple import holm
from agent_eval.stats.paired import mcnemar_exact, paired_bootstrap_mean_diff, wilcoxon_signed_rank
from agent_eval.stats.power import mde_paired_binary
from agent_eval.store.db import Store
from agent_eval.store.model import RunInfo

Direction = Literal["two-sided", "regression"]
JUDGE_SCALE = 4.0  # judge scores run 1–5: a difference divided by 4 is a share of the scale


@dataclass(frozen=True)
class BinaryChange:
    """A pass/fail metric over the pairs where both runs have it. `lost`: passed in A, failed in B.

    The test counts scenarios: `worse` and `better` of the `scenarios` shared ones (equal to the lost and
    gained pairs with one epoch)."""

    metric: str
    n: int
    rate_a: float
    rate_b: float
    lost: tuple[PairKey, ...]
    gained: tuple[PairKey, ...]
    p_value: float
    p_holm: float
    mde: float | None
    scenarios: int
    worse: int
    better: int

    @property
    def difference(self) -> float:
        return self.rate_b - self.rate_a

    def tested_label(self) -> str:
        """What McNemar's test counted, e.g. "15 lost, 0 gained of 100 pairs", or with epochs
        "4 scenarios worse, 1 better of 20 (pairs: 9 lost, 2 gained of 100)"."""
        pairs = f"{len(self.lost)} lost, {len(self.gained)} gained of {self.n} pairs"
        if self.scenarios == self.n:
            return pairs
        return f"{self.worse} scenarios worse, {self.better} better of {self.scenarios} (pairs: {pairs})"

    def as_dict(self, alpha: float) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "n": self.n,
            "scenarios": self.scenarios,
            "worse": self.worse,
            "better": self.better,
            "rate_a": self.rate_a,
            "rate_b": self.rate_b,
            "difference": self.difference,
            "lost": len(self.lost),
            "gained": len(self.gained),
            "p_value": self.p_value,
            "p_holm": self.p_holm,
            "significant": self.p_holm < alpha,
            "mde": self.mde,
            "flipped": {"lost": [_pair(k) for k in self.lost], "gained": [_pair(k) for k in self.gained]},
        }


@dataclass(frozen=True)
class ScoreChange:
    """A mean score (1–5) over the scenarios where both runs have it (each scenario's mean over its epochs);
    `difference` is mean(B − A)."""

    metric: str
    n: int
    mean_a: float
    mean_b: float
    difference: Interval
    p_value: float
    p_holm: float

    @property
    def scaled_difference(self) -> float:
        """The difference as a share of the 1–5 scale, comparable with a change in rate."""
        return self.difference.estimate / JUDGE_SCALE

    def as_dict(self, alpha: float) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "n": self.n,
            "mean_a": self.mean_a,
            "mean_b": self.mean_b,
            "difference": self.difference.estimate,
            "ci95": [self.difference.low, self.difference.high],
            "p_value": self.p_value,
            "p_holm": self.p_holm,
            "significant": self.p_holm < alpha,
        }


@dataclass(frozen=True)
class Comparison:
    run_a: RunInfo
    run_b: RunInfo
    alpha: float
    direction: Direction
    shared_pairs: int
    only_a: int
    only_b: int
    binary: tuple[BinaryChange, ...]
    scores: tuple[ScoreChange, ...]

    @property
    def dataset_changed(self) -> bool:
        return self.run_a.dataset_hash != self.run_b.dataset_hash

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_a": _identity(self.run_a),
            "run_b": _identity(self.run_b),
            "alpha": self.alpha,
            "test": self.direction,
            "dataset_changed": self.dataset_changed,
            "pairs": {"shared": self.shared_pairs, "only_a": self.only_a, "only_b": self.only_b},
            "binary": [change.as_dict(self.alpha) for change in self.binary],
            "scores": [change.as_dict(self.alpha) for change in self.scores],
        }


def compare_runs(
    store: Store, run_a: str, run_b: str, *, alpha: float = 0.05, direction: Direction = "two-sided"
) -> Comparison:
    """Compare stored runs A (before) and B (after). Raises LookupError naming an unknown run.

    `direction="regression"` makes every test one-sided (B worse than A), as the CI gate needs.
    """
    infos = []
    for run_id in (run_a, run_b):
        info = store.get_run(run_id)
        if info is None:
            raise LookupError(f"unknown run {run_id!r}")
        infos.append(info)
    outcomes_a = collect_outcomes(store.results(run_a))
    outcomes_b = collect_outcomes(store.results(run_b))
    binary, scores = compare_outcomes(outcomes_a, outcomes_b, alpha=alpha, direction=direction)
    keys_a, keys_b = outcomes_a.keys, outcomes_b.keys
    return Comparison(
        run_a=infos[0],
        run_b=infos[1],
        alpha=alpha,
        direction=direction,
        shared_pairs=len(keys_a & keys_b),
        only_a=len(keys_a - keys_b),
        only_b=len(keys_b - keys_a),
        binary=binary,
        scores=scores,
    )


def compare_outcomes(
    a: Outcomes, b: Outcomes, *, alpha: float = 0.05, direction: Direction = "two-sided"
) -> tuple[tuple[BinaryChange, ...], tuple[ScoreChange, ...]]:
    """Every metric present in both, tested on its shared pairs, with Holm across the whole family."""
    binary_raw = [
        _binary(name, a.binary[name], b.binary[name], alpha, direction)
        for name in sorted(a.binary.keys() & b.binary.keys(), key=metric_order)
    ]
    binary_raw = [change for change in binary_raw if change.n]
    score_raw = [
        change
        for name in sorted(a.scores.keys() & b.scores.keys(), key=metric_order)
        if (change := _score(name, a.scores[name], b.scores[name], direction)) is not None
    ]
    adjusted = holm([c.p_value for c in binary_raw] + [c.p_value for c in score_raw])
    binary = tuple(
        replace(c, p_holm=p) for c, p in zip(binary_raw, adjusted[: len(binary_raw)], strict=True)
    )
    scores = tuple(
        replace(c, p_holm=p) for c, p in zip(score_raw, adjusted[len(binary_raw) :], strict=True)
    )
    return binary, scores


def _binary(
    name: str, a: dict[PairKey, bool], b: dict[PairKey, bool], alpha: float, direction: Direction
) -> BinaryChange:
    keys = sorted(a.keys() & b.keys())
    lost = tuple(k for k in keys if a[k] and not b[k])
    gained = tuple(k for k in keys if b[k] and not a[k])
    n = len(keys)
    rate_a = sum(a[k] for k in keys) / n if n else 0.0
    rate_b = sum(b[k] for k in keys) / n if n else 0.0
    # The epochs of one scenario are not independent samples, so the test counts scenarios: each is worse
    # or better by the sign of its summed change. With one epoch this is McNemar's exact test on the pairs.
    change_by_scenario: dict[str, int] = {}
    for key in keys:
        change_by_scenario[key[0]] = change_by_scenario.get(key[0], 0) + int(b[key]) - int(a[key])
    worse = sum(1 for change in change_by_scenario.values() if change < 0)
    better = sum(1 for change in change_by_scenario.values() if change > 0)
    alternative: Literal["two-sided", "greater"] = "greater" if direction == "regression" else "two-sided"
    p_value = mcnemar_exact(worse, better, alternative=alternative)
    return BinaryChange(
        name,
        n,
        rate_a,
        rate_b,
        lost,
        gained,
        p_value,
        p_value,
        _mde(len(change_by_scenario), worse, better, alpha, direction),
        len(change_by_scenario),
        worse,
        better,
    )


def _mde(n: int, lost: int, gained: int, alpha: float, direction: Direction) -> float | None:
    """Detectable change given this pair of runs' noise: flips that cancel out (as many lost as gained)
    are what happens between runs with no real change."""
    if not n:
        return None
    return mde_paired_binary(n, 2 * min(lost, gained) / n, alpha=alpha, two_sided=direction == "two-sided")


def _score(
    name: str, a: dict[PairKey, float], b: dict[PairKey, float], direction: Direction
) -> ScoreChange | None:
    keys = sorted(a.keys() & b.keys())
    if not keys:
        return None
    # One value per scenario (the mean over its epochs): epochs of a scenario are not independent samples.
    epochs_of: dict[str, list[PairKey]] = {}
    for key in keys:
        epochs_of.setdefault(key[0], []).append(key)
    first = [sum(a[k] for k in group) / len(group) for group in epochs_of.values()]
    second = [sum(b[k] for k in group) / len(group) for group in epochs_of.values()]
    alternative: Literal["two-sided", "less"] = "less" if direction == "regression" else "two-sided"
    p_value = wilcoxon_signed_rank(first, second, alternative=alternative)
    return ScoreChange(
        name,
        len(first),
        sum(first) / len(first),
        sum(second) / len(second),
        paired_bootstrap_mean_diff(first, second),
        p_value,
        p_value,
    )


def _pair(key: PairKey) -> dict[str, Any]:
    return {"scenario_id": key[0], "epoch": key[1]}


def _identity(info: RunInfo) -> dict[str, Any]:
    return {
        "run_id": info.run_id,
        "agent": info.agent,
        "model": info.model,
        "agent_hash": info.agent_hash,
        "dataset_hash": info.dataset_hash,
        "git_commit": info.git_commit,
        "started_at": info.started_at,
        "finished": info.finished,
        "offline": info.offline,
    }
