"""Value types for agent definitions, shared by every later stage."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Diagnostic(Frozen):
    """One lint finding or parse warning, located in a file."""

    file: str
    line: int
    level: Literal["error", "warning"]
    code: str
    message: str

    def render(self) -> str:
        return f"{self.file}:{self.line}: {self.level}: {self.message}"


class Example(Frozen):
    """One `<example>` block of a description."""

    index: int  # 1-based position among the file's examples
    line: int  # line in the file where the block starts
    context: str | None
    user_turns: tuple[str, ...]
    assistant_turns: tuple[str, ...]
    commentary: str | None
    target: str  # the agent the example demonstrates invoking
    proactive: bool
    raw: str


class Section(Frozen):
    """A `##` (or deeper) heading of the body with its bullet items."""

    title: str
    level: int
    line: int
    items: tuple[str, ...]
    text: str


class Agent(Frozen):
    """An agent definition as Claude Code reads it."""

    name: str
    description: str  # escapes turned into real newlines, as Claude Code shows it
    examples: tuple[Example, ...]
    model: str | None
    color: str | None
    tools: tuple[str, ...] | None  # None: all tools
    body: str
    sections: tuple[Section, ...]
    path: Path
    strict_yaml: bool
    warnings: tuple[Diagnostic, ...] = ()

    def section(self, title: str) -> Section | None:
        wanted = title.strip().lower()
        return next((s for s in self.sections if s.title.strip().lower() == wanted), None)
