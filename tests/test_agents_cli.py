"""`agent-eval agents` and `agent-eval lint`: output formats, paths, and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agent_eval.cli.main import main

REPO = Path(__file__).resolve().parents[1]
AGENT = (
    '---\nname: {name}\ndescription: "Does {name} things. <example>\\nuser: go\\n</example>"\n---\nBody.\n'
)


def test_agents_lists_the_project_roster(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    assert main(["agents"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "FILE", "MODEL", "EXAMPLES", "WARNINGS"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["backend-developer"] == [
        "backend-developer",
        "agents/backend-developer.md",
        "sonnet",
        "5",
        "1",
    ]
    assert len(rows) >= 11


def test_agents_json(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(REPO)
    assert main(["agents", "--json"]) == 0
    listed = {entry["name"]: entry for entry in json.loads(capsys.readouterr().out)}
    seed = listed["backend-developer"]
    assert (seed["file"], seed["model"], seed["color"], seed["tools"]) == (
        "agents/backend-developer.md",
        "sonnet",
        "yellow",
        None,
    )
    assert [e["proactive"] for e in seed["examples"]] == [False, False, False, True, False]
    fourth = seed["examples"][3]
    assert fourth["user"] == "Here's the user service I just built"
    assert fourth["target"] == "backend-developer" and fourth["line"] == 3 and fourth["index"] == 4
    assert [w["code"] for w in seed["warnings"]] == ["not-strict-yaml"]


def test_agents_reads_claude_agents_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / ".claude" / "agents"
    folder.mkdir(parents=True)
    (folder / "helper.md").write_text(AGENT.format(name="helper"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["agents", "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert (entry["name"], entry["file"]) == ("helper", ".claude/agents/helper.md")


def test_agents_exits_1_when_nothing_parses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "broken.md").write_text("no frontmatter\n", encoding="utf-8")
    assert main(["agents", "--agents-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "broken.md:1: error: no frontmatter" in err
    assert "no agent parsed" in err


def test_lint_project_exits_0_with_warnings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    assert main(["lint", "agents/"]) == 0
    out = capsys.readouterr().out
    assert "agents/backend-developer.md:3: warning: frontmatter is not strict YAML" in out
    assert ": error:" not in out


def test_lint_errors_exit_1_with_relative_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "agents").mkdir()
    (tmp_path / "agents" / "ok.md").write_text(AGENT.format(name="ok"), encoding="utf-8")
    (tmp_path / "agents" / "latin.md").write_bytes(b"---\nname: caf\xe9\n---\n")
    monkeypatch.chdir(tmp_path)
    assert main(["lint"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "agents/latin.md:2: error: not UTF-8 text: byte 0xE9 at column 10; save the file as UTF-8"
    ]
    assert main(["lint", "agents/ok.md", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_lint_json_lists_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.md").write_text("---\nname: x\nmodel: gpt-5\ndescription: y\n---\n", encoding="utf-8")
    assert main(["lint", str(tmp_path), "--json"]) == 1
    findings = json.loads(capsys.readouterr().out)
    assert [(f["line"], f["level"], f["code"]) for f in findings] == [
        (3, "error", "model-unknown"),
        (4, "warning", "no-examples"),
    ]
    assert set(findings[0]) == {"file", "line", "level", "code", "message"}


def test_command_line_never_shows_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "bad.md").write_text("---\nname: [unclosed\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "agent_eval.cli.main", "lint", str(tmp_path / "bad.md")],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 1
    assert done.stdout == "bad.md:1: error: frontmatter is not closed: no second '---' line\n"
    assert "Traceback" not in done.stderr
