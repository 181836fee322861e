"""The Suite protocol and the registry that finds suites by name.

A suite is one kind of scenario end to end: the request to send for a scenario, the grading of the answer
into a stored result, and its share of the run's summary. A module in this package that decorates a class
with `@suite` registers it; nothing else needs editing (every module of the package is imported on the
first lookup).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from agent_eval.agents.model import Agent
    from agent_eval.agents.roster import Roster
    from agent_eval.config import EvalConfig
    from agent_eval.executors.environment import ExecutionEnvironment
    from agent_eval.graders.model import Verdict
    from agent_eval.providers.model import ModelRequest, ModelResponse, Provider
    from agent_eval.run.summary import RunSummary
    from agent_eval.scenarios.model import Scenario
    from agent_eval.store.model import ResultRecord
    from agent_eval.suites.agentic_run import AgenticRun
    from agent_eval.suites.harnesses import RoutingHarness


@dataclass(frozen=True)
class SuiteContext:
    """What a suite needs from the run's plan to ask and to grade."""

    agent: Agent
    roster: Roster
    config: EvalConfig | None
    model: str
    harness: RoutingHarness | None = None  # how routing requests are made and answered (opened per run)
    agent_model: str | None = None  # the agent's own model (frontmatter), for the work it does itself
    agentic: AgenticRun | None = None  # the agentic tasks, their session provider and executors (per run)
    execution: ExecutionEnvironment | None = None  # set: standards answers' SQL is applied and RLS probed


@dataclass(frozen=True)
class Graded:
    """A suite's verdict on one answer: the fields of the stored result that depend on the suite."""

    passed: bool
    output: str  # what the report shows of the answer
    expected: str | None = None
    chosen: str | None = None
    decision: str | None = None  # routing: the decision's kind and detail (delegated:X, acted:Read, …)
    checks: Mapping[str, Verdict] = field(default_factory=dict)
    executed: Mapping[str, Verdict] = field(default_factory=dict)  # agentic: graders that ran the change
    transcript: tuple[dict[str, Any], ...] = ()  # agentic: the session's tool calls and texts


class Suite(Protocol):
    name: ClassVar[str]
    answerable_offline: ClassVar[bool]  # the offline lexical router can answer its requests
    judged: ClassVar[bool]  # its results get a judge pass when the run has a judge
    slow_grading: ClassVar[bool]  # grading parses or executes code: it runs off the event loop

    def request(self, scenario: Scenario, context: SuiteContext) -> ModelRequest:
        """The request to send for `scenario` (model and prompt; the epoch is set by the caller)."""
        ...

    def provider(self, context: SuiteContext, model: Provider) -> Provider:
        """Who answers its requests: the run's `model` provider, or one of the suite's own over it."""
        ...

    def grade(self, scenario: Scenario, response: ModelResponse, context: SuiteContext) -> Graded:
        """The answer's verdict. Pure: the same answer always grades the same."""
        ...

    def summarise(self, summary: RunSummary) -> dict[str, Any] | None:
        """Its entry in `run --json` "summary", from the figures the report shows; None: no results."""
        ...

    def result_json(self, record: ResultRecord) -> dict[str, Any]:
        """The suite's own fields of one result in `run --json` "results"."""
        ...


T = TypeVar("T")
SuiteT = TypeVar("SuiteT", bound=type)


class Registry(Generic[T]):
    """Named entries of one kind, filled by the modules of `package` (all imported on the first lookup)."""

    def __init__(self, kind: str, package: str) -> None:
        self.kind, self.package = kind, package
        self._entries: dict[str, T] = {}
        self._imported = False

    def add(self, name: str, entry: T) -> None:
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._entries[name] = entry

    def remove(self, name: str) -> None:
        del self._entries[name]

    def _loaded(self) -> dict[str, T]:
        if not self._imported:
            self._imported = True
            package = importlib.import_module(self.package)
            for module in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
                importlib.import_module(module.name)
        return self._entries

    def names(self) -> tuple[str, ...]:
        return tuple(self._loaded())

    def get(self, name: str) -> T:
        entries = self._loaded()
        if name not in entries:
            raise KeyError(f"no {self.kind} named {name!r} (registered: {', '.join(entries)})")
        return entries[name]


SUITES: Registry[Suite] = Registry("suite", "agent_eval.suites")
# What `--suite all` runs (CONTRACT.md); other suites (agentic: slow, needs the CLI and executors) are opt-in.
DEFAULT_SUITES = ("routing", "standards")


def suite(cls: SuiteT) -> SuiteT:
    """Class decorator: register one instance of a Suite under its `name`."""
    SUITES.add(cls.name, cls())  # type: ignore[attr-defined]
    return cls


def suite_names() -> tuple[str, ...]:
    return SUITES.names()


def get_suite(name: str) -> Suite:
    return SUITES.get(name)
