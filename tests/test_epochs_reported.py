"""With epochs, the report, the gate and compare count scenarios: identical epochs add no certainty, and
compare prints the scenario counts its test used beside the per-pair flips."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_eval.compare.gate import gate_run
from agent_eval.compare.outcomes import collect_outcomes
from agent_eval.compare.runs import compare_outcomes
from agent_eval.config import Thresholds
from agent_eval.report.html import write_report
from agent_eval.run.summary import rate_label, summarize_run
from agent_eval.stats.intervals import wilson
from report_runs import isolated_store, routing_record, run_info, save_run

CORRECT = [i % 4 != 0 for i in range(40)]  # 30 of 40 scenarios routed right, in every epoch


def test_identical_epochs_report_the_interval_of_one_epoch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    for run_id, epochs in (("one", 1), ("five", 5)):
        records = [
            routing_record(run_id, i, ok, epoch=epoch)
            for epoch in range(1, epochs + 1)
            for i, ok in enumerate(CORRECT)
        ]
        save_run(store, run_info(run_id), records)
    one = summarize_run(store, "one")[0].routing
    five = summarize_run(store, "five")[0].routing
    assert one is not None and five is not None
    assert one.accuracy.ci95 == wilson(30, 40)
    assert five.accuracy.ci95 == pytest.approx(one.accuracy.ci95, abs=1e-12)
    assert rate_label(five.accuracy) == "75% (n=40 scenarios, 200 results, 95% CI 60–86%)"
    page = write_report(store, "five", tmp_path / "five.html").read_text()
    assert "n=40 scenarios, 200 results, 95% CI 60–86%" in page
    gate = gate_run(store, "five", baseline_id=None, thresholds=Thresholds(routing_accuracy_min=0.9))
    assert any("n=40 scenarios, 200 results" in rule.message for rule in gate.rules)


def test_compare_prints_the_scenarios_it_tested(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = [routing_record("a", i, True, epoch=e) for e in (1, 2, 3) for i in range(10)]
    # Scenario 0 fails in all three epochs; scenario 1 in one epoch only and gains nothing back.
    after = [
        routing_record("b", i, not (i == 0 or (i == 1 and e == 2)), epoch=e)
        for e in (1, 2, 3)
        for i in range(10)
    ]
    (change,), _ = compare_outcomes(collect_outcomes(before), collect_outcomes(after))
    assert (len(change.lost), change.n, change.worse, change.better, change.scenarios) == (4, 30, 2, 0, 10)
    assert change.tested_label() == "2 scenarios worse, 0 better of 10 (pairs: 4 lost, 0 gained of 30 pairs)"
    one_epoch = [r for r in after if r.epoch == 1]
    (single,), _ = compare_outcomes(
        collect_outcomes([r for r in before if r.epoch == 1]), collect_outcomes(one_epoch)
    )
    assert single.tested_label() == "1 lost, 0 gained of 10 pairs"
