"""The hand-written, reviewed inputs of `derive`: no-delegation and built-in-agent cases, context snippets,
task tables.

Each lives in a YAML file under `datasets/` as a list under one key; every entry is validated and an error
names the file, the entry id and the field. Generic no-delegation and built-in-agent cases ship with the
package (`scenarios/generic/`) for projects without their own.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agent_eval.agents.builtin import BUILTIN_NAMES
from agent_eval.scenarios.dataset import DatasetError
from agent_eval.scenarios.model import Turn
from agent_eval.yamlio import YamlFileError, load_yaml

NO_DELEGATION_FILE = "no-delegation.yaml"
BUILTIN_AGENT_CASES_FILE = "built-in-agents.yaml"
CONTEXT_SNIPPETS_FILE = "context-snippets.yaml"
TASKS_FILE = "tasks.yaml"  # per agent: datasets/<agent>/tasks.yaml


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")


Stack = Literal["node", "python", "go", "rust", "ruby", "java"]


class _Request(_Entry):
    """A request written once for any project, reworded where the project's stack makes it sensible."""

    message: str = Field(min_length=1)
    stacks: dict[Stack, str] = {}  # the message as said in a project of that stack
    context: tuple[Turn, ...] = ()
    note: str | None = None

    def message_for(self, stack: Stack | None) -> str:
        return self.stacks.get(stack, self.message) if stack else self.message


class NoDelegationCase(_Request):
    """A request the main assistant should handle itself."""

    kind: Literal["quick-question", "one-line-edit", "chit-chat", "self-do"]


class BuiltinAgentCase(_Request):
    """A request Claude Code's main assistant would hand to one of its built-in agent types."""

    expected: str

    @model_validator(mode="after")
    def _a_builtin(self) -> BuiltinAgentCase:
        if self.expected not in BUILTIN_NAMES:
            raise ValueError(f"'{self.expected}' is not a built-in agent type ({', '.join(BUILTIN_NAMES)})")
        return self


class ContextSnippet(_Entry):
    """Code shown as the user's prior turn when an example says the user just wrote something."""

    keywords: tuple[str, ...]
    intro: str
    language: str
    code: str
    reply: str

    def hits(self, text: str) -> int:
        """How many of the snippet's keywords occur in `text` as whole words."""
        lowered = text.lower()
        return sum(1 for k in self.keywords if re.search(rf"\b{re.escape(k)}\b", lowered))

    def turns(self) -> tuple[Turn, ...]:
        pasted = f"{self.intro}\n\n```{self.language}\n{self.code.rstrip()}\n```"
        return (Turn(role="user", content=pasted), Turn(role="assistant", content=self.reply))


class StandardsTask(_Entry):
    """One row of an agent's standards task table: a task text or an example of the agent, and its checks."""

    task: str | None = None
    example: int | None = Field(default=None, ge=1)  # take the task from this example of the agent
    snippet: str | None = None  # id of a context snippet shown before the task
    checks: tuple[str, ...] = Field(min_length=1)
    sections: tuple[str, ...] = ()  # rubric sections by title; empty: chosen from the checks and the text
    note: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> StandardsTask:
        if (self.task is None) == (self.example is None):
            raise ValueError("give exactly one of 'task' (the request text) or 'example' (an example index)")
        return self


_E = TypeVar("_E", bound=_Entry)


def load_entries(path: Path, key: str, entry_type: type[_E]) -> tuple[_E, ...]:
    """The validated entries listed under `key` in `path`; ids must be unique."""
    try:
        data = load_yaml(path)
    except YamlFileError as exc:
        raise DatasetError(str(exc)) from exc
    raw_entries = data.get(key) if isinstance(data, dict) else None
    if not isinstance(raw_entries, list):
        raise DatasetError(f"{path}: field '{key}': expected a list of entries")
    entries: list[_E] = []
    for position, raw in enumerate(raw_entries):
        label = f"entry '{raw['id']}'" if isinstance(raw, dict) and "id" in raw else f"{key}[{position}]"
        try:
            entries.append(entry_type.model_validate(raw))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "(entry)"
            raise DatasetError(f"{path}: {label}: field '{field}': {first['msg']}") from exc
    ids = [entry.id for entry in entries]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise DatasetError(f"{path}: entry '{duplicates[0]}': field 'id': duplicate id")
    return tuple(entries)
