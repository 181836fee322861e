"""Check agent files for what breaks Claude Code, other tools, or the harness; each finding has a line."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from agent_eval.agents.builtin import BUILTIN_NAMES
from agent_eval.agents.model import Diagnostic
from agent_eval.agents.parse import AgentSource
from agent_eval.agents.roster import agent_files, read_sources
from agent_eval.paths import display_path

MODEL_ALIASES = frozenset({"sonnet", "opus", "haiku", "fable", "inherit"})
FULL_MODEL_ID = re.compile(r"^claude-[a-z0-9]+(?:[-.][a-z0-9]+)*$")
COLORS = frozenset({"red", "blue", "green", "yellow", "purple", "orange", "pink", "cyan"})
AGENT_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

CHARS_PER_TOKEN = 4
# Claude Code sends every description on every request. At 1,000 tokens each, a 15-agent roster costs
# 15k tokens per call before any work, and one long entry drowns its neighbours in the routing text.
# The user's seed is ~540 tokens; 2% of the public corpus is above this line.
DESCRIPTION_TOKEN_LIMIT = 1_000


def estimate_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


RosterCheck = Callable[[Sequence[AgentSource]], list[Diagnostic]]


def lint_paths(paths: Sequence[Path], roster_checks: Sequence[RosterCheck] = ()) -> list[Diagnostic]:
    """Lint files and folders (folders: every `.md` below them), in path order, errors and warnings.

    Example targets are checked against the agents linted plus their folder neighbours, so linting one
    file does not call its siblings unknown. `roster_checks` judge the linted agents together (later
    stages supply them, e.g. near-duplicate descriptions).
    """
    files: list[Path] = []
    missing: list[Diagnostic] = []
    for path in paths:
        if path.is_dir():
            files.extend(agent_files(path))
        elif path.is_file():
            files.append(path)
        else:
            missing.append(_error(display_path(path), 0, "no-such-path", "no such file or folder"))
    linted = list(dict.fromkeys(Path(os.path.abspath(file)) for file in files))
    sources, errors = read_sources(linted)
    given_folders = {Path(os.path.abspath(path)) for path in paths if path.is_dir()}
    neighbour_folders = sorted({file.parent for file in linted} - given_folders)
    neighbour_files = [f for folder in neighbour_folders for f in agent_files(folder) if f not in set(linted)]
    neighbour_names = {source.agent.name for source in read_sources(neighbour_files)[0]}
    diagnostics = [*missing, *errors, *lint_sources(sources, known_names=neighbour_names)]
    diagnostics += [finding for check in roster_checks for finding in check(sources)]
    return sorted(diagnostics, key=lambda d: (d.file, d.line, d.level != "error"))


def lint_sources(sources: Sequence[AgentSource], known_names: Iterable[str] = ()) -> list[Diagnostic]:
    """Every finding for already-parsed agents, judged together (duplicate names, unknown targets)."""
    roster_names = {source.agent.name for source in sources} | set(known_names) | set(BUILTIN_NAMES)
    first_seen: dict[str, AgentSource] = {}
    found: list[Diagnostic] = []
    for source in sources:
        found.extend(_lint_one(source, roster_names))
        earlier = first_seen.setdefault(source.agent.name, source)
        if earlier is not source:
            found.append(
                _error(
                    _file(source),
                    source.line_of("name"),
                    "name-duplicate",
                    f"name '{source.agent.name}' is already used by "
                    f"{_file(earlier)}:{earlier.line_of('name')}; Claude Code keeps only one of them",
                )
            )
    return found


def _lint_one(source: AgentSource, roster_names: set[str]) -> list[Diagnostic]:
    agent, file = source.agent, _file(source)
    found = list(agent.warnings)
    name_line, description_line = source.line_of("name"), source.line_of("description")
    if not AGENT_NAME.match(agent.name):
        found.append(
            _error(
                file,
                name_line,
                "name-format",
                f"name '{agent.name}' is not lowercase-hyphenated (a-z, 0-9, -)",
            )
        )
    if agent.model is not None and agent.model not in MODEL_ALIASES and not FULL_MODEL_ID.match(agent.model):
        found.append(
            _error(
                file,
                source.line_of("model"),
                "model-unknown",
                f"unknown model '{agent.model}': use {', '.join(sorted(MODEL_ALIASES))} or a full id "
                "such as claude-sonnet-4-5-20250929",
            )
        )
    if agent.color is not None and agent.color not in COLORS:
        found.append(
            _warning(
                file,
                source.line_of("color"),
                "color-unknown",
                f"unknown color '{agent.color}': Claude Code's palette is {', '.join(sorted(COLORS))}",
            )
        )
    if not agent.description.strip():
        found.append(
            _error(file, description_line, "description-missing", "frontmatter has no 'description'")
        )
        return found
    tokens = estimate_tokens(agent.description)
    if tokens > DESCRIPTION_TOKEN_LIMIT:
        found.append(
            _warning(
                file,
                description_line,
                "description-long",
                f"description is ~{tokens} tokens (over {DESCRIPTION_TOKEN_LIMIT}); Claude Code sends it "
                "with every request and it crowds the other agents out of the roster",
            )
        )
    if not agent.examples:
        found.append(
            _warning(
                file,
                description_line,
                "no-examples",
                "description has no <example> blocks; routing cannot be tested against the author's intent",
            )
        )
    for example in agent.examples:
        if not example.user_turns:
            found.append(
                _warning(
                    file, example.line, "example-no-user", f"example {example.index} has no 'user:' turn"
                )
            )
        if example.target not in roster_names:
            found.append(
                _warning(
                    file,
                    example.line,
                    "example-unknown-target",
                    f"example {example.index} invokes '{example.target}', which is not in the roster "
                    "or among Claude Code's built-in agents",
                )
            )
    return found


def _file(source: AgentSource) -> str:
    return display_path(source.agent.path)


def _error(file: str, line: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(file=file, line=line, level="error", code=code, message=message)


def _warning(file: str, line: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(file=file, line=line, level="warning", code=code, message=message)
