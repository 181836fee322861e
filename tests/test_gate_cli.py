"""gate: thresholds, significant-and-large drops against a baseline, refusals, JUnit and step summary."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from scipy import stats

from agent_eval.cli.main import main
from report_runs import flips, isolated_store, routing_run, run_info, save_run, standards_record

BASE = [True] * 90 + [False] * 10


def gate_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main(["gate", *argv, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def rule(result: dict[str, object], name: str) -> dict[str, str]:
    rules = result["rules"]
    assert isinstance(rules, list)
    return next(r for r in rules if r["rule"] == name)


def test_fifteen_more_misroutes_fails_the_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    routing_run(store, "base", BASE)
    routing_run(store, "pr", flips(BASE, 15))
    code, result = gate_json(capsys, "pr", "--baseline", "base", "--min-routing-accuracy", "0")
    assert code == 1 and result["passed"] is False
    drop = rule(result, "routing vs baseline")
    assert drop["status"] == "fail"
    p_by_hand = stats.binomtest(15, 15, 0.5, alternative="greater").pvalue
    assert p_by_hand < 0.01
    assert f"p={p_by_hand:.3g}" in drop["message"]
    assert "a drop of 15.0 points" in drop["message"]


def test_one_flip_passes_the_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    routing_run(store, "base", BASE)
    routing_run(store, "pr", flips(BASE, 1))
    code, result = gate_json(capsys, "pr", "--baseline", "base")
    assert code == 0 and result["passed"] is True
    assert "not significant" in rule(result, "routing vs baseline")["message"]
    assert rule(result, "routing accuracy ≥ 80%")["status"] == "pass"


def test_significant_drop_within_max_drop_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    routing_run(store, "base", BASE)
    routing_run(store, "pr", flips(BASE, 15))
    code, result = gate_json(
        capsys, "pr", "--baseline", "base", "--max-drop", "0.2", "--min-routing-accuracy", "0"
    )
    assert code == 0
    assert "within the allowed drop" in rule(result, "routing vs baseline")["message"]


def test_thresholds_say_which_rule_failed_and_by_how_much(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    routing_run(store, "run", [True] * 72 + [False] * 28)
    code = main(["gate", "run", "--min-routing-accuracy", "0.8"])
    out = capsys.readouterr().out
    assert code == 1
    assert (
        "FAIL  routing accuracy ≥ 80%: routing accuracy 72% (n=100, 95% CI 63–80%) is 8.0 points below" in out
    )
    assert "SKIP  standards pass rate" in out
    assert out.strip().endswith("gate FAILED: 1 rule(s) failed")


def test_thresholds_come_from_the_eval_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    (tmp_path / "evals").mkdir()
    (tmp_path / "evals" / "backend-developer.yaml").write_text(
        "agent: backend-developer\nthresholds:\n  pass_rate_min: 0.5\n  judge_mean_min: 4.5\n"
        "  check_pass_rate_min:\n    zod-validation: 0.9\n"
    )
    records = [
        standards_record("run", i, {"zod-validation": "pass" if i % 4 else "fail"}, judge_scores=(4, 4))
        for i in range(20)
    ]
    save_run(store, run_info("run"), records)
    code, result = gate_json(capsys, "run")
    assert code == 1
    assert rule(result, "standards pass rate ≥ 50%")["status"] == "pass"
    assert rule(result, "zod-validation pass rate ≥ 90%")["status"] == "fail"
    assert rule(result, "judge mean ≥ 4.50")["status"] == "fail"
    code, result = gate_json(capsys, "run", "--min-judge-mean", "3")
    assert rule(result, "judge mean ≥ 3.00")["status"] == "pass"


@pytest.mark.parametrize(
    ("run_kwargs", "baseline_kwargs", "message"),
    [
        ({"offline": True}, {}, "offline run"),
        ({}, {"offline": True}, "offline run"),
        ({"status": "running"}, {}, "not finished"),
        ({}, {"status": "interrupted"}, "not finished"),
        ({"dataset_hash": "e" * 64}, {}, "--allow-dataset-change"),
    ],
)
def test_refuses_runs_that_cannot_gate(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    run_kwargs: dict[str, object],
    baseline_kwargs: dict[str, object],
    message: str,
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    routing_run(store, "base", BASE, **baseline_kwargs)
    routing_run(store, "pr", BASE, **run_kwargs)
    assert main(["gate", "pr", "--baseline", "base"]) == 2
    assert message in capsys.readouterr().err


def test_dataset_change_allowed_on_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    routing_run(store, "base", BASE)
    routing_run(store, "pr", BASE, dataset_hash="e" * 64)
    assert main(["gate", "pr", "--baseline", "base", "--allow-dataset-change"]) == 0


def test_unknown_runs_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    routing_run(store, "pr", BASE)
    assert main(["gate", "missing"]) == 2
    assert main(["gate", "pr", "--baseline", "missing"]) == 2
    assert "unknown baseline run 'missing'" in capsys.readouterr().err


def test_latest_baseline_is_the_newest_other_finished_online_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    routing_run(store, "old", BASE, started_at="2026-11-01T00:00:00+00:00")
    routing_run(store, "main", BASE, started_at="2026-11-02T00:00:00+00:00")
    routing_run(store, "offline", BASE, offline=True, started_at="2026-11-03T00:00:00+00:00")
    routing_run(store, "pr", flips(BASE, 15), started_at="2026-11-04T00:00:00+00:00")
    code, result = gate_json(capsys, "pr", "--baseline", "latest", "--min-routing-accuracy", "0")
    assert result["baseline"] == "main" and code == 1


def test_junit_and_step_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    routing_run(store, "base", BASE)
    routing_run(store, "pr", flips(BASE, 15))
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["gate", "pr", "--baseline", "base", "--junit", "out/gate.xml"]) == 1
    root = ET.parse(tmp_path / "out" / "gate.xml").getroot()
    suite = root.find("testsuite")
    assert suite is not None
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    failed = cases["routing vs baseline"].find("failure")
    assert failed is not None and "15 lost, 0 gained" in (failed.get("message") or "")
    assert cases["standards pass rate ≥ 70%"].find("skipped") is not None
    assert suite.get("failures") == "2"  # the drop, and 75% below the default 80% minimum
    text = summary.read_text()
    assert text.startswith("earlier step\n## agent-eval gate FAILED (2 rule(s))")
    assert "| ❌ | routing vs baseline |" in text


def test_the_gate_tests_the_judge_mean_not_each_criterion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    checks = {"zod-validation": "pass"}
    save_run(
        store, run_info("base"), [standards_record("base", i, checks, judge_scores=(4, 4)) for i in range(20)]
    )
    save_run(
        store, run_info("pr"), [standards_record("pr", i, checks, judge_scores=(4, 3)) for i in range(20)]
    )
    code, result = gate_json(capsys, "pr", "--baseline", "base", "--min-judge-mean", "1")
    names = [r["rule"] for r in result["rules"]]
    assert code == 1  # the mean fell from 4.0 to 3.5 on every scenario: significant and past max-drop
    assert [r["rule"] for r in result["rules"] if r["status"] == "fail"] == ["judge vs baseline"]
    assert not any("criterion" in name for name in names)
