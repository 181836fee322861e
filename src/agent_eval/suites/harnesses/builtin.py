"""`--harness builtin`: the project's own Claude-Code-shaped routing request (harness/routing.py)."""

from __future__ import annotations

from agent_eval.harness.routing import DEFAULT_SETTINGS, build_routing_request
from agent_eval.providers.model import ModelRequest
from agent_eval.scenarios.model import Scenario
from agent_eval.suites.harnesses import DEFAULT_HARNESS, harness
from agent_eval.suites.registry import SuiteContext


@harness(DEFAULT_HARNESS)
def builtin(scenario: Scenario, context: SuiteContext) -> ModelRequest:
    return build_routing_request(scenario, context.roster, context.model, context.routing or DEFAULT_SETTINGS)
