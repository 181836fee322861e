"""Routing harnesses: the ways of asking a model to route a scenario, found by name.

A module in this package that decorates a request builder with `@harness("NAME")` adds `--harness NAME`;
every module here is imported on the first lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from agent_eval.suites.registry import Registry

if TYPE_CHECKING:
    from agent_eval.providers.model import ModelRequest
    from agent_eval.scenarios.model import Scenario
    from agent_eval.suites.registry import SuiteContext

DEFAULT_HARNESS = "builtin"


class RoutingHarness(Protocol):
    def __call__(self, scenario: Scenario, context: SuiteContext) -> ModelRequest: ...


HARNESSES: Registry[RoutingHarness] = Registry("harness", __name__)


def harness(name: str) -> Callable[[RoutingHarness], RoutingHarness]:
    """Decorator: register a routing request builder under `name`."""

    def register(builder: RoutingHarness) -> RoutingHarness:
        HARNESSES.add(name, builder)
        return builder

    return register


def harness_names() -> tuple[str, ...]:
    return HARNESSES.names()


def get_harness(name: str) -> RoutingHarness:
    return HARNESSES.get(name)
