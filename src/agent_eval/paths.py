"""Where things live in a project: the agents folder, datasets, evals, reports and AGENT_EVAL_HOME."""

from __future__ import annotations

import os
from pathlib import Path

CLAUDE_AGENTS_DIR = Path(".claude") / "agents"


def agents_dir(root: Path | None = None, override: str | Path | None = None) -> Path:
    """`--agents-dir` when given, else `agents/`, else `.claude/agents/` (where Claude Code looks)."""
    base = root or Path.cwd()
    if override is not None:
        return Path(override)
    plain = base / "agents"
    if plain.is_dir():
        return plain
    claude = base / CLAUDE_AGENTS_DIR
    return claude if claude.is_dir() else plain


def datasets_dir(root: Path | None = None) -> Path:
    return (root or Path.cwd()) / "datasets"


def evals_dir(root: Path | None = None) -> Path:
    return (root or Path.cwd()) / "evals"


def reports_dir(root: Path | None = None) -> Path:
    return (root or Path.cwd()) / "reports"


def home_dir(override: str | Path | None = None) -> Path:
    """AGENT_EVAL_HOME, default `.agent-eval/` in the working directory: results database and cache."""
    if override is not None:
        return Path(override)
    env = os.environ.get("AGENT_EVAL_HOME")
    return Path(env) if env else Path.cwd() / ".agent-eval"


def display_path(path: Path) -> str:
    """`path` relative to the working directory when it lies below it, else as given."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
