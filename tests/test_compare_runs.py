"""compare: pairing, McNemar on misroutes, judge score tests, flipped scenarios, JSON and HTML output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scipy import stats

from agent_eval.cli.main import main
from agent_eval.compare.runs import compare_runs
from agent_eval.stats.multiple import holm
from report_runs import (
    flips,
    isolated_store,
    routing_record,
    routing_run,
    run_info,
    save_run,
    standards_record,
)

BASE = [True] * 90 + [False] * 10


def test_fifteen_more_misroutes_is_significant_and_matches_scipy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    routing_run(store, "a", BASE)
    routing_run(store, "b", flips(BASE, 15))
    routing = compare_runs(store, "a", "b").binary[0]
    assert routing.metric == "routing"
    assert (routing.n, len(routing.lost), len(routing.gained)) == (100, 15, 0)
    assert routing.rate_a == pytest.approx(0.90) and routing.rate_b == pytest.approx(0.75)
    by_hand = stats.binomtest(15, 15, 0.5, alternative="two-sided").pvalue
    assert routing.p_value == pytest.approx(by_hand)
    assert routing.p_value < 0.01
    assert [key[0] for key in routing.lost] == [f"route-{i:04d}" for i in range(15)]


def test_one_flip_is_noise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    routing_run(store, "a", BASE)
    routing_run(store, "b", flips(BASE, 1))
    routing = compare_runs(store, "a", "b").binary[0]
    assert routing.p_value == pytest.approx(stats.binomtest(1, 1, 0.5).pvalue)
    assert routing.p_holm >= 0.05
    assert routing.mde is not None and routing.mde > 0.01  # this suite cannot see a 1-point change


def test_gains_and_losses_both_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    routing_run(store, "a", BASE)
    after = flips(BASE, 3)
    after[95] = after[96] = True
    routing_run(store, "b", after)
    routing = compare_runs(store, "a", "b").binary[0]
    assert [k[0] for k in routing.gained] == ["route-0095", "route-0096"]
    assert routing.p_value == pytest.approx(stats.binomtest(3, 5, 0.5).pvalue)


def test_checks_and_judge_are_tested_with_holm_across_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    judge_a = [(4, 4), (5, 4), (3, 4), (4, 5), (4, 4), (5, 5), (3, 3), (4, 4), (5, 4), (4, 3)] * 3
    judge_b = [(3, 3), (4, 4), (3, 2), (4, 4), (3, 3), (5, 4), (2, 3), (4, 3), (4, 4), (3, 3)] * 3
    records_a = [
        standards_record("a", i, {"zod-validation": "pass", "rls-enabled": "pass"}, judge_scores=s)
        for i, s in enumerate(judge_a)
    ]
    records_b = [
        standards_record(
            "b", i, {"zod-validation": "fail" if i < 12 else "pass", "rls-enabled": "pass"}, judge_scores=s
        )
        for i, s in enumerate(judge_b)
    ]
    save_run(store, run_info("a"), records_a)
    save_run(store, run_info("b"), records_b)
    comparison = compare_runs(store, "a", "b")
    metrics = [c.metric for c in comparison.binary]
    assert metrics == ["standards", "check:rls-enabled", "check:zod-validation"]
    zod = comparison.binary[2]
    assert zod.p_value == pytest.approx(stats.binomtest(12, 12, 0.5).pvalue)
    judge = comparison.scores[0]
    means_a = [sum(s) / 2 for s in judge_a]
    means_b = [sum(s) / 2 for s in judge_b]
    diffs = [b - a for a, b in zip(means_a, means_b, strict=True) if b != a]
    assert judge.p_value == pytest.approx(stats.wilcoxon(diffs).pvalue)
    assert judge.difference.estimate == pytest.approx(sum(means_b) / 30 - sum(means_a) / 30)
    assert judge.difference.high < 0
    assert [c.metric for c in comparison.scores] == ["judge", "judge:criterion-0", "judge:criterion-1"]
    first = comparison.scores[1]
    first_diffs = [b[0] - a[0] for a, b in zip(judge_a, judge_b, strict=True) if b[0] != a[0]]
    assert first.p_value == pytest.approx(stats.wilcoxon(first_diffs).pvalue)
    raw = [c.p_value for c in comparison.binary] + [c.p_value for c in comparison.scores]
    adjusted = [c.p_holm for c in comparison.binary] + [c.p_holm for c in comparison.scores]
    assert adjusted == pytest.approx(holm(raw))


def test_cli_json_and_html(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    routing_run(store, "a", BASE)
    routing_run(store, "b", flips(BASE, 15))
    assert main(["compare", "a", "b", "--json", "-o", "out/compare.html"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    routing = data["binary"][0]
    assert routing["metric"] == "routing" and routing["lost"] == 15 and routing["significant"] is True
    assert routing["p_value"] == pytest.approx(stats.binomtest(15, 15, 0.5).pvalue)
    assert data["pairs"] == {"shared": 100, "only_a": 0, "only_b": 0}
    assert len(routing["flipped"]["lost"]) == 15
    page = (tmp_path / "out" / "compare.html").read_text()
    assert "route-0014" in page and "worse" in page


def test_cli_unknown_run_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    routing_run(store, "a", BASE)
    assert main(["compare", "a", "nope"]) == 2
    assert "unknown run 'nope'" in capsys.readouterr().err
    assert main(["compare", "a"]) == 2


def test_epochs_of_one_scenario_count_once_in_the_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three epochs of 4 scenarios that all got worse are 4 independent changes, not 12."""
    store = isolated_store(tmp_path, monkeypatch)
    before = [True] * 20
    after = [False] * 4 + [True] * 16
    for run_id, outcome in (("a", before), ("b", after)):
        records = [routing_record(run_id, i, ok, epoch=e) for e in (1, 2, 3) for i, ok in enumerate(outcome)]
        save_run(store, run_info(run_id), records)
    routing = compare_runs(store, "a", "b").binary[0]
    assert (routing.n, len(routing.lost)) == (60, 12)
    assert routing.p_value == pytest.approx(stats.binomtest(4, 4, 0.5).pvalue)
    assert routing.p_value > stats.binomtest(12, 12, 0.5).pvalue
