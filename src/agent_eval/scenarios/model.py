"""Scenario schema: one reviewable test case of a dataset file."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Suite = Literal["routing", "standards", "agentic"]
NO_DELEGATION = "none"


class Turn(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Literal["user", "assistant"]
    content: str


class ScenarioInput(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    context: tuple[Turn, ...] = ()  # prior conversation, oldest first
    message: str  # the last user message


class Provenance(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str  # agent file path relative to the project, or "hand-written"
    example: int | None = None  # 1-based example index in that file
    variant_of: str | None = None  # scenario id this one rephrases


class Scenario(BaseModel):
    """One test case. Routing: `expected` is an agent name or "none". Standards: `checks` and `rubric`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    suite: Suite
    input: ScenarioInput
    expected: str | None = None
    checks: tuple[str, ...] = ()
    rubric: tuple[str, ...] = ()  # criterion ids of the eval's judge rubric
    tags: tuple[str, ...] = ()
    provenance: Provenance = Field(default_factory=lambda: Provenance(source="hand-written"))
    note: str | None = None  # for the human reviewer (why this case, what makes it hard); never sent
    fingerprint: str | None = None  # hash of what `derive` generated (a mismatch means a hand edit); agentic:
    # of the whole task (setup, graders, limits), so a resume notices a changed task
