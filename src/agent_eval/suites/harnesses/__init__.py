"""Routing harnesses: the ways of asking for a routing decision, found by name.

A harness, opened once per run over the run's model provider, gives how to build a scenario's request and
the Provider that answers it: `builtin` (this project's Claude-Code-shaped request, the model's own
provider), `captured` (a template of the user's own Claude Code request), `claude-code` (the real CLI, one
session per scenario, behind a local proxy). The answer is the model's first turn either way, so the
routing suite grades every harness alike. A module in this package that decorates an opener with
`@harness("NAME")` adds `--harness NAME`; every module here is imported on the first lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from agent_eval.harness.routing import DEFAULT_SETTINGS, RoutingSettings
from agent_eval.sandbox.session import CliSettings
from agent_eval.suites.registry import Registry

if TYPE_CHECKING:
    from agent_eval.agents.roster import RosterLike
    from agent_eval.providers.model import ModelRequest, Provider
    from agent_eval.runner.pool import ResponseCache
    from agent_eval.scenarios.model import Scenario

DEFAULT_HARNESS = "builtin"


class HarnessError(ValueError):
    """The harness cannot be used as asked (unknown name, missing extra or template, wrong model)."""


@dataclass(frozen=True)
class HarnessOptions:
    home: Path  # AGENT_EVAL_HOME: where captured templates live
    project_root: Path  # the user's project: its path appears in captured requests as the CLI's cwd
    cli: CliSettings = field(default_factory=CliSettings)
    skills: Path | None = None  # the project's skills folder (.claude/skills), if any
    cache: ResponseCache | None = None  # the proxy's cache of the CLI's calls (the store)
    live_limit: int | None = None
    routing: RoutingSettings = DEFAULT_SETTINGS  # thinking, effort, skills of the builtin request


@dataclass(frozen=True)
class RoutingHarness:
    name: str
    provider: Provider
    request: Callable[[Scenario], ModelRequest]
    notes: tuple[str, ...] = ()  # for the run's notes and report: e.g. which CLI version answered
    batchable: bool = True  # its requests can go through the Message Batches API as they are


class HarnessOpener(Protocol):
    async def __call__(
        self, upstream: Provider, roster: RosterLike, model: str, options: HarnessOptions
    ) -> RoutingHarness: ...


HARNESSES: Registry[HarnessOpener] = Registry("harness", __name__)


def harness(name: str) -> Callable[[HarnessOpener], HarnessOpener]:
    """Decorator: register a harness opener under `name`."""

    def register(opener: HarnessOpener) -> HarnessOpener:
        HARNESSES.add(name, opener)
        return opener

    return register


def harness_names() -> tuple[str, ...]:
    return HARNESSES.names()


async def open_harness(
    name: str, upstream: Provider, roster: RosterLike, model: str, options: HarnessOptions
) -> RoutingHarness:
    """The harness `name` over `upstream` (the run's model provider); HarnessError when it cannot run."""
    if name not in harness_names():
        raise HarnessError(f"--harness {name!r}: unknown (choose from {', '.join(harness_names())})")
    return await HARNESSES.get(name)(upstream, roster, model, options)
