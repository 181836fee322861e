"""What the agentic suite holds for one run: its tasks, who answers them (a Claude Code session per task, or
the run's replay), the agent's model as resolved, and the executors' PostgreSQL, started on the first task
that needs it and stopped when the run ends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agent_eval.executors import ExecutorUnavailable
from agent_eval.executors.environment import ExecutionEnvironment
from agent_eval.scenarios.agentic import AgenticDataset, AgenticTask

if TYPE_CHECKING:
    from agent_eval.agents.model import Agent
    from agent_eval.providers.model import ModelRequest, Provider
    from agent_eval.runner.pool import ResponseCache
    from agent_eval.sandbox.session import CliSettings

class AgenticUnavailable(ValueError):
    """The agentic suite cannot run as asked (no Claude Agent SDK, a model that is not Anthropic's)."""


@dataclass
class AgenticRun:
    dataset: AgenticDataset
    request: Callable[[AgenticTask], ModelRequest]
    provider: Provider | None  # who answers: the sessions' provider; None: the run's own (a replay)
    environment: ExecutionEnvironment  # the run's, shared with the standards suite's `--execute`
    home: Path | None
    notes: tuple[str, ...] = ()

    @property
    def tasks(self) -> dict[str, AgenticTask]:
        return {task.id: task for task in self.dataset.tasks}



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
                 cache: ResponseCache | None, environment: ExecutionEnvironment) -> AgenticRun:
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
        environment=environment,
        home=home,
        notes=notes,
    )
