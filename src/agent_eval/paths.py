"""Where things live in a project: its root, the agents folder, datasets, evals, reports and AGENT_EVAL_HOME.

The project root is found as git finds a repository: the working directory or the nearest folder above it
holding `agents/`, `.claude/agents/`, `evals/` or `.git` (the home folder is not a project for its
`~/.claude/agents/`, Claude Code's user-level agents). The agents folder, in this order: `--agents-dir`;
`.claude/agents/` (what Claude Code itself loads); `agents/`. When both exist, or the root is not the
working directory, a note on stderr says which folder is read.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

CLAUDE_AGENTS_DIR = Path(".claude") / "agents"
PLAIN_AGENTS_DIR = Path("agents")
PROJECT_MARKERS = (PLAIN_AGENTS_DIR, CLAUDE_AGENTS_DIR, Path("evals"), Path(".git"))

_said: set[str] = set()


def _note(message: str) -> None:
    """Tell the user once per process (several stages ask for the same folder)."""
    if message not in _said:
        _said.add(message)
        print(f"agent-eval: {message}", file=sys.stderr)


def project_root(start: Path | None = None) -> Path:
    """The nearest folder from `start` (default: the working directory) upward holding a project marker;
    `start` itself when none does."""
    here = (start or Path.cwd()).resolve()
    home = Path.home().resolve()
    for folder in (here, *here.parents):
        if folder == home and folder != here:
            break
        if any((folder / marker).exists() for marker in PROJECT_MARKERS):
            return folder
    return here


def agents_dir(root: Path | None = None, override: str | Path | None = None) -> Path:
    """`--agents-dir` when given, else `.claude/agents/`, else `agents/`, under `root` (default: the
    project root). A missing folder is returned as `agents/` for the roster to report."""
    if override is not None:
        return Path(override)
    base = root if root is not None else found_project_root()
    claude, plain = base / CLAUDE_AGENTS_DIR, base / PLAIN_AGENTS_DIR
    if claude.is_dir() and plain.is_dir():
        _note(
            f"reading agents from {display_path(claude)}/ (what Claude Code loads); {display_path(plain)}/ "
            f"also exists and is not read: pass --agents-dir {display_path(plain)} to evaluate it instead"
        )
    return claude if claude.is_dir() else plain


def found_project_root() -> Path:
    """The project root, with a note on stderr when it is not the working directory."""
    root = project_root()
    if root != Path.cwd().resolve():
        _note(f"project root is {display_path(root)} (the nearest folder above holding agents/ or evals/)")
    return root


def datasets_dir(root: Path | None = None) -> Path:
    return (root if root is not None else found_project_root()) / "datasets"


def evals_dir(root: Path | None = None) -> Path:
    return (root if root is not None else found_project_root()) / "evals"


def reports_dir(root: Path | None = None) -> Path:
    return (root if root is not None else found_project_root()) / "reports"


def home_dir(override: str | Path | None = None) -> Path:
    """AGENT_EVAL_HOME, default `.agent-eval/` in the project root: results database and cache."""
    if override is not None:
        return Path(override)
    env = os.environ.get("AGENT_EVAL_HOME")
    return Path(env) if env else found_project_root() / ".agent-eval"


def display_path(path: Path) -> str:
    """`path` relative to the working directory when it lies below it, else as given."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
