"""Find and read every agent file of a folder: the roster that routing competes over."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from agent_eval.agents.model import Agent, Diagnostic
from agent_eval.agents.parse import AgentParseError, AgentSource, read_agent_file
from agent_eval.errors import InputError
from agent_eval.paths import display_path

_README_NAMES = {"readme.md"}


class DuplicateAgentError(InputError):
    """Two agent files share a name: Claude Code keeps only one of them, so no run can say which it tests."""


@dataclass(frozen=True)
class Roster:
    """The agents of one folder, sorted by name, with the problems found while reading them."""

    directory: Path
    sources: tuple[AgentSource, ...]
    diagnostics: tuple[Diagnostic, ...]  # errors of files that failed to parse, then every parse warning

    @property
    def agents(self) -> tuple[Agent, ...]:
        return tuple(source.agent for source in self.sources)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(source.agent.name for source in self.sources)

    def get(self, name: str) -> Agent | None:
        return next((source.agent for source in self.sources if source.agent.name == name), None)

    def require_unique_names(self) -> None:
        """Raise DuplicateAgentError naming both files of the first name used twice (what `derive` and
        `run` need: `lint` and `agents` report duplicates as findings instead)."""
        seen: dict[str, Path] = {}
        for agent in self.agents:
            earlier = seen.setdefault(agent.name, agent.path)
            if earlier != agent.path:
                raise DuplicateAgentError(
                    f"agent name {agent.name!r} is used by both {display_path(earlier)} and "
                    f"{display_path(agent.path)}; Claude Code keeps only one of them: rename or remove one"
                )


class HasAgents(Protocol):
    """A roster object (`Roster`) rather than a plain sequence of agents."""

    @property
    def agents(self) -> Sequence[Agent]: ...


RosterLike = Sequence[Agent] | HasAgents


def roster_agents(roster: RosterLike) -> tuple[Agent, ...]:
    """The agents of a `Roster` or of a plain sequence."""
    agents: Iterable[Agent] = roster if isinstance(roster, Sequence) else roster.agents
    return tuple(agents)


def agent_files(directory: Path) -> list[Path]:
    """Every `.md` file below `directory` (Claude Code also reads subfolders), in path order."""
    return sorted(path for path in directory.rglob("*.md") if path.is_file())


def read_sources(paths: Iterable[Path]) -> tuple[list[AgentSource], list[Diagnostic]]:
    """Parse each file; a README without frontmatter is documentation, not a broken agent, and is skipped."""
    sources: list[AgentSource] = []
    errors: list[Diagnostic] = []
    for path in paths:
        try:
            sources.append(read_agent_file(path))
        except AgentParseError as exc:
            if not (path.name.lower() in _README_NAMES and exc.diagnostic.code == "frontmatter"):
                errors.append(exc.diagnostic)
    return sources, errors


def load_roster(directory: Path, *, unique: bool = False) -> Roster:
    """Read every agent file of `directory`; a missing folder gives an empty roster with one error.
    `unique` raises DuplicateAgentError when two files share a name."""
    if not directory.is_dir():
        missing = Diagnostic(
            file=str(directory),
            line=0,
            level="error",
            code="no-agents-dir",
            message="agents folder not found (use --agents-dir DIR, or create agents/ or .claude/agents/)",
        )
        return Roster(directory=directory, sources=(), diagnostics=(missing,))
    sources, errors = read_sources(agent_files(directory))
    sources.sort(key=lambda source: (source.agent.name, str(source.agent.path)))
    warnings = [warning for source in sources for warning in source.agent.warnings]
    roster = Roster(directory=directory, sources=tuple(sources), diagnostics=(*errors, *warnings))
    if unique:
        roster.require_unique_names()
    return roster
