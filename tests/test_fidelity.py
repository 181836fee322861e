"""`fidelity`: agreement of two harnesses' routing decisions, Cohen's kappa and its interval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_eval.cli.main import main
from agent_eval.compare.fidelity import FidelityError, fidelity
from agent_eval.stats.agreement import cohen_kappa, kappa_interval
from agent_eval.store.db import Store
from report_runs import routing_record, run_info, save_run


def test_kappa_matches_the_hand_computed_value() -> None:
    # observed 3/4; chance 1/2·1/4 + 1/2·3/4 = 1/2 → (0.75 − 0.5) / 0.5
    assert cohen_kappa(["a", "a", "b", "b"], ["a", "b", "b", "b"]) == pytest.approx(0.5)
    assert cohen_kappa(["a", "b", "a", "b"], ["b", "a", "b", "a"]) == pytest.approx(-1.0)
    assert cohen_kappa(["none"] * 5, ["none"] * 5) == 1.0
    interval = kappa_interval(["a", "b"] * 20, ["a", "b"] * 19 + ["b", "b"])
    assert interval.low <= interval.estimate <= interval.high <= 1.0 and interval.low < 0.95


def stored(tmp_path: Path, flips: set[int]) -> Store:
    store = Store(tmp_path)
    save_run(store, run_info("run-a"), [routing_record("run-a", i, correct=True) for i in range(12)])
    flipped = [routing_record("run-b", i, correct=i not in flips) for i in range(12)]
    save_run(store, run_info("run-b"), flipped)
    return store


def test_disagreements_are_the_scenarios_whose_decisions_differ(tmp_path: Path) -> None:
    with stored(tmp_path, {2, 7}) as store:
        result = fidelity(store, "run-a", "run-b").as_dict()
    assert (result["n"], result["agree"]) == (12, 10)
    assert result["agreement"] == pytest.approx(10 / 12)
    assert [d["scenario_id"] for d in result["disagreements"]] == ["route-0002", "route-0007"]
    assert result["ci95"][0] <= result["kappa"] <= result["ci95"][1] and result["runs"] == ["run-a", "run-b"]
    with stored(tmp_path / "x", set()) as store, pytest.raises(FidelityError, match="no stored run"):
        fidelity(store, "run-a", "missing")


def test_fidelity_command_json_shape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AGENT_EVAL_HOME", str(tmp_path))
    stored(tmp_path, {5}).close()
    assert main(["fidelity", "--agent", "backend-developer", "--runs", "run-a", "run-b", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"n", "agree", "agreement", "kappa", "ci95", "runs", "disagreements"}
    assert printed["disagreements"][0]["scenario_id"] == "route-0005"
    assert main(["fidelity", "--agent", "backend-developer", "--harness", "builtin"]) == 2
