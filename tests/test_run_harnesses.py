"""`run --harness captured|claude-code` end to end: the real Claude Code CLI (bundled by the Claude Agent
SDK) runs offline against the mock API through the run's own provider, and `fidelity` compares harnesses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_eval.cli.main import main
from agent_eval.run.evaluate import run_eval
from agent_eval.store.db import Store
from eval_mock import EvalResponder, expected_by_message, keyed_project, quiet_options
from mock_api import MockAnthropic

pytest.importorskip(
    "claude_agent_sdk", reason="the Claude Agent SDK (extra agent-eval[claude-code]) is absent"
)

MODEL = "claude-sonnet-5-5"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return keyed_project(tmp_path, monkeypatch)


@pytest.mark.parametrize("harness", ["claude-code", "captured"])
def test_a_run_under_a_cli_harness_routes_as_the_mock_answers(
    project: Path, monkeypatch: pytest.MonkeyPatch, harness: str
) -> None:
    expected = expected_by_message(project)
    with MockAnthropic(responder=EvalResponder(expected)) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        result = run_eval(quiet_options(project, suites=("routing",), model=MODEL, harness=harness, limit=4))
    assert result.run.status == "finished"
    assert result.run.config["harness"] == harness
    assert any("Claude Code" in note for note in result.notes)
    with Store(project / "home") as store:
        records = store.results(result.run.run_id)
    assert len(records) == 4
    assert all(r.chosen == expected[r.input] and r.passed for r in records)


def test_fidelity_runs_both_harnesses_and_reports_their_agreement(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with MockAnthropic(responder=EvalResponder(expected_by_message(project))) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        code = main(
            [
                "fidelity",
                "--agent",
                "backend-developer",
                "--harness",
                "builtin",
                "--harness",
                "claude-code",
                "--limit",
                "3",
                "--model",
                MODEL,
                "--json",
            ]
        )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == 3 and result["agree"] == 3 and result["disagreements"] == []
    assert len(result["runs"]) == 2
    builtin_run = result["runs"][0]
    assert main(["report", builtin_run, "-o", str(project / "builtin.html")]) == 0
    page = (project / "builtin.html").read_text(encoding="utf-8")
    assert "agrees with the real Claude Code on 3 of 3 decisions" in page
