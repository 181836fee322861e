"""The project copy the issue-10 tests run in: this repo's agents, datasets and eval config in a temporary
folder, made the working directory, with AGENT_EVAL_HOME inside it and a test API key set (tests point
ANTHROPIC_BASE_URL at a mock, or remove the key, before anything could call)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
AGENT = "backend-developer"


@pytest.fixture(name="project")
def project_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Import `project_fixture` into a test module to give its tests the `project` fixture."""
    root = tmp_path / "project"
    for folder in ("agents", "datasets", "evals"):
        shutil.copytree(REPO / folder, root / folder)
    monkeypatch.chdir(root)
    monkeypatch.setenv("AGENT_EVAL_HOME", str(root / "home"))
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    return root
