"""What the agentic suite holds for one run: its tasks, who answers them (a Claude Code session per task, or
the run's replay), the agent's model as resolved, and the executors' PostgreSQL, started on the first task
that needs it and stopped when the run ends."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agent_eval.executors import ExecutorUnavailable
from agent_eval.graders.model import Verdict
from agent_eval.scenarios.agentic import AgenticDataset, AgenticTask

if TYPE_CHECKING:
    from agent_eval.agents.model import Agent
    from agent_eval.executors.postgres import PostgresServer
    from agent_eval.providers.model import ModelRequest, Provider
    from agent_eval.runner.pool import ResponseCache
    from agent_eval.sandbox.session import CliSettings

DATABASE_GRADERS = ("rls-probe", "http-contract")


class AgenticUnavailable(ValueError):
    """The agentic suite cannot run as asked (no Claude Agent SDK, a model that is not Anthropic's)."""


@dataclass
class ExecutionEnvironment:
    """The executors' PostgreSQL for the run: `postgres_url`, else the embedded one, started lazily."""

    postgres_url: str | None
    home: Path | None
    _stack: ExitStack = field(default_factory=ExitStack)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: PostgresServer | None = None
    _failure: str | None = None

    def server(self) -> PostgresServer:
        """The run's server, started on first use (once: a failure to start is remembered)."""
        from agent_eval.executors.session import postgres_for_run

        with self._lock:
            if self._failure is not None:
                raise ExecutorUnavailable(self._failure)
            if self._server is None:
                try:
                    self._server = self._stack.enter_context(postgres_for_run(self.postgres_url, self.home))
                except (ExecutorUnavailable, OSError, RuntimeError) as exc:
                    self._failure = f"PostgreSQL did not start: {exc}"
                    raise ExecutorUnavailable(self._failure) from exc
            return self._server

    @property
    def started_in(self) -> float | None:
        return self._server.started_in if self._server is not None else None

    def execute(self, project_dir: Path, task: AgenticTask, changed: list[str]) -> dict[str, Verdict]:
        """The task's executed graders on `project_dir`; those needing the database are n/a with the
        reason when it cannot start."""
        from agent_eval.executors.postgres import PostgresServer
        from agent_eval.executors.task import execute_task

        server: PostgresServer = PostgresServer(admin_url="")  # never used by a task without database graders
        unavailable: dict[str, Verdict] = {}
        if any(grader in DATABASE_GRADERS for grader in task.executed):
            try:
                server = self.server()
            except ExecutorUnavailable as exc:
                unavailable = {g: Verdict(check=g, status="n/a", reason=f"not run: {exc}")
                               for g in task.executed if g in DATABASE_GRADERS}
                task = task.model_copy(update={"executed": tuple(g for g in task.executed
                                                                 if g not in DATABASE_GRADERS)})
        verdicts = execute_task(server, project_dir, task, changed)
        return {g: unavailable.get(g) or verdicts[g] for g in (*verdicts, *unavailable)}

    def close(self) -> None:
        self._stack.close()


@dataclass
class AgenticRun:
    dataset: AgenticDataset
    request: Callable[[AgenticTask], ModelRequest]
    provider: Provider | None  # who answers: the sessions' provider; None: the run's own (a replay)
    environment: ExecutionEnvironment
    home: Path | None
    notes: tuple[str, ...] = ()

    @property
    def tasks(self) -> dict[str, AgenticTask]:
        return {task.id: task for task in self.dataset.tasks}

    def close(self) -> None:
        self.environment.close()


def _installed_dependencies(fixture: str, home: Path | None) -> tuple[str, ...]:
    """Install the fixture's npm dependencies once, before tasks start in parallel (each would run its own
    `npm ci` on a fresh home); a note when they cannot be (typecheck and http-contract are then n/a)."""
    from agent_eval.executors.fixture import fixture_source, installed_node_modules

    try:
        installed_node_modules(fixture_source(fixture), home)
    except ExecutorUnavailable as exc:
        return (f"agentic: no npm dependencies for the fixture ({exc}); graders needing them are n/a",)
    return ()


def open_agentic(dataset: AgenticDataset, agent: Agent, upstream: Provider, model: str, *,
                 replay: bool, settings: CliSettings, home: Path | None,
                 cache: ResponseCache | None, postgres_url: str | None) -> AgenticRun:
    """The run's agentic side; AgenticUnavailable (a bad-input error) when it cannot run. `model`: the
    agent's own model, as the plan resolved it from its frontmatter (`run/plan.py`)."""
    from agent_eval.sandbox.agent_session import AgenticSessionProvider, AgentUnderTest
    from agent_eval.sandbox.session import ClaudeCodeUnavailable
    from agent_eval.sandbox.upstream import UnsupportedUpstream, anthropic_upstream

    under_test = AgentUnderTest(agent.name, agent.path, agent.tools, model)
    try:
        if not replay:
            anthropic_upstream(upstream)  # the CLI's calls need the Anthropic Messages API
        sessions = AgenticSessionProvider(upstream, under_test, dataset.fixture, settings=settings, home=home,
                                          cache=cache)
    except (ClaudeCodeUnavailable, UnsupportedUpstream) as err:
        raise AgenticUnavailable(f"--suite agentic: {err}") from err
    notes = (
        *_installed_dependencies(dataset.fixture, home),
        f"agentic: each task is a Claude Code {sessions.version} session as {agent.name} on a scratch copy "
        f"of the {dataset.fixture} fixture, at most {sessions.runner.live_limit} at once",
    )
    return AgenticRun(
        dataset=dataset,
        request=sessions.request,
        provider=None if replay else sessions,
        environment=ExecutionEnvironment(postgres_url, home),
        home=home,
        notes=notes,
    )
