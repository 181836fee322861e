"""load_results and `agent-eval export`/`runs`: one row per scenario × epoch, documented columns."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

import agent_eval
from agent_eval.cli.main import main
from agent_eval.graders.model import Verdict
from report_runs import isolated_store, routing_record, routing_run, run_info, save_run, standards_record


def seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    probed = Verdict(check="rls-probe", status="fail", reason="user A read user B's row")
    records = [
        routing_record("run", 0, True),
        routing_record("run", 0, False, epoch=2),
        standards_record("run", 1, {"zod-validation": "fail", "rls-enabled": "n/a"}, judge_scores=(3, 5)),
        standards_record("run", 2, {"status-codes": "pass"}, judge_scores=(4,)).model_copy(
            update={"executed": {"rls-probe": probed}}
        ),
    ]
    save_run(store, run_info("run"), records)


def test_load_results_has_one_row_per_scenario_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(tmp_path, monkeypatch)
    frame = agent_eval.load_results("run")
    assert len(frame) == 4
    assert list(frame.columns[:4]) == ["run_id", "scenario_id", "suite", "epoch"]
    routing = frame[frame["suite"] == "routing"]
    assert routing["epoch"].tolist() == [1, 2]
    assert routing["passed"].tolist() == [True, False]
    std = frame.set_index("scenario_id").loc["std-0001"]
    assert std["check:zod-validation"] == "fail" and std["check:rls-enabled"] == "n/a"
    assert pd.isna(std["check:status-codes"])
    assert std["judge_mean"] == 4.0 and std["judge:criterion-1"] == 5
    assert std["context_turns"] == 2 and std["tags"] == "api"
    assert math.isnan(frame.set_index("scenario_id").loc["std-0002"]["judge:criterion-1"])
    by_id = frame.set_index("scenario_id")
    assert by_id.loc["std-0002"]["executed:rls-probe"] == "fail"  # run --execute's verdict beside the checks
    assert pd.isna(by_id.loc["std-0001"]["executed:rls-probe"])


def test_load_results_unknown_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(tmp_path, monkeypatch)
    with pytest.raises(LookupError, match="unknown run 'nope'"):
        agent_eval.load_results("nope")


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_round_trips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    seed(tmp_path, monkeypatch)
    out = tmp_path / f"results.{fmt}"
    assert main(["export", "run", "--format", fmt, "-o", str(out)]) == 0
    if fmt == "csv":
        back = pd.read_csv(out)
    elif fmt == "jsonl":
        back = pd.read_json(out, lines=True)
    else:
        back = pd.read_parquet(out)
    assert len(back) == 4
    assert back["scenario_id"].tolist() == agent_eval.load_results("run")["scenario_id"].tolist()
    assert "check:zod-validation" in back.columns


def test_export_jsonl_to_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(tmp_path, monkeypatch)
    assert main(["export", "run", "--format", "jsonl"]) == 0
    out = capsys.readouterr().out
    assert out.endswith("}\n") and "\n\n" not in out
    lines = out.splitlines()
    assert [json.loads(line)["scenario_id"] for line in lines] == [
        "route-0000",
        "route-0000",
        "std-0001",
        "std-0002",
    ]


def test_export_bad_input_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(tmp_path, monkeypatch)
    assert main(["export", "nope"]) == 2
    assert main(["export", "run", "--format", "parquet"]) == 2
    assert "-o FILE" in capsys.readouterr().err


def test_runs_lists_newest_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    routing_run(store, "older", [True], started_at="2026-11-01T00:00:00+00:00")
    routing_run(
        store, "newer", [True], offline=True, status="running", started_at="2026-11-02T00:00:00+00:00"
    )
    assert main(["runs", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert [r["run_id"] for r in runs] == ["newer", "older"]
    assert runs[0]["finished"] is False and runs[0]["offline"] is True
    assert {"run_id", "agent", "model", "started_at", "finished", "offline"} <= runs[1].keys()
