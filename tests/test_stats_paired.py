"""Paired statistics agree with scipy computed by hand, and behave at the edges."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from agent_eval.stats.clustered import clustered_mean_interval
from agent_eval.stats.describe import percentiles
from agent_eval.stats.multiple import holm
from agent_eval.stats.paired import mcnemar_exact, paired_bootstrap_mean_diff, wilcoxon_signed_rank
from agent_eval.stats.power import mde_paired_binary


def test_mcnemar_is_the_binomial_test_on_discordant_pairs() -> None:
    assert mcnemar_exact(15, 0) == pytest.approx(stats.binomtest(15, 15, 0.5).pvalue)
    assert mcnemar_exact(15, 0) == pytest.approx(2 * 0.5**15)
    assert mcnemar_exact(9, 3, alternative="greater") == pytest.approx(
        stats.binomtest(9, 12, 0.5, alternative="greater").pvalue
    )
    assert mcnemar_exact(1, 0) == pytest.approx(1.0)


def test_mcnemar_without_discordant_pairs_is_no_evidence() -> None:
    assert mcnemar_exact(0, 0) == 1.0
    with pytest.raises(ValueError):
        mcnemar_exact(-1, 2)


def test_bootstrap_is_seeded_and_brackets_the_mean_difference() -> None:
    rng = np.random.default_rng(3)
    first = rng.integers(1, 6, 200).tolist()
    second = [min(5, x + int(rng.random() < 0.4)) for x in first]
    interval = paired_bootstrap_mean_diff(first, second, resamples=2000, seed=11)
    again = paired_bootstrap_mean_diff(first, second, resamples=2000, seed=11)
    assert interval == again
    assert interval.estimate == pytest.approx(np.mean(np.subtract(second, first)))
    assert 0 < interval.low < interval.estimate < interval.high


def test_bootstrap_rejects_unpaired_input() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        paired_bootstrap_mean_diff([1, 2], [1])


def test_wilcoxon_matches_scipy_and_handles_no_change() -> None:
    first = [3, 4, 2, 5, 4, 3, 3, 2, 4, 5, 1, 3]
    second = [4, 4, 3, 5, 5, 4, 2, 3, 5, 5, 2, 4]
    diffs = [b - a for a, b in zip(first, second, strict=True) if b != a]
    assert wilcoxon_signed_rank(first, second) == pytest.approx(stats.wilcoxon(diffs).pvalue)
    assert wilcoxon_signed_rank(first, second, alternative="less") == pytest.approx(
        stats.wilcoxon(diffs, alternative="less").pvalue
    )
    assert wilcoxon_signed_rank([3, 3], [3, 3]) == 1.0


def test_holm_adjusts_step_down_and_keeps_order() -> None:
    assert holm([0.01, 0.04, 0.03, 0.2]) == pytest.approx([0.04, 0.09, 0.09, 0.2])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert holm([]) == []


def test_mde_shrinks_with_sample_size_and_solves_connor_formula() -> None:
    small = mde_paired_binary(100, 0.1)
    large = mde_paired_binary(1000, 0.1)
    assert small is not None and large is not None
    assert large < small
    z_alpha, z_beta = stats.norm.ppf(0.975), stats.norm.ppf(0.8)
    discordance = 0.1 + small
    needed = (z_alpha * math.sqrt(discordance) + z_beta * math.sqrt(discordance - small**2)) ** 2 / small**2
    assert needed == pytest.approx(100, rel=1e-6)


def test_mde_grows_with_run_to_run_noise() -> None:
    quiet = mde_paired_binary(100, 0.0)
    noisy = mde_paired_binary(100, 0.2)
    assert quiet is not None and noisy is not None
    assert quiet < noisy


def test_mde_is_none_for_a_handful_of_pairs() -> None:
    assert mde_paired_binary(3, 0.0) is None
    assert mde_paired_binary(0, 0.2) is None


def test_mean_interval_with_one_value_per_scenario_is_the_t_interval() -> None:
    values = [2.0, 3.0, 4.0, 4.0, 5.0]
    interval = clustered_mean_interval([[v] for v in values])
    low, high = stats.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=stats.sem(values))
    assert (interval.low, interval.high) == pytest.approx((low, high))
    assert clustered_mean_interval([[4.0]]).low == 4.0


def test_percentiles_interpolate() -> None:
    assert percentiles([1.0, 2.0, 3.0, 4.0, 5.0]) == pytest.approx({50: 3.0, 90: 4.6, 99: 4.96})
    assert percentiles([]) == {}
