"""Agentic tasks (`datasets/<agent>/agentic.yaml`): the agent works on a scratch copy of a fixture project
with its own tools; each task says what to ask, what to set up first, which graders apply and its limits.

The file is a mapping: `agent`, `suite: agentic`, `fixture` (default `stratos`), `limits` (defaults for
every task) and `tasks`. Loading validates everything and names the file, the task id and the field of
the first problem.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from agent_eval.scenarios.dataset import DatasetError, _field_path
from agent_eval.scenarios.model import Scenario, ScenarioInput
from agent_eval.yamlio import YamlFileError, load_yaml

ExecutedGrader = Literal["rls-probe", "typecheck", "http-contract"]
HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]


class Limits(BaseModel):
    """Per-task bounds on the agent's run: turns (model calls), cost in USD, wall time in seconds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_turns: int = Field(default=40, ge=1, le=500)
    max_cost_usd: float = Field(default=2.0, gt=0)
    max_wall_s: float = Field(default=900.0, gt=0)


class HttpCase(BaseModel):
    """One crafted request to a route handler and the statuses that may answer it.

    `path` may carry a query string and name an earlier case's JSON answer (`{create.data.id}`). `session`:
    the signed-in user (A or B, the two users of the database) or `none`. `body` is sent as JSON;
    `raw_body` as is (malformed JSON). `max_items`: the answer's `data` list may hold at most this many."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[\w-]+$")
    method: HttpMethod
    path: str = Field(pattern=r"^/")
    session: Literal["A", "B", "none"] = "A"
    body: Any = None
    raw_body: str | None = None
    expect: tuple[int, ...] = Field(min_length=1)
    max_items: int | None = Field(default=None, ge=0)

    @field_validator("expect")
    @classmethod
    def _statuses(cls, statuses: tuple[int, ...]) -> tuple[int, ...]:
        bad = [status for status in statuses if not 100 <= status <= 599]
        if bad:
            raise ValueError(f"not HTTP statuses: {bad}")
        return statuses

    @model_validator(mode="after")
    def _one_body(self) -> HttpCase:
        if self.body is not None and self.raw_body is not None:
            raise ValueError("give body or raw_body, not both")
        return self


class AgenticTask(BaseModel):
    """One task: `prompt` is the user's request; `setup` files (project-relative path → content) are written
    over the scratch copy before the agent starts (a bug to fix, a file to extend); `checks` are the
    rule-based checks run on the changed files; `executed` the graders that run what the agent left."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    prompt: str = Field(min_length=1)
    setup: dict[str, str] = Field(default_factory=dict)
    checks: tuple[str, ...] = ()
    executed: tuple[ExecutedGrader, ...] = ()
    http: tuple[HttpCase, ...] = ()
    limits: Limits = Field(default_factory=Limits)
    tags: tuple[str, ...] = ()
    note: str | None = None  # for the reviewer; never sent

    @field_validator("setup")
    @classmethod
    def _relative_paths(cls, files: dict[str, str]) -> dict[str, str]:
        for path in files:
            if path.startswith("/") or ".." in Path(path).parts:
                raise ValueError(f"{path!r}: setup paths are relative to the project and stay inside it")
        return files

    @model_validator(mode="after")
    def _http_needs_grader(self) -> AgenticTask:
        if self.http and "http-contract" not in self.executed:
            raise ValueError("http cases are given but http-contract is not in executed")
        ids = [case.id for case in self.http]
        if len(ids) != len(set(ids)):
            raise ValueError("http case ids must be unique within a task")
        return self


class AgenticDataset(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    agent: str = Field(min_length=1)
    suite: Literal["agentic"]
    fixture: str = "stratos"
    tasks: tuple[AgenticTask, ...] = Field(min_length=1)


def agentic_path(agent_name: str, root: Path | None = None) -> Path:
    return (root or Path.cwd()) / "datasets" / agent_name / "agentic.yaml"


def load_agentic_dataset(path: Path, known_checks: Collection[str] | None = None) -> AgenticDataset:
    """Parse and validate an agentic task file; `known_checks` (the registered check ids) also validates
    each task's `checks`. Raises DatasetError naming the file, the task and the field."""
    try:
        data = load_yaml(path)
    except YamlFileError as exc:
        raise DatasetError(str(exc)) from exc
    if not isinstance(data, dict):
        raise DatasetError(f"{path}: expected a mapping with 'agent', 'suite: agentic' and 'tasks'")
    defaults = data.get("limits") or {}
    if not isinstance(defaults, dict):
        raise DatasetError(f"{path}: field 'limits': expected max_turns, max_cost_usd, max_wall_s")
    raw_tasks = data.get("tasks")
    if not isinstance(raw_tasks, list):
        raise DatasetError(f"{path}: field 'tasks': expected a list of tasks")
    tasks = [_task(path, position, raw, defaults) for position, raw in enumerate(raw_tasks)]
    seen: set[str] = set()
    for task in tasks:
        if task.id in seen:
            raise DatasetError(f"{path}: task '{task.id}': field 'id': duplicate id")
        seen.add(task.id)
        unknown = [check for check in task.checks if known_checks is not None and check not in known_checks]
        if unknown:
            raise DatasetError(f"{path}: task '{task.id}': field 'checks': unknown check id(s) {unknown}")
    header = {key: value for key, value in data.items() if key not in {"limits", "tasks"}}
    try:
        return AgenticDataset.model_validate({**header, "tasks": tasks})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise DatasetError(f"{path}: field '{_field_path(first['loc'])}': {first['msg']}") from exc


def _task(path: Path, position: int, raw: Any, defaults: dict[str, Any]) -> AgenticTask:
    label = f"tasks[{position}]"
    if not isinstance(raw, dict):
        raise DatasetError(f"{path}: {label}: expected a mapping, not {type(raw).__name__}")
    if isinstance(raw.get("id"), str):
        label = f"task '{raw['id']}'"
    own_limits = raw.get("limits") or {}
    if not isinstance(own_limits, dict):
        raise DatasetError(f"{path}: {label}: field 'limits': expected a mapping")
    try:
        return AgenticTask.model_validate({**raw, "limits": {**defaults, **own_limits}})
    except ValidationError as exc:
        first = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        field = _field_path(first["loc"])
        raise DatasetError(f"{path}: {label}: field '{field}': {first['msg']}{more}") from exc


def task_scenario(task: AgenticTask) -> Scenario:
    """The task as the run's scenario: its prompt is the message, its rule-based checks the scenario's, and
    its fingerprint a hash of the whole task, so a changed setup, grader or limit is a changed dataset."""
    digest = hashlib.sha256(task.model_dump_json().encode()).hexdigest()
    return Scenario(
        id=task.id,
        suite="agentic",
        input=ScenarioInput(message=task.prompt),
        checks=task.checks,
        tags=task.tags,
        note=task.note,
        fingerprint=digest,
    )
