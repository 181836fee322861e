"""Verdict values produced by graders (pure functions of a response)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Status = Literal["pass", "fail", "n/a"]


class Evidence(BaseModel):
    """A line of the response that decided a verdict: 1-based line within the response, and its text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    line: int
    text: str
    note: str = ""


class Verdict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    check: str
    status: Status
    reason: str = ""
    evidence: tuple[Evidence, ...] = ()


class CriterionScore(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    criterion: str  # criterion id
    section: str  # the agent body section it comes from
    score: int  # 1..5
    rationale: str


class JudgeVerdict(BaseModel):
    """The judge's structured answer; `error` set (and no scores) when it could not be obtained."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str
    scores: tuple[CriterionScore, ...] = ()
    error: str | None = None
    samples: int = 1

    @property
    def mean(self) -> float | None:
        return sum(s.score for s in self.scores) / len(self.scores) if self.scores else None
