"""`--harness builtin`: the project's own Claude-Code-shaped routing request (harness/routing.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent_eval.harness.routing import routing_request_builder
from agent_eval.suites.harnesses import DEFAULT_HARNESS, HarnessOptions, RoutingHarness, harness

if TYPE_CHECKING:
    from agent_eval.agents.roster import RosterLike
    from agent_eval.providers.model import Provider


@harness(DEFAULT_HARNESS)
async def builtin(
    upstream: Provider, roster: RosterLike, model: str, options: HarnessOptions
) -> RoutingHarness:
    return RoutingHarness(DEFAULT_HARNESS, upstream, routing_request_builder(roster, model, options.routing))
