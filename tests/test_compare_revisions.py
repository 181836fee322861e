"""compare --agent NAME --rev A --rev B: runs the agent file as committed at each revision, then compares."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from agent_eval.cli.main import main

PROJECT = Path(__file__).resolve().parents[1]
AGENT_FILE = Path("agents") / "backend-developer.md"


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str, str]:
    """A git checkout of the project's agents, datasets and evals with two commits of the agent file."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "project"
    for folder in ("agents", "datasets", "evals"):
        shutil.copytree(PROJECT / folder, root / folder)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    first = git(root, "rev-parse", "HEAD")
    text = (root / AGENT_FILE).read_text()
    (root / AGENT_FILE).write_text(text + "\nPrefer small, reviewable pull requests.\n")
    git(root, "commit", "-q", "-am", "second")
    second = git(root, "rev-parse", "HEAD")
    (root / AGENT_FILE).write_text(text + "\nUncommitted edit.\n")  # the working tree must not be used
    monkeypatch.chdir(root)
    monkeypatch.setenv("AGENT_EVAL_HOME", str(tmp_path / "home"))
    return root, first, second


def test_runs_both_revisions_and_compares(
    project: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    root, first, second = project
    argv = [
        "compare",
        "--agent",
        "backend-developer",
        "--rev",
        first,
        "--rev",
        second,
        "--model",
        "local",
        "--limit",
        "6",
        "--json",
    ]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["run_a"]["agent_hash"] != data["run_b"]["agent_hash"]
    assert data["pairs"]["shared"] == 6
    assert data["binary"][0]["metric"] == "routing"
    committed = subprocess.run(
        ["git", "show", f"{first}:{AGENT_FILE.as_posix()}"], cwd=root, capture_output=True, check=True
    ).stdout
    assert data["run_a"]["agent_hash"] == hashlib.sha256(committed).hexdigest()


def test_bad_revision_and_usage(project: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]) -> None:
    _, first, _ = project
    assert (
        main(
            [
                "compare",
                "--agent",
                "backend-developer",
                "--rev",
                first,
                "--rev",
                "no-such-rev",
                "--model",
                "local",
                "--limit",
                "2",
            ]
        )
        == 2
    )
    assert "no-such-rev" in capsys.readouterr().err
    assert main(["compare", "--agent", "backend-developer", "--rev", first]) == 2
    assert "exactly two --rev" in capsys.readouterr().err
