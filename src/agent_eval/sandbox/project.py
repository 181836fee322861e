"""The scratch project a Claude Code session runs in, and the isolated home that keeps the user's own
settings, CLAUDE.md, memory and MCP servers out of it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ScratchProject:
    """`root`: the working directory (holds `.claude/agents/`, `.claude/skills/`); `homes`: where each
    session gets a fresh home of its own (the CLI writes its state file there at start)."""

    root: Path
    homes: Path

    def new_home(self) -> Path:
        home = Path(tempfile.mkdtemp(prefix="home-", dir=self.homes))
        (home / ".claude").mkdir()
        return home


@contextmanager
def scratch_project(agent_files: Sequence[Path], skills: Path | None = None,
                    fixture: Path | None = None) -> Iterator[ScratchProject]:
    """A temporary project: a copy of `fixture` (if any), the agent files verbatim in `.claude/agents/`,
    the project's skills folder in `.claude/skills/`. Removed on exit."""
    with tempfile.TemporaryDirectory(prefix="agent-eval-cc-") as scratch:
        root = Path(scratch) / "project"
        if fixture is not None:
            shutil.copytree(fixture, root, symlinks=True)
        agents = root / ".claude" / "agents"
        agents.mkdir(parents=True, exist_ok=True)
        for path in agent_files:
            shutil.copy2(path, agents / path.name)
        if skills is not None and skills.is_dir():
            shutil.copytree(skills, root / ".claude" / "skills", dirs_exist_ok=True)
        homes = Path(scratch) / "homes"
        homes.mkdir()
        yield ScratchProject(root=root, homes=homes)
