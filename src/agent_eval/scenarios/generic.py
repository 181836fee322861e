"""Roster-independent routing cases for any project: the project's own files under `datasets/`, else the
generic ones shipped with agent-eval, worded for the project's stack where that makes sense."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TypeVar

from agent_eval.scenarios.sources import (
    BUILTIN_AGENT_CASES_FILE,
    NO_DELEGATION_FILE,
    BuiltinAgentCase,
    NoDelegationCase,
    Stack,
    load_entries,
)

GENERIC_SOURCE = "agent-eval generic"  # provenance of a scenario made from a shipped case

# The files that tell a project's stack, checked in this order (the first found wins).
_STACK_MARKERS: tuple[tuple[str, Stack], ...] = (
    ("package.json", "node"),
    ("pyproject.toml", "python"),
    ("setup.py", "python"),
    ("requirements.txt", "python"),
    ("go.mod", "go"),
    ("Cargo.toml", "rust"),
    ("Gemfile", "ruby"),
    ("pom.xml", "java"),
    ("build.gradle", "java"),
)

_Case = TypeVar("_Case", NoDelegationCase, BuiltinAgentCase)


@dataclass(frozen=True)
class RosterFreeCases:
    """The cases every agent's routing dataset gets, whatever the roster, and where they came from."""

    no_delegation: tuple[NoDelegationCase, ...] = ()
    builtin: tuple[BuiltinAgentCase, ...] = ()
    no_delegation_source: str = "hand-written"
    builtin_source: str = "hand-written"
    stack: Stack | None = None


def project_stack(root: Path) -> Stack | None:
    """The stack named by the first marker file at the project root, if any."""
    return next((stack for marker, stack in _STACK_MARKERS if (root / marker).is_file()), None)


def _cases(data_dir: Path, name: str, entry_type: type[_Case]) -> tuple[tuple[_Case, ...], str]:
    """The project's file if it has one, else the shipped one; and where they came from."""
    own = data_dir / name
    if own.is_file():
        return load_entries(own, "cases", entry_type), "hand-written"
    shipped = resources.files("agent_eval.scenarios") / "generic" / name
    with resources.as_file(shipped) as path:
        return load_entries(path, "cases", entry_type), GENERIC_SOURCE


def roster_free_cases(data_dir: Path, root: Path) -> RosterFreeCases:
    """The project's no-delegation and built-in-agent cases (`data_dir`), each file falling back to the
    shipped generic one; worded for the stack of the project at `root`."""
    no_delegation, no_delegation_source = _cases(data_dir, NO_DELEGATION_FILE, NoDelegationCase)
    builtin, builtin_source = _cases(data_dir, BUILTIN_AGENT_CASES_FILE, BuiltinAgentCase)
    return RosterFreeCases(no_delegation, builtin, no_delegation_source, builtin_source, project_stack(root))
