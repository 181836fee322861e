"""Routing harnesses: the ways of asking a model to route a scenario, found by name.

A module in this package that decorates a request builder with `@harness("NAME")` adds `--harness NAME`;
every module here is imported on the first lookup.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from agent_eval.suites.registry import load_package

if TYPE_CHECKING:
    from agent_eval.providers.model import ModelRequest
    from agent_eval.scenarios.model import Scenario
    from agent_eval.suites.registry import SuiteContext

DEFAULT_HARNESS = "builtin"


class RoutingHarness(Protocol):
    def __call__(self, scenario: Scenario, context: SuiteContext) -> ModelRequest: ...


_HARNESSES: dict[str, RoutingHarness] = {}


def harness(name: str) -> Callable[[RoutingHarness], RoutingHarness]:
    """Decorator: register a routing request builder under `name`."""

    def register(builder: RoutingHarness) -> RoutingHarness:
        if name in _HARNESSES:
            raise ValueError(f"harness {name!r} is registered twice")
        _HARNESSES[name] = builder
        return builder

    return register


def _loaded() -> dict[str, RoutingHarness]:
    if not _HARNESSES:
        load_package(importlib.import_module(__name__))
    return _HARNESSES


def harness_names() -> tuple[str, ...]:
    return tuple(_loaded())


def get_harness(name: str) -> RoutingHarness:
    harnesses = _loaded()
    if name not in harnesses:
        raise KeyError(f"no harness named {name!r} (registered: {', '.join(harnesses)})")
    return harnesses[name]
