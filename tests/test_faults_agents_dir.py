"""Which agents folder and project root (issue 10, item 7): one precedence rule, found upward as git does,
said on stderr, and duplicate names stop `derive` and `run` naming both files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agent_eval.cli.main import main
from agent_eval.paths import agents_dir, project_root
from faults_fixtures import AGENT, project_fixture  # noqa: F401 - the `project` fixture
from mock_api import MockAnthropic


def agent_file(folder: Path, name: str, description: str = "Use for backend work.") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    path.write_text(f"---\nname: {name}\ndescription: {description}\n---\nYou help.\n", encoding="utf-8")
    return path


def test_the_root_is_found_upward_from_a_subfolder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deep = project / "src" / "api"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert project_root() == project.resolve()
    assert agents_dir() == project.resolve() / "agents"


def test_a_run_from_a_subfolder_uses_the_project_root_and_says_so(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = project / "docs"
    deep.mkdir()
    monkeypatch.chdir(deep)
    monkeypatch.delenv("ANTHROPIC_API_KEY")  # offline: routing on the local baseline, no API at all
    assert main(["run", "--agent", AGENT, "--suite", "routing", "--limit", "2", "--no-report"]) == 0
    err = capsys.readouterr().err
    assert "project root is" in err and str(project.resolve()) in err
    assert not (deep / "datasets").exists()


def test_with_both_folders_claude_agents_is_read_and_the_choice_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    agent_file(tmp_path / "agents", "plain-one")
    agent_file(tmp_path / ".claude" / "agents", "claude-one")
    monkeypatch.chdir(tmp_path)
    assert main(["agents", "--json"]) == 0
    captured = capsys.readouterr()
    assert '"claude-one"' in captured.out and "plain-one" not in captured.out
    assert "reading agents from .claude/agents/" in captured.err and "agents/ also exists" in captured.err


def test_only_one_folder_is_read_without_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    agent_file(tmp_path / "agents", "plain-one")
    monkeypatch.chdir(tmp_path)
    assert main(["agents", "--json"]) == 0
    captured = capsys.readouterr()
    assert '"plain-one"' in captured.out and captured.err == ""


@pytest.mark.parametrize("command", [["derive", "--agent", AGENT], ["run", "--agent", AGENT]])
def test_duplicate_agent_names_stop_derive_and_run_naming_both_files(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    copy = project / "agents" / "team" / "backend-copy.md"
    copy.parent.mkdir()
    shutil.copy(project / "agents" / f"{AGENT}.md", copy)
    monkeypatch.chdir(project)
    with MockAnthropic() as api:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        assert main(command) == 2
        assert sum(api.counts.values()) == 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"agents/{AGENT}.md" in err and "agents/team/backend-copy.md" in err
