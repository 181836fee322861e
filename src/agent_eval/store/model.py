"""Records kept by the store: a run, one result per (scenario, epoch), and failed calls grouped by cause."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from agent_eval.graders.model import JudgeVerdict, Verdict
from agent_eval.providers.model import Usage
from agent_eval.scenarios.model import Turn


class RunInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str
    agent: str
    model: str
    judge_model: str | None
    suites: tuple[str, ...]
    epochs: int
    git_commit: str | None
    agent_hash: str  # sha256 of the agent file bytes
    dataset_hash: str  # sha256 of the scenarios run (ids + content)
    config: dict[str, Any]
    started_at: str  # ISO 8601 UTC
    finished_at: str | None = None
    status: Literal["running", "finished", "interrupted", "budget", "incomplete", "failed"] = "running"
    offline: bool = False

    @property
    def finished(self) -> bool:
        return self.status == "finished"


class ResultRecord(BaseModel):
    """One graded (scenario, epoch). Routing fills expected/chosen; standards fills checks/judge."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    scenario_id: str
    suite: Literal["routing", "standards", "agentic"]
    epoch: int
    input: str  # full text of the last user message sent
    context: tuple[Turn, ...] = ()
    tags: tuple[str, ...] = ()
    expected: str | None = None
    chosen: str | None = None
    decision: str | None = None  # routing: what the first turn did, `kind[:target]` (harness.decision)
    passed: bool | None = None
    checks: dict[str, Verdict] = {}
    executed: dict[str, Verdict] = {}  # agentic: graders that ran what the agent left (rls-probe, …)
    transcript: tuple[dict[str, Any], ...] = ()  # agentic: the session's steps (tool calls, texts, stop)
    judge: JudgeVerdict | None = None
    output: str = ""  # the answer (standards), the decision's tool call as JSON (routing), the diff (agentic)
    request_hash: str | None = None
    usage: Usage = Usage()
    cost_usd: float = 0.0  # the answer's call plus the judge's calls on it; 0 for calls it did not make
    latency_s: float = 0.0
    error: str | None = None


class FailureGroup(BaseModel):
    """The calls of a run that failed for one cause at one URL: how many, and one example message."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cause: str  # the error's class: APIConnectionError, OverloadedError, NotFoundError, …
    count: int
    example: str  # the first such failure's message, in the API's words when it answered
    url: str | None  # METHOD URL the calls went to, when known


def failure_lines(groups: Sequence[FailureGroup]) -> list[str]:
    """One line per cause, most frequent first: what `run` prints and any plain-text view shows."""
    return [
        f"{g.count} × {g.cause}: {g.example}" + (f" ({g.url})" if g.url else "")
        for g in sorted(groups, key=lambda g: (-g.count, g.cause))
    ]
